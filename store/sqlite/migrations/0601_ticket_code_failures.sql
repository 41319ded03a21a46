-- Failed typed ticket-code look-ups at the door, per staff account and per
-- address (at: Unix microseconds).
CREATE TABLE ticket_code_failures (
    id   INTEGER PRIMARY KEY,
    key  TEXT NOT NULL,
    at   INTEGER NOT NULL
);
CREATE INDEX ticket_code_failures_key ON ticket_code_failures (key, at);
