-- A posting written with its transaction's COMMIT (wallet.PostAtCommit)
-- was one statement of common table expressions: the accounts read, the
-- transaction, its entries, the balances and the pending rows, counted by
-- six to nine aggregates that ledger_posted (1001) then judged. Starting that
-- plan's executor, its aggregates and subplans, cost the server more than
-- the rows it wrote, and on a ledger of a city's size the planner chose to
-- plan it for each posting's own parameters unless told not to (two more
-- statements, SET LOCAL and RESET, a posting). This function writes the same
-- rows with one small statement each, a row by its key, whose plans
-- PL/pgSQL keeps for the connection (such a plan is the same whatever the
-- parameters, so the planner settles on the generic one after its first
-- runs), and raises what Post would refuse with ledger_posted's codes, in
-- this order:
--   CL002 an account does not exist (checked first: nothing is written);
--   CL004 the key was posted already (nothing is written), even when a
--         floor would also break: the caller (wallet.RetryAtOnce) posts
--         again at once and answers the replay or the refusal;
--   CL001 a balance would fall below its floor (or below the overdraft
--         rule's floor for the rule's account, the same rule as Post).
-- A raise fails the statement, so the batch never reaches its COMMIT.
--
-- Accounts without a floor are never locked or updated: their entries get
-- pending rows, rolled up later. The balances of accounts with a floor are
-- updated last, so that the lock of a city-wide one (a campaign's budget)
-- is taken as late as the posting can; the update judges the floor on the
-- row it holds (READ COMMITTED reads it again when another transaction
-- changed it meanwhile). A posting with more than one such account has
-- locked them before, in byte order (see PostAtCommit). The entries are
-- written in the order given, so their ids follow it.
CREATE FUNCTION ledger_post(p_id TEXT, p_key TEXT, p_kind TEXT, p_memo TEXT, p_ref_type TEXT, p_ref_id TEXT,
        p_overdraft_rule TEXT, p_overdraft_floor BIGINT, p_overdraft_account TEXT, p_at TIMESTAMPTZ,
        p_accounts TEXT[], p_amounts BIGINT[])
RETURNS VOID LANGUAGE plpgsql AS $$
DECLARE
    n INTEGER := cardinality(p_accounts);
    floored BOOLEAN[] := '{}';
    account_floor BIGINT;
    entry BIGINT;
BEGIN
    FOR i IN 1 .. n LOOP
        SELECT a.floor INTO account_floor FROM ledger_accounts a WHERE a.id = p_accounts[i];
        IF NOT FOUND THEN
            RAISE EXCEPTION 'ledger transaction %: account % does not exist', p_id, p_accounts[i] USING ERRCODE = 'CL002';
        END IF;
        floored := floored || (account_floor IS NOT NULL);
    END LOOP;
    INSERT INTO ledger_transactions (id, idem_key, kind, memo, ref_type, ref_id, overdraft_rule, overdraft_floor, overdraft_account, created_at)
    VALUES (p_id, p_key, p_kind, p_memo, p_ref_type, p_ref_id, p_overdraft_rule, p_overdraft_floor, p_overdraft_account, p_at)
    ON CONFLICT (idem_key) DO NOTHING;
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
