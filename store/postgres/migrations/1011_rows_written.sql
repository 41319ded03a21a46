-- A write whose row count the hub must check (an order's or a ride's
-- update, which finds its row or fails) was sent apart, before COMMIT, so
-- that the hub could judge its command tag and still roll back. This
-- function judges the count in the statement instead: the write rides
-- with COMMIT, and a count other than the one expected fails the
-- statement, and with it the transaction (CL009, which the store
-- translates as not found).
CREATE FUNCTION rows_written(what TEXT, written BIGINT, expected BIGINT)
RETURNS BOOLEAN LANGUAGE plpgsql AS $$
BEGIN
    IF written <> expected THEN
        RAISE EXCEPTION '%: % rows written, % expected', what, written, expected USING ERRCODE = 'CL009';
    END IF;
    RETURN true;
END
$$;
