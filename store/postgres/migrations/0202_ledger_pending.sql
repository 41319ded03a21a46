-- Accounts without a floor (funding, clearing, revenue, shop payable, campaign
-- held) are never row-locked by a posting: their entries are also written
-- here, and a roll-up moves them into the cached balance in batches. Each
-- pending row is deleted in the same transaction that adds it to
-- ledger_accounts.balance, so an account's exact balance is always
-- balance + the sum of its pending rows, whatever was killed when.
CREATE TABLE ledger_pending (
    entry_id   BIGINT PRIMARY KEY,
    account_id TEXT NOT NULL,
    amount     BIGINT NOT NULL
);
CREATE INDEX ledger_pending_account ON ledger_pending (account_id);

-- A campaign's held value and a shop's payable have no floor of their own:
-- the voucher row bounds what a redemption takes from held (it was put there
-- by the claim), and the redemption rows bound what a reversal or a
-- settlement takes from the payable.
UPDATE ledger_accounts SET floor = NULL WHERE kind IN ('campaign_held', 'shop_payable');
