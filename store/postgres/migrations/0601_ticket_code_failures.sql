-- Failed typed ticket-code look-ups at the door, per staff account and per
-- address, so that every hub replica counts the same failures when it
-- rate-limits guessing.
CREATE TABLE ticket_code_failures (
    id   BIGSERIAL PRIMARY KEY,
    key  TEXT NOT NULL,
    at   TIMESTAMPTZ NOT NULL
);
CREATE INDEX ticket_code_failures_key ON ticket_code_failures (key, at);
