-- An erased citizen's credit account is closed in the erasure's
-- transaction (wallet.CloseCitizen), after the credit went to the cards or
-- the city, and a closed account takes no posting: a top-up, a refund or a
-- payment racing the erasure either commits before it (the erasure, which
-- holds the account's row from the moment it reads the balance it
-- settles, then sees it) or waits for it and is refused. Before, a posting
-- that came after the erasure's commit credited an account nobody could
-- log in to.
ALTER TABLE ledger_accounts ADD COLUMN closed_at TIMESTAMPTZ;

-- Credit that reached accounts erased before this release (a refund of an
-- order paid from credit, a dispute won, a top-up racing the erasure) goes
-- to the city, as what reaches an erased account goes from now on, with a
-- transaction of the erasure's kind that says so: the closed accounts then
-- hold none, and the ledger check, which now reports credit on them, finds
-- only what a bug would leave. A debt stays, as an erasure leaves it.
-- (The city's account exists wherever a hub ran, but is made here if
-- needed, on a database no hub has set up: only when there is credit to
-- move, so that a new database holds no account before its hub makes them.)
INSERT INTO ledger_accounts (id, kind, owner_id, floor, created_at)
SELECT 'city:funding', 'city_funding', '', NULL, now()
WHERE EXISTS (SELECT 1 FROM accounts u JOIN ledger_accounts a ON a.id = 'citizen:' || u.id
              WHERE u.deleted_at IS NOT NULL AND a.balance > 0)
ON CONFLICT (id) DO NOTHING;

SELECT ledger_transfer('erasure:closed_to_city:' || u.id, 'erasure:closed_to_city:' || u.id, 'erasure.to_city',
        'Credit that reached the account after its erasure, left to the city', 'account', u.id, '', NULL, '', now(),
        a.id, -x.balance, TRUE, 'city:funding', FALSE)
FROM accounts u
JOIN ledger_accounts a ON a.id = 'citizen:' || u.id
CROSS JOIN LATERAL (SELECT (a.balance + COALESCE((SELECT SUM(p.amount) FROM ledger_pending p WHERE p.account_id = a.id), 0))::bigint AS balance) x
WHERE u.deleted_at IS NOT NULL AND x.balance > 0;

-- Every erased account's credit account is closed, made closed for one
-- that never had one (an erased member of staff), so that nothing opens
-- it later.
INSERT INTO ledger_accounts (id, kind, owner_id, floor, created_at, closed_at)
SELECT 'citizen:' || u.id, 'citizen_credit', u.id, 0, u.deleted_at, u.deleted_at FROM accounts u WHERE u.deleted_at IS NOT NULL
ON CONFLICT (id) DO UPDATE SET closed_at = COALESCE(ledger_accounts.closed_at, EXCLUDED.closed_at);

-- A posting written with its COMMIT (ledger_post, ledger_transfer) is
-- refused on a closed account with CL011, which the store answers as
-- wallet's refusal (ReasonAccountClosed). Every closed account has a
-- floor (only a citizen's credit is closed), so the balance's update,
-- which locks the row, judges it on the row as it is once locked; which
-- rule failed is asked after, only when the update found nothing.
CREATE OR REPLACE FUNCTION ledger_refusal(p_id TEXT, p_account TEXT) RETURNS VOID LANGUAGE plpgsql AS $$
BEGIN
    PERFORM FROM ledger_accounts a WHERE a.id = p_account AND a.closed_at IS NOT NULL;
    IF FOUND THEN
        RAISE EXCEPTION 'ledger transaction %: account % is closed', p_id, p_account USING ERRCODE = 'CL011';
    END IF;
    RAISE EXCEPTION 'ledger transaction %: the balance of % would fall below its floor', p_id, p_account USING ERRCODE = 'CL001';
END
$$;

CREATE OR REPLACE FUNCTION ledger_transfer(p_id TEXT, p_key TEXT, p_kind TEXT, p_memo TEXT, p_ref_type TEXT, p_ref_id TEXT,
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
        WHERE a.id = p_first AND a.closed_at IS NULL
          AND (p_first_amount > 0 OR a.balance + p_first_amount >= CASE
                WHEN a.id = p_overdraft_account AND p_overdraft_floor IS NOT NULL THEN LEAST(a.floor, p_overdraft_floor)
                ELSE a.floor END);
        IF NOT FOUND THEN
            PERFORM ledger_refusal(p_id, p_first);
        END IF;
    END IF;
    IF p_second_floored THEN
        UPDATE ledger_accounts a SET balance = a.balance - p_first_amount
        WHERE a.id = p_second AND a.closed_at IS NULL
          AND (p_first_amount < 0 OR a.balance - p_first_amount >= CASE
                WHEN a.id = p_overdraft_account AND p_overdraft_floor IS NOT NULL THEN LEAST(a.floor, p_overdraft_floor)
                ELSE a.floor END);
        IF NOT FOUND THEN
            PERFORM ledger_refusal(p_id, p_second);
        END IF;
    END IF;
END
$$;

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
        WHERE a.id = p_accounts[i] AND a.closed_at IS NULL
          AND (p_amounts[i] > 0 OR a.balance + p_amounts[i] >= CASE
                WHEN a.id = p_overdraft_account AND p_overdraft_floor IS NOT NULL THEN LEAST(a.floor, p_overdraft_floor)
                ELSE a.floor END);
        IF NOT FOUND THEN
            PERFORM ledger_refusal(p_id, p_accounts[i]);
        END IF;
    END LOOP;
END
$$;
