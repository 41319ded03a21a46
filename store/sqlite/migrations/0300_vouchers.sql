-- Vouchers (SQLite: times are INTEGER Unix microseconds UTC; lists are JSON TEXT): shops, campaigns, vouchers, redemptions, settlements. Money lives
-- in the ledger (ledger accounts campaign:<id>:budget/held, shop:<id>:payable/paid);
-- these tables hold state and keep copies of amounts for statements.

CREATE TABLE voucher_shops (
    id          TEXT PRIMARY KEY,
    name        TEXT NOT NULL,
    address     TEXT NOT NULL,
    district    TEXT NOT NULL,
    category    TEXT NOT NULL,
    iban        TEXT NOT NULL,
    active      INTEGER NOT NULL DEFAULT 1,
    created_at  INTEGER NOT NULL
);
CREATE INDEX voucher_shops_district ON voucher_shops (district, name);

CREATE TABLE voucher_campaigns (
    id                 TEXT PRIMARY KEY,
    name               TEXT NOT NULL,
    description        TEXT NOT NULL DEFAULT '',
    budget_cents       INTEGER NOT NULL CHECK (budget_cents > 0),
    face_value_cents   INTEGER NOT NULL CHECK (face_value_cents > 0),
    percent_off        INTEGER NOT NULL DEFAULT 0 CHECK (percent_off BETWEEN 0 AND 100),
    min_spend_cents    INTEGER NOT NULL DEFAULT 0 CHECK (min_spend_cents >= 0),
    per_citizen_limit  INTEGER NOT NULL CHECK (per_citizen_limit > 0),
    valid_from         INTEGER NOT NULL,
    valid_until        INTEGER NOT NULL,
    districts          TEXT NOT NULL DEFAULT '[]',
    categories         TEXT NOT NULL DEFAULT '[]',
    shop_ids           TEXT NOT NULL DEFAULT '[]',
    mode               TEXT NOT NULL CHECK (mode IN ('single_use', 'partial')),
    status             TEXT NOT NULL CHECK (status IN ('draft', 'open', 'paused', 'closed')),
    created_at         INTEGER NOT NULL,
    CHECK (valid_until > valid_from)
);

CREATE TABLE vouchers (
    id               TEXT PRIMARY KEY,
    campaign_id      TEXT NOT NULL REFERENCES voucher_campaigns (id),
    account_id       TEXT NOT NULL,
    value_cents      INTEGER NOT NULL CHECK (value_cents > 0),
    remaining_cents  INTEGER NOT NULL CHECK (remaining_cents >= 0 AND remaining_cents <= value_cents),
    status           TEXT NOT NULL CHECK (status IN ('active', 'used')),
    code             TEXT NOT NULL,
    code_hash        TEXT NOT NULL UNIQUE,
    claimed_at       INTEGER NOT NULL,
    expires_at       INTEGER NOT NULL
);
CREATE INDEX vouchers_account ON vouchers (account_id, claimed_at DESC);
CREATE INDEX vouchers_campaign_account ON vouchers (campaign_id, account_id);

CREATE TABLE voucher_redemptions (
    id              TEXT PRIMARY KEY,
    voucher_id      TEXT NOT NULL REFERENCES vouchers (id),
    campaign_id     TEXT NOT NULL REFERENCES voucher_campaigns (id),
    shop_id         TEXT NOT NULL REFERENCES voucher_shops (id),
    purchase_cents  INTEGER NOT NULL CHECK (purchase_cents > 0),
    amount_cents    INTEGER NOT NULL CHECK (amount_cents > 0 AND amount_cents <= purchase_cents),
    staff_id        TEXT NOT NULL,
    device          TEXT NOT NULL DEFAULT '',
    at              INTEGER NOT NULL,
    reversed_at     INTEGER,
    reversed_by     TEXT NOT NULL DEFAULT '',
    settlement_id   TEXT NOT NULL DEFAULT '',
    -- A settled redemption is never reversed, and the other way round.
    CHECK (reversed_at IS NULL OR settlement_id = '')
);
CREATE INDEX voucher_redemptions_shop ON voucher_redemptions (shop_id, at);
CREATE INDEX voucher_redemptions_voucher ON voucher_redemptions (voucher_id);
CREATE INDEX voucher_redemptions_campaign ON voucher_redemptions (campaign_id);
CREATE INDEX voucher_redemptions_settlement ON voucher_redemptions (settlement_id);

CREATE TABLE voucher_settlements (
    id           TEXT PRIMARY KEY,
    shop_id      TEXT NOT NULL REFERENCES voucher_shops (id),
    period_end   INTEGER NOT NULL,
    count        INTEGER NOT NULL CHECK (count > 0),
    total_cents  INTEGER NOT NULL CHECK (total_cents > 0),
    status       TEXT NOT NULL CHECK (status IN ('closed', 'paid')),
    closed_at    INTEGER NOT NULL,
    closed_by    TEXT NOT NULL,
    paid_at      INTEGER,
    payment_ref  TEXT NOT NULL DEFAULT ''
);
CREATE INDEX voucher_settlements_shop ON voucher_settlements (shop_id, closed_at DESC);
