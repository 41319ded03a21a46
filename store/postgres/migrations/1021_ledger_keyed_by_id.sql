-- A transaction's id is now its idempotency key (wallet.TransactionIDFor),
-- so the primary key on the id keeps the keys unique too, and the second
-- unique index, on the key, can go: one index entry less for every posting
-- a transfer, a claim, a payment or a redemption writes. The transactions
-- posted before keep their random ids ("ltx_...", a prefix no key may
-- start with); their keys stay unique, and findable, in a partial index of
-- them alone (the rows whose id is not their key), which no new posting
-- writes to. A new posting whose key is one of theirs is refused as a key
-- posted already: ledger_post and the store's other postings look it up
-- there first, and no longer need the key's own unique index.
--
-- That index stays for this release all the same: a replica of the
-- previous release, still serving during a rolling upgrade, looks a key up
-- and then inserts its transaction under a random id, and only this index
-- stops two of them (or one and a new replica) that race with one key from
-- both posting it. The release after this one, whose predecessor never
-- needs it, drops it.
CREATE UNIQUE INDEX ledger_transactions_key_before ON ledger_transactions (idem_key) WHERE id <> idem_key;

-- The index of what each transaction pays for (ref_type, ref_id) served no
-- query of the hub: a domain finds its postings by their keys, and the
-- reconciliations sum accounts. Every posting that names what it pays for
-- (a redemption, a claim, a payment, a ride) wrote an entry in it.
DROP INDEX ledger_transactions_ref;

-- ledger_post (1014) with two changes:
--   - the key is judged by the id (ON CONFLICT (id)), and among the keys
--     posted before (CL004 for either);
--   - p_floored, when the hub knows it, says which accounts have a floor:
--     an account a hub has seen committed exists for good (accounts are
--     never deleted) and its floor never changes while hubs run, so the
--     hub's knowledge stands in for reading every account again. NULL: the
--     accounts are read, and a missing one is CL002, as before.
DROP FUNCTION ledger_post(TEXT, TEXT, TEXT, TEXT, TEXT, TEXT, TEXT, BIGINT, TEXT, TIMESTAMPTZ, TEXT[], BIGINT[]);
CREATE FUNCTION ledger_post(p_id TEXT, p_key TEXT, p_kind TEXT, p_memo TEXT, p_ref_type TEXT, p_ref_id TEXT,
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
