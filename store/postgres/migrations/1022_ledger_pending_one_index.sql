-- A pending row had two indexes: its first entry's id (the primary key,
-- which the roll-up took the oldest rows by) and its account (how an exact
-- balance adds up an account's pending rows). One index on both, account
-- first, serves the balance; the roll-up takes any rows no one else holds,
-- by their place in the table (every pending row is rolled up in its turn:
-- the roll-up runs again at once while it finds a full batch). One index
-- entry less for every entry a posting leaves pending: a transfer's revenue,
-- a ride's fare, a sale's theatre revenue.
ALTER TABLE ledger_pending DROP CONSTRAINT ledger_pending_pkey;
DROP INDEX ledger_pending_account;
ALTER TABLE ledger_pending ADD PRIMARY KEY (account_id, entry_id);
