-- Failed typed-code look-ups, per shop and per address (at: Unix microseconds).
CREATE TABLE voucher_code_failures (
    id   INTEGER PRIMARY KEY,
    key  TEXT NOT NULL,
    at   INTEGER NOT NULL
);
CREATE INDEX voucher_code_failures_key ON voucher_code_failures (key, at);
