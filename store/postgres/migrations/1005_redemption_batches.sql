-- A batch of voucher redemptions (vouchers.RedemptionBatchTx) is written by
-- one statement of many parts. This judges what the parts wrote against what
-- was asked, and fails the statement, and so its transaction, on any
-- difference: the batch then writes nothing, and the hub runs its
-- redemptions one by one, each with every check of a redemption alone.
CREATE FUNCTION redemptions_written(asked BIGINT, keys BIGINT, vouchers BIGINT, redemptions BIGINT, audits BIGINT,
        transactions BIGINT, entries_asked BIGINT, entries BIGINT, pending BIGINT,
        accounts_asked BIGINT, accounts_unbounded BIGINT)
RETURNS BOOLEAN LANGUAGE plpgsql AS $$
BEGIN
    IF accounts_unbounded <> accounts_asked THEN
        RAISE EXCEPTION 'a batch of redemptions: % of its % ledger accounts exist without a floor',
            accounts_unbounded, accounts_asked USING ERRCODE = 'CL005';
    END IF;
    IF keys <> asked THEN
        RAISE EXCEPTION 'a batch of % redemptions: % of their idempotency keys were free', asked, keys
            USING ERRCODE = 'CL006';
    END IF;
    IF vouchers <> asked OR redemptions <> asked OR audits <> asked OR transactions <> asked
            OR entries <> entries_asked OR pending <> entries_asked THEN
        RAISE EXCEPTION 'a batch of % redemptions wrote % vouchers, % redemptions, % audit entries, % ledger transactions, % of % entries and % pending rows',
            asked, vouchers, redemptions, audits, transactions, entries, entries_asked, pending USING ERRCODE = 'CL007';
    END IF;
    RETURN true;
END
$$;
