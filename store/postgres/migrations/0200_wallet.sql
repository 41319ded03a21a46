-- The wallet's double-entry ledger. Every movement of value is a transaction
-- whose entries sum to zero; an account's balance is the sum of its entries,
-- cached on the account and updated in the same database transaction.

CREATE TABLE ledger_accounts (
    id         TEXT PRIMARY KEY,
    kind       TEXT NOT NULL,
    owner_id   TEXT NOT NULL DEFAULT '',
    -- floor is the lowest balance the account may reach; NULL: unbounded.
    floor      BIGINT,
    balance    BIGINT NOT NULL DEFAULT 0,
    created_at TIMESTAMPTZ NOT NULL DEFAULT now()
);
CREATE INDEX ledger_accounts_owner ON ledger_accounts (owner_id) WHERE owner_id <> '';

CREATE TABLE ledger_transactions (
    id                TEXT PRIMARY KEY,
    -- idem_key makes a retried posting return the first one and write nothing.
    idem_key          TEXT NOT NULL UNIQUE,
    kind              TEXT NOT NULL,
    memo              TEXT NOT NULL DEFAULT '',
    ref_type          TEXT NOT NULL DEFAULT '',
    ref_id            TEXT NOT NULL DEFAULT '',
    overdraft_rule    TEXT NOT NULL DEFAULT '',
    overdraft_floor   BIGINT,
    overdraft_account TEXT NOT NULL DEFAULT '',
    created_at        TIMESTAMPTZ NOT NULL
);
CREATE INDEX ledger_transactions_ref ON ledger_transactions (ref_type, ref_id) WHERE ref_type <> '';

CREATE TABLE ledger_entries (
    id             BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    transaction_id TEXT NOT NULL REFERENCES ledger_transactions (id),
    account_id     TEXT NOT NULL REFERENCES ledger_accounts (id),
    amount         BIGINT NOT NULL CHECK (amount <> 0),
    created_at     TIMESTAMPTZ NOT NULL,
    UNIQUE (transaction_id, account_id)
);
-- History pages walk one account's entries newest first by id.
CREATE INDEX ledger_entries_account ON ledger_entries (account_id, id DESC);
