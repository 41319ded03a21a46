-- The ledger checks the hubs ran (see the PostgreSQL migration of the same
-- number). started_at is Unix microseconds (UTC); result is the check as JSON.
CREATE TABLE ledger_checks (
    id          INTEGER PRIMARY KEY,
    started_at  INTEGER NOT NULL,
    ok          INTEGER NOT NULL,
    result      TEXT NOT NULL
);
CREATE INDEX ledger_checks_started ON ledger_checks (started_at DESC, id DESC);
