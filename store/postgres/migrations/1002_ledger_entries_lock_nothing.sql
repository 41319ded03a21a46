-- An entry's foreign keys are checked by locking the rows they point at
-- (FOR KEY SHARE), in every transaction that writes an entry. For an account
-- without a floor that is exactly the row lock the ledger promises a posting
-- never takes: every redemption of a city-wide campaign locked its held
-- account, and concurrent lockers of one row share it through a MultiXact.
-- The checks were also a third of the server's work per transfer.
--
-- What they guarded is kept without them:
--   - a posting reads its accounts and writes nothing when one is missing
--     (ledger_posted's CL002, or wallet.Post's NotFound), and no account is
--     ever deleted;
--   - an entry's transaction is written by the same statement, or the same
--     transaction, as the entry, and no transaction is ever deleted;
--   - the ledger check lists any entry whose account or transaction is
--     missing (missing_accounts, missing_transactions), and fails on it.
ALTER TABLE ledger_entries DROP CONSTRAINT ledger_entries_transaction_id_fkey;
ALTER TABLE ledger_entries DROP CONSTRAINT ledger_entries_account_id_fkey;
