-- A hold's seats are claimed by one statement that rides with the hold's
-- COMMIT (ticketing.CommitClaimer), so the hub does not see which claims
-- it made before the COMMIT is sent. This function fails that statement,
-- and with it the transaction, when a seat already had a claim (CL010,
-- which the store translates as ticketing's seat_taken_at_commit): the
-- hold then runs again, claiming one seat at a time.
CREATE FUNCTION seats_claimed(order_id TEXT, claimed BIGINT, asked BIGINT)
RETURNS BOOLEAN LANGUAGE plpgsql AS $$
BEGIN
    IF claimed <> asked THEN
        RAISE EXCEPTION 'order %: % of its % seats claimed', order_id, claimed, asked USING ERRCODE = 'CL010';
    END IF;
    RETURN true;
END
$$;
