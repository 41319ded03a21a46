-- A transfer (two entries: one account gives, another gets the same
-- amount) posted by ledger_post is now written as one row: its legs ride
-- on its transaction's row (from_account, to_account, transfer_amount) with
-- the ids its two entries would have had (from_entry, to_entry, from the
-- entries' own sequence, in the order the posting gave them), instead of
-- two rows of ledger_entries beside it: two heap rows and two index
-- entries fewer a transfer, and about 30 % less log (bench/README.md, "A
-- transfer in one row").
--
-- The redemptions' batches write their transfers in this shape too, by
-- their own statement. Every other posting (more than two entries, those
-- PostGuarded writes, the rows written before this migration) keeps its
-- entries in ledger_entries, so nothing is rewritten. A replica of the previous release reads
-- ledger_entries alone: during a rolling upgrade it does not see the new
-- transfers (README.md, "Upgrades", says what that changes).
--
-- ledger_lines is every entry, whichever way it was written: what the
-- store reads where it read ledger_entries. Asked for one account's or one
-- transaction's lines, the planner reads each branch by its own index.
--
-- The check is added NOT VALID: every row already there has no legs, and
-- proving it would scan the table under the lock that holds postings; it
-- holds for every row written from now on.
ALTER TABLE ledger_transactions
    ADD COLUMN from_account TEXT,
    ADD COLUMN to_account TEXT,
    ADD COLUMN transfer_amount BIGINT,
    ADD COLUMN from_entry BIGINT,
    ADD COLUMN to_entry BIGINT,
    ADD CONSTRAINT ledger_transactions_transfer_check CHECK (
        (from_account IS NULL AND to_account IS NULL AND transfer_amount IS NULL AND from_entry IS NULL AND to_entry IS NULL)
        OR (from_account IS NOT NULL AND to_account IS NOT NULL AND from_account <> to_account
            AND transfer_amount > 0 AND from_entry IS NOT NULL AND to_entry IS NOT NULL)) NOT VALID;

CREATE INDEX ledger_transactions_from ON ledger_transactions (from_account, from_entry DESC) WHERE from_account IS NOT NULL;
CREATE INDEX ledger_transactions_to ON ledger_transactions (to_account, to_entry DESC) WHERE to_account IS NOT NULL;

CREATE VIEW ledger_lines AS
    SELECT e.id, e.transaction_id, e.account_id, e.amount, e.created_at FROM ledger_entries e
    UNION ALL
    SELECT t.from_entry, t.id, t.from_account, -t.transfer_amount, t.created_at FROM ledger_transactions t
    WHERE t.from_account IS NOT NULL
    UNION ALL
    SELECT t.to_entry, t.id, t.to_account, t.transfer_amount, t.created_at FROM ledger_transactions t
    WHERE t.to_account IS NOT NULL;

-- ledger_transfer posts a transfer as one row: the transaction with its
-- legs, a pending row for each account without a floor, the balances of
-- those with one, and ledger_post's errors. PostAtCommit calls it for a
-- transfer whose accounts' floors the hub knows, with plain arguments:
-- alternated with a ledger_post taking the same transfers as arrays
-- (pgbench, 16 clients, statements prepared), it ran 9.7 % more of them a
-- second. p_first is the posting's first entry, p_second its second, which
-- takes -p_first_amount; the entries' ids follow that order.
--
-- A key posted already is refused by the unique indexes, not looked up
-- first: the transaction's id, made from its key, by the primary key, and a
-- key posted before migration 1021 (whose id is not its key) by the key's
-- old unique index (ledger_transactions_idem_key_key), which this release
-- keeps. Either is a unique violation, which the store reads as the key
-- taken, as it reads ledger_post's CL004. Without the look-up and ON
-- CONFLICT a transfer costs the server 1.89 bare UPDATEs against 2.09 at
-- 16 clients (bench/README.md, "The key left to the unique indexes"). A
-- release that drops the old unique index must look such keys up again
-- here (ledger_transactions_key_before, as ledger_post does).
CREATE FUNCTION ledger_transfer(p_id TEXT, p_key TEXT, p_kind TEXT, p_memo TEXT, p_ref_type TEXT, p_ref_id TEXT,
        p_overdraft_rule TEXT, p_overdraft_floor BIGINT, p_overdraft_account TEXT, p_at TIMESTAMPTZ,
        p_first TEXT, p_first_amount BIGINT, p_first_floored BOOLEAN, p_second TEXT, p_second_floored BOOLEAN)
RETURNS VOID LANGUAGE plpgsql AS $$
DECLARE
    first_entry BIGINT := nextval('ledger_entries_id_seq');
    second_entry BIGINT := nextval('ledger_entries_id_seq');
    first_gives BOOLEAN := p_first_amount < 0;
BEGIN
    INSERT INTO ledger_transactions (id, idem_key, kind, memo, ref_type, ref_id, overdraft_rule, overdraft_floor, overdraft_account, created_at,
        from_account, to_account, transfer_amount, from_entry, to_entry)
    VALUES (p_id, p_key, p_kind, p_memo, p_ref_type, p_ref_id, p_overdraft_rule, p_overdraft_floor, p_overdraft_account, p_at,
        CASE WHEN first_gives THEN p_first ELSE p_second END, CASE WHEN first_gives THEN p_second ELSE p_first END,
        abs(p_first_amount),
        CASE WHEN first_gives THEN first_entry ELSE second_entry END, CASE WHEN first_gives THEN second_entry ELSE first_entry END);
    IF NOT p_first_floored THEN
        INSERT INTO ledger_pending (entry_id, account_id, amount) VALUES (first_entry, p_first, p_first_amount);
    END IF;
    IF NOT p_second_floored THEN
        INSERT INTO ledger_pending (entry_id, account_id, amount) VALUES (second_entry, p_second, -p_first_amount);
    END IF;
    IF p_first_floored THEN
        UPDATE ledger_accounts a SET balance = a.balance + p_first_amount
        WHERE a.id = p_first
          AND (p_first_amount > 0 OR a.balance + p_first_amount >= CASE
                WHEN a.id = p_overdraft_account AND p_overdraft_floor IS NOT NULL THEN LEAST(a.floor, p_overdraft_floor)
                ELSE a.floor END);
        IF NOT FOUND THEN
            RAISE EXCEPTION 'ledger transaction %: the balance of % would fall below its floor', p_id, p_first USING ERRCODE = 'CL001';
        END IF;
    END IF;
    IF p_second_floored THEN
        UPDATE ledger_accounts a SET balance = a.balance - p_first_amount
        WHERE a.id = p_second
          AND (p_first_amount < 0 OR a.balance - p_first_amount >= CASE
                WHEN a.id = p_overdraft_account AND p_overdraft_floor IS NOT NULL THEN LEAST(a.floor, p_overdraft_floor)
                ELSE a.floor END);
        IF NOT FOUND THEN
            RAISE EXCEPTION 'ledger transaction %: the balance of % would fall below its floor', p_id, p_second USING ERRCODE = 'CL001';
        END IF;
    END IF;
END
$$;

-- ledger_post (1021) hands a transfer to ledger_transfer, once it knows
-- which accounts have a floor; the rest as before.
CREATE OR REPLACE FUNCTION ledger_post(p_id TEXT, p_key TEXT, p_kind TEXT, p_memo TEXT, p_ref_type TEXT, p_ref_id TEXT,
        p_overdraft_rule TEXT, p_overdraft_floor BIGINT, p_overdraft_account TEXT, p_at TIMESTAMPTZ,
        p_accounts TEXT[], p_amounts BIGINT[], p_floored BOOLEAN[])
RETURNS VOID LANGUAGE plpgsql AS $$
DECLARE
    n INTEGER := cardinality(p_accounts);
    floored BOOLEAN[] := p_floored;
    account_floor BIGINT;
    entry BIGINT;
BEGIN
    IF floored IS NULL OR cardinality(floored) <> n THEN
        floored := '{}';
        FOR i IN 1 .. n LOOP
            SELECT a.floor INTO account_floor FROM ledger_accounts a WHERE a.id = p_accounts[i];
            IF NOT FOUND THEN
                RAISE EXCEPTION 'ledger transaction %: account % does not exist', p_id, p_accounts[i] USING ERRCODE = 'CL002';
            END IF;
            floored := floored || (account_floor IS NOT NULL);
        END LOOP;
    END IF;
    IF n = 2 AND p_amounts[1] = -p_amounts[2] AND p_amounts[1] <> 0 AND p_accounts[1] <> p_accounts[2] THEN
        PERFORM ledger_transfer(p_id, p_key, p_kind, p_memo, p_ref_type, p_ref_id, p_overdraft_rule, p_overdraft_floor,
            p_overdraft_account, p_at, p_accounts[1], p_amounts[1], floored[1], p_accounts[2], floored[2]);
        RETURN;
    END IF;
    PERFORM FROM ledger_transactions o WHERE o.idem_key = p_key AND o.id <> o.idem_key;
    IF FOUND THEN
        RAISE EXCEPTION 'ledger transaction %: its key was posted already', p_id USING ERRCODE = 'CL004';
    END IF;
    INSERT INTO ledger_transactions (id, idem_key, kind, memo, ref_type, ref_id, overdraft_rule, overdraft_floor, overdraft_account, created_at)
    VALUES (p_id, p_key, p_kind, p_memo, p_ref_type, p_ref_id, p_overdraft_rule, p_overdraft_floor, p_overdraft_account, p_at)
    ON CONFLICT (id) DO NOTHING;
    IF NOT FOUND THEN
        RAISE EXCEPTION 'ledger transaction %: its key was posted already', p_id USING ERRCODE = 'CL004';
    END IF;
    FOR i IN 1 .. n LOOP
        INSERT INTO ledger_entries (transaction_id, account_id, amount, created_at)
        VALUES (p_id, p_accounts[i], p_amounts[i], p_at) RETURNING id INTO entry;
        IF NOT floored[i] THEN
            INSERT INTO ledger_pending (entry_id, account_id, amount) VALUES (entry, p_accounts[i], p_amounts[i]);
        END IF;
    END LOOP;
    FOR i IN 1 .. n LOOP
        CONTINUE WHEN NOT floored[i];
        UPDATE ledger_accounts a SET balance = a.balance + p_amounts[i]
        WHERE a.id = p_accounts[i]
          AND (p_amounts[i] > 0 OR a.balance + p_amounts[i] >= CASE
                WHEN a.id = p_overdraft_account AND p_overdraft_floor IS NOT NULL THEN LEAST(a.floor, p_overdraft_floor)
                ELSE a.floor END);
        IF NOT FOUND THEN
            RAISE EXCEPTION 'ledger transaction %: the balance of % would fall below its floor', p_id, p_accounts[i] USING ERRCODE = 'CL001';
        END IF;
    END LOOP;
END
$$;
