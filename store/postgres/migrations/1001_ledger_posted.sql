-- A posting written with its transaction's COMMIT (wallet.PostAtCommit) is
-- not read back before the COMMIT is sent, so what Post would refuse must
-- fail the statement instead, and with it the transaction: this function
-- raises the refusal, with a code of its own that the store maps back to
-- what Post answers (CL001 insufficient funds, CL002 a missing account,
-- CL003 a posting that wrote the wrong rows, CL004 a key posted already).
CREATE FUNCTION ledger_posted(transaction_id TEXT, accounts_exist BOOLEAN, within_floors BOOLEAN,
        inserted BIGINT, moved BIGINT, appended BIGINT, floored BIGINT, entries INTEGER)
RETURNS BOOLEAN LANGUAGE plpgsql AS $$
BEGIN
    IF NOT accounts_exist THEN
        RAISE EXCEPTION 'ledger transaction %: an account does not exist', transaction_id USING ERRCODE = 'CL002';
    END IF;
    IF NOT within_floors THEN
        RAISE EXCEPTION 'ledger transaction %: a balance would fall below its floor', transaction_id USING ERRCODE = 'CL001';
    END IF;
    IF inserted <> 1 THEN
        RAISE EXCEPTION 'ledger transaction %: its key was posted already', transaction_id USING ERRCODE = 'CL004';
    END IF;
    IF moved + appended <> entries OR moved <> floored THEN
        RAISE EXCEPTION 'ledger transaction %: % balances moved and % entries appended for % entries',
            transaction_id, moved, appended, entries USING ERRCODE = 'CL003';
    END IF;
    RETURN true;
END
$$;
