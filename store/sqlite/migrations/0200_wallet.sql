-- The wallet's double-entry ledger (see the PostgreSQL migration of the same
-- number). Money is INTEGER cents, timestamps INTEGER Unix microseconds.

CREATE TABLE ledger_accounts (
    id         TEXT PRIMARY KEY,
    kind       TEXT NOT NULL,
    owner_id   TEXT NOT NULL DEFAULT '',
    floor      INTEGER,
    balance    INTEGER NOT NULL DEFAULT 0,
    created_at INTEGER NOT NULL
);
CREATE INDEX ledger_accounts_owner ON ledger_accounts (owner_id) WHERE owner_id <> '';

CREATE TABLE ledger_transactions (
    id                TEXT PRIMARY KEY,
    idem_key          TEXT NOT NULL UNIQUE,
    kind              TEXT NOT NULL,
    memo              TEXT NOT NULL DEFAULT '',
    ref_type          TEXT NOT NULL DEFAULT '',
    ref_id            TEXT NOT NULL DEFAULT '',
    overdraft_rule    TEXT NOT NULL DEFAULT '',
    overdraft_floor   INTEGER,
    overdraft_account TEXT NOT NULL DEFAULT '',
    created_at        INTEGER NOT NULL
);
CREATE INDEX ledger_transactions_ref ON ledger_transactions (ref_type, ref_id) WHERE ref_type <> '';

-- AUTOINCREMENT: entry ids are never reused, so history cursors stay valid.
CREATE TABLE ledger_entries (
    id             INTEGER PRIMARY KEY AUTOINCREMENT,
    transaction_id TEXT NOT NULL REFERENCES ledger_transactions (id),
    account_id     TEXT NOT NULL REFERENCES ledger_accounts (id),
    amount         INTEGER NOT NULL CHECK (amount <> 0),
    created_at     INTEGER NOT NULL,
    UNIQUE (transaction_id, account_id)
);
CREATE INDEX ledger_entries_account ON ledger_entries (account_id, id DESC);

-- The cached balance moves with each entry inside the inserting statement:
-- one statement fewer to prepare per posting on the single writer, and no
-- entry can be written without its balance.
CREATE TRIGGER ledger_entries_balance AFTER INSERT ON ledger_entries
BEGIN
    UPDATE ledger_accounts SET balance = balance + NEW.amount WHERE id = NEW.account_id;
END;
