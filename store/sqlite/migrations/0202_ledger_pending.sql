-- Entries of accounts without a floor waiting for the roll-up (see the
-- PostgreSQL migration of the same number). SQLite has one writer, so no
-- posting waits for another's row lock and the trigger of 0200 keeps every
-- cached balance current at once: this table stays empty here, and the
-- ledger check and exact reads treat both engines alike.
CREATE TABLE ledger_pending (
    entry_id   INTEGER PRIMARY KEY,
    account_id TEXT NOT NULL,
    amount     INTEGER NOT NULL
);
CREATE INDEX ledger_pending_account ON ledger_pending (account_id);

UPDATE ledger_accounts SET floor = NULL WHERE kind IN ('campaign_held', 'shop_payable');
