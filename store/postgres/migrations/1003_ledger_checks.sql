-- The ledger checks the hubs ran (wallet.Service.LatestCheck), findings and
-- all, so that every hub sharing the database shows the same latest check,
-- a hub that restarts shows it at once, and a hub whose check is due runs
-- none when another hub ran one moments ago. Kept, not pruned: a row every
-- ten minutes is the record of when the ledger was found sound, or not.
CREATE TABLE ledger_checks (
    id          BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    started_at  TIMESTAMPTZ NOT NULL,
    ok          BOOLEAN NOT NULL,
    result      JSONB NOT NULL
);
CREATE INDEX ledger_checks_started ON ledger_checks (started_at DESC, id DESC);
