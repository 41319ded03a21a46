-- A batch of voucher redemptions wrote a pending row for each of its
-- entries: two a redemption, one to the campaign's held value and one to
-- the shop's payable, although every one of a batch's entries to one
-- account is rolled up into the same balance. A batch now writes one
-- pending row per account, holding the sum of the account's entries and
-- how many they are, keyed by the first of them: an account's exact balance
-- is still its cached balance plus the sum of its pending rows, and the
-- ledger check still counts the entries not yet rolled up. A posting of its
-- own has one entry per account, so one pending row per entry as before.
ALTER TABLE ledger_pending ADD COLUMN entries INTEGER NOT NULL DEFAULT 1 CHECK (entries > 0);
