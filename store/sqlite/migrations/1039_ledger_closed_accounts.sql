-- An erased citizen's credit account is closed in the erasure's
-- transaction, and a closed account takes no posting (see the PostgreSQL
-- migration of the same number). closed_at is Unix microseconds, NULL
-- while the account is open.
ALTER TABLE ledger_accounts ADD COLUMN closed_at INTEGER;

-- Credit that reached accounts erased before this release goes to the
-- city, with a transaction of the erasure's kind that says so; a debt
-- stays. The citizen's entry is written first, as a posting gives it,
-- and the city's takes its amount back from it (the trigger of 0200 moves
-- both balances).
CREATE TEMP TABLE erased_credit AS
SELECT u.id AS account_id, a.id AS ledger_id,
       a.balance + COALESCE((SELECT SUM(p.amount) FROM ledger_pending p WHERE p.account_id = a.id), 0) AS balance,
       CAST((julianday('now') - 2440587.5) * 86400000000 AS INTEGER) AS at
FROM accounts u JOIN ledger_accounts a ON a.id = 'citizen:' || u.id
WHERE u.deleted_at <> 0
  AND a.balance + COALESCE((SELECT SUM(p.amount) FROM ledger_pending p WHERE p.account_id = a.id), 0) > 0;

-- The city's account, made only if there is credit to move and no hub
-- made it yet.
INSERT INTO ledger_accounts (id, kind, owner_id, floor, created_at)
SELECT 'city:funding', 'city_funding', '', NULL, CAST((julianday('now') - 2440587.5) * 86400000000 AS INTEGER)
WHERE EXISTS (SELECT 1 FROM erased_credit)
ON CONFLICT (id) DO NOTHING;

INSERT INTO ledger_transactions (id, idem_key, kind, memo, ref_type, ref_id, created_at)
SELECT 'erasure:closed_to_city:' || account_id, 'erasure:closed_to_city:' || account_id, 'erasure.to_city',
       'Credit that reached the account after its erasure, left to the city', 'account', account_id, at
FROM erased_credit;

INSERT INTO ledger_entries (transaction_id, account_id, amount, created_at)
SELECT 'erasure:closed_to_city:' || account_id, ledger_id, -balance, at FROM erased_credit ORDER BY account_id;

INSERT INTO ledger_entries (transaction_id, account_id, amount, created_at)
SELECT 'erasure:closed_to_city:' || account_id, 'city:funding', balance, at FROM erased_credit ORDER BY account_id;

DROP TABLE erased_credit;

-- Every erased account's credit account is closed, made closed for one
-- that never had one.
INSERT INTO ledger_accounts (id, kind, owner_id, floor, created_at, closed_at)
SELECT 'citizen:' || u.id, 'citizen_credit', u.id, 0, u.deleted_at, u.deleted_at FROM accounts u WHERE u.deleted_at <> 0
ON CONFLICT (id) DO UPDATE SET closed_at = COALESCE(ledger_accounts.closed_at, excluded.closed_at);
