-- What the server's connections wait for during a redemption benchmark:
-- pg_stat_activity sampled every 4 ms, 1,500 times (about 6 s), from the
-- moment the batches' write statement has been seen running 20 times (the
-- measured part, not the setup's single redemption). Run it beside
--   go test -run '^$' -bench 'VoucherRedeemHTTP/postgres/shops=50$' -benchtime=30000x ./bench/
-- with psql -f bench/lane-waits.sql against the same database, then read
-- the samples with the query at the end of this file.
CREATE UNLOGGED TABLE IF NOT EXISTS bench_waits (t timestamptz, pid int, state text, wait_type text, wait_event text, query text);
TRUNCATE bench_waits;
DO $$
DECLARE
	i int;
	seen int := 0;
BEGIN
	WHILE seen < 20 LOOP
		PERFORM pg_stat_clear_snapshot();
		IF EXISTS (SELECT FROM pg_stat_activity WHERE query LIKE 'WITH w AS%' AND state = 'active') THEN
			seen := seen + 1;
		END IF;
		PERFORM pg_sleep(0.004);
	END LOOP;
	FOR i IN 1..1500 LOOP
		PERFORM pg_stat_clear_snapshot();
		INSERT INTO bench_waits
		SELECT clock_timestamp(), pid, state, wait_event_type, wait_event, left(regexp_replace(query, '\s+', ' ', 'g'), 50)
		FROM pg_stat_activity
		WHERE backend_type = 'client backend' AND pid <> pg_backend_pid() AND state <> 'idle';
		PERFORM pg_sleep(0.004);
	END LOOP;
END $$;
-- The batches' write statement begins "WITH w AS"; their read, "SELECT v.id"
-- (the vouchers) and "SELECT k.n" (the keys).
SELECT count(DISTINCT t) AS samples FROM bench_waits;
SELECT CASE WHEN query LIKE 'WITH w AS%' THEN 'the batch''s write' ELSE query END AS what,
	state, coalesce(wait_type, 'CPU') AS wait_type, coalesce(wait_event, '-') AS wait_event, count(*)
FROM bench_waits GROUP BY 1, 2, 3, 4 ORDER BY 5 DESC LIMIT 30;
