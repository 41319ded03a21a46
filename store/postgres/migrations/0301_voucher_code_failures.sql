-- Failed typed-code look-ups, per shop and per address, so that every hub
-- replica counts the same failures when it rate-limits guessing.
CREATE TABLE voucher_code_failures (
    id   BIGSERIAL PRIMARY KEY,
    key  TEXT NOT NULL,
    at   TIMESTAMPTZ NOT NULL
);
CREATE INDEX voucher_code_failures_key ON voucher_code_failures (key, at);
