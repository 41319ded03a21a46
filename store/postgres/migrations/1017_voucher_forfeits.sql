-- A voucher whose holder erases their account is given up: what is left
-- of it goes back from the campaign's held value to its budget, for the
-- city to give to someone else, and no erased person's code can be
-- redeemed any more (vouchers.ForfeitTx). A row per voucher of the account
-- in a campaign not closed (amount 0 for one with nothing left, so that a
-- later reversal of its redemption also goes to the budget), and one for
-- each such reversal. The campaign's claimed value is its vouchers' face
-- value less its forfeits (vouchers.Reconcile).
CREATE TABLE voucher_forfeits (
    id           TEXT PRIMARY KEY,
    voucher_id   TEXT NOT NULL REFERENCES vouchers (id),
    campaign_id  TEXT NOT NULL REFERENCES voucher_campaigns (id),
    amount_cents BIGINT NOT NULL CHECK (amount_cents >= 0),
    reason       TEXT NOT NULL CHECK (reason IN ('erasure', 'reversal')),
    at           TIMESTAMPTZ NOT NULL
);
CREATE INDEX voucher_forfeits_voucher ON voucher_forfeits (voucher_id);
CREATE INDEX voucher_forfeits_campaign ON voucher_forfeits (campaign_id);
