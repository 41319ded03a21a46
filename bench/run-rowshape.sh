#!/bin/sh
# What a transfer's rows cost PostgreSQL, by the shape of the ledger that
# holds them, against a bare single-row UPDATE, all sent by pgbench (so no
# hub process shares the cores) on one throwaway database migrated by
# `cityhub migrate`, with a city's 100,000 citizens' accounts:
#   update     the baseline: a random single-row UPDATE of 100,001 rows;
#   post       ledger_transfer, the hub's own posting of a transfer with its
#              guards (the key, the floor; which accounts have one passed
#              in, as a hub that has seen them does), autocommitted as the
#              hub sends it: one row since migration 1025;
#   entries    the rows a transfer was written as before migration 1025 (a
#              transaction, two entries, a pending row for the account
#              without a floor, the citizen's balance), with no read or
#              check;
#   row        the rows ledger_transfer writes (the transaction holding
#              both legs, the pending row, the balance), with no read or
#              check;
#   row-np     the same without the pending row;
#   minimal    a row with only its key and the citizen's balance: the least
#              a ledger that records a transfer and keeps a balance writes.
# The shapes are written by PL/pgSQL functions, one small statement a row,
# as ledger_post is (a statement of common table expressions costs the
# server more than the rows it writes: bench/README.md, "Postings at COMMIT
# written by a function").
# Every statement is prepared once a connection, as the hub's are.
# Each variant runs in alternated rounds (the list, then the list backwards)
# at CLIENTS clients (16, as the Go benchmark's parallel run on two cores)
# and at one; printed are each run's rate and the median round's ratio of
# the UPDATE's rate to the variant's (how many UPDATEs one transfer costs).
# Usage: bench/run-rowshape.sh   (CITYHUB_TEST_DATABASE_URL as for the tests;
# ROUNDS, SECONDS_RUN and CLIENTS change the sizes)
set -eu
cd "$(dirname "$0")/.."
DB="${CITYHUB_TEST_DATABASE_URL:-postgres://postgres@127.0.0.1:5432/test?sslmode=disable}"
ROUNDS="${ROUNDS:-3}"
SECONDS_RUN="${SECONDS_RUN:-4}"
CLIENTS="${CLIENTS:-16}"
NAME=cityhub_rowshape
# The throwaway database's URL: the test database's with its name replaced.
EXP=$(printf '%s' "$DB" | sed -E "s#^([a-z]+://[^/]*/)[^?]*#\1$NAME#")
out=$(mktemp -d)
trap 'rm -rf "$out"; psql -q "$DB" -c "DROP DATABASE IF EXISTS $NAME" >/dev/null 2>&1 || true' EXIT

psql -q "$DB" -c "DROP DATABASE IF EXISTS $NAME" -c "CREATE DATABASE $NAME" >/dev/null
CITYHUB_DATABASE_URL="$EXP" go run ./cmd/cityhub migrate >/dev/null 2>&1
psql -q "$EXP" >/dev/null <<'SQL'
INSERT INTO ledger_accounts (id, kind, owner_id, floor)
	SELECT 'citizen:pop' || g, 'citizen_credit', 'pop' || g, 0 FROM generate_series(1, 100000) g;
-- 64 funded citizens and 64 revenue accounts (no floor), one pair a client.
INSERT INTO ledger_accounts (id, kind, owner_id, floor, balance)
	SELECT 'citizen:b' || g, 'citizen_credit', 'b' || g, 0, 1000000000000 FROM generate_series(0, 63) g;
INSERT INTO ledger_accounts (id, kind, owner_id, floor)
	SELECT 'revenue:b' || g, 'revenue', '', NULL FROM generate_series(0, 63) g;
CREATE TABLE bench_balances (id INTEGER PRIMARY KEY, balance BIGINT NOT NULL DEFAULT 0);
INSERT INTO bench_balances (id) SELECT generate_series(0, 100000);
CREATE TABLE bench_minimal (id TEXT PRIMARY KEY, amount BIGINT NOT NULL, created_at TIMESTAMPTZ NOT NULL);
-- Keys for every variant.
CREATE SEQUENCE bench_keys;
ANALYZE;
SQL

cat > "$out/update.sql" <<'SQL'
\set id random(0, 100000)
UPDATE bench_balances SET balance = balance + 1 WHERE id = :id;
SQL
cat > "$out/post.sql" <<'SQL'
\set c random(0, 63)
SELECT ledger_transfer(k, k, 'bench.transfer', '', '', '', '', NULL::bigint, '', now(),
	'citizen:' || 'b' || CAST(:c AS text), -1, true, 'revenue:' || 'b' || CAST(:c AS text), false)
FROM (SELECT 'p' || nextval('bench_keys') AS k) s;
SQL
psql -q "$EXP" >/dev/null <<'SQL'
CREATE FUNCTION bench_entries(k TEXT, c INT) RETURNS VOID LANGUAGE plpgsql AS $$
DECLARE entry BIGINT;
BEGIN
	INSERT INTO ledger_transactions (id, idem_key, kind, created_at) VALUES (k, k, 'bench.entries', now());
	INSERT INTO ledger_entries (transaction_id, account_id, amount, created_at) VALUES (k, 'citizen:b' || c, -1, now());
	INSERT INTO ledger_entries (transaction_id, account_id, amount, created_at) VALUES (k, 'revenue:b' || c, 1, now()) RETURNING id INTO entry;
	INSERT INTO ledger_pending (entry_id, account_id, amount) VALUES (entry, 'revenue:b' || c, 1);
	UPDATE ledger_accounts SET balance = balance - 1 WHERE id = 'citizen:b' || c;
END $$;
CREATE FUNCTION bench_row(k TEXT, c INT, pending BOOLEAN) RETURNS VOID LANGUAGE plpgsql AS $$
DECLARE entries BIGINT[] := ARRAY[nextval('ledger_entries_id_seq'), nextval('ledger_entries_id_seq')];
BEGIN
	INSERT INTO ledger_transactions (id, idem_key, kind, created_at, from_account, to_account, transfer_amount, from_entry, to_entry)
	VALUES (k, k, 'bench.row', now(), 'citizen:b' || c, 'revenue:b' || c, 1, entries[1], entries[2]);
	IF pending THEN
		INSERT INTO ledger_pending (entry_id, account_id, amount) VALUES (entries[2], 'revenue:b' || c, 1);
	END IF;
	UPDATE ledger_accounts SET balance = balance - 1 WHERE id = 'citizen:b' || c;
END $$;
CREATE FUNCTION bench_minimal(k TEXT, c INT) RETURNS VOID LANGUAGE plpgsql AS $$
BEGIN
	INSERT INTO bench_minimal VALUES (k, 1, now());
	UPDATE ledger_accounts SET balance = balance - 1 WHERE id = 'citizen:b' || c;
END $$;
SQL
cat > "$out/entries.sql" <<'SQL'
\set c random(0, 63)
SELECT bench_entries('e' || nextval('bench_keys'), :c);
SQL
cat > "$out/row.sql" <<'SQL'
\set c random(0, 63)
SELECT bench_row('r' || nextval('bench_keys'), :c, true);
SQL
cat > "$out/row-np.sql" <<'SQL'
\set c random(0, 63)
SELECT bench_row('n' || nextval('bench_keys'), :c, false);
SQL
cat > "$out/minimal.sql" <<'SQL'
\set c random(0, 63)
SELECT bench_minimal('m' || nextval('bench_keys'), :c);
SQL

variants="update post entries row row-np minimal"
backwards=$(echo $variants | tr ' ' '\n' | sed '1!G;h;$!d' | tr '\n' ' ')
# A second of each first, not counted: the first runs on a fresh database
# were a third slower than the rest.
for v in $variants; do
	pgbench -n -M prepared -c "$CLIENTS" -j 2 -T 1 -f "$out/$v.sql" "$EXP" >/dev/null 2>&1
done
for clients in "$CLIENTS" 1; do
	echo "== $clients clients, ${SECONDS_RUN}s a run, $ROUNDS rounds (each the variants, then back)"
	r=1
	while [ "$r" -le "$ROUNDS" ]; do
		for v in $variants $backwards; do
			tps=$(pgbench -n -M prepared -c "$clients" -j "$( [ "$clients" -gt 1 ] && echo 2 || echo 1)" -T "$SECONDS_RUN" -f "$out/$v.sql" "$EXP" 2>&1 |
				awk '/^tps = /{print $3; exit} /error|aborted/{print "ERR: " $0 > "/dev/stderr"}')
			echo "$clients $r $v $tps" | tee -a "$out/runs"
		done
		r=$((r + 1))
	done
done

echo
echo "== summary: a bare UPDATE's rate over each variant's (UPDATEs a transfer costs), median round, with the rounds' range"
for clients in "$CLIENTS" 1; do
	for v in $variants; do
		[ "$v" = update ] && continue
		# A round's ratio takes the mean of the variant's two runs and the
		# mean of the UPDATE's two.
		awk -v c="$clients" -v v="$v" '$1 == c && $3 == "update" { u[$2] += $4; nu[$2]++ } $1 == c && $3 == v { t[$2] += $4; nt[$2]++ }
			END { n = 0; for (r in u) { x[++n] = (u[r] / nu[r]) / (t[r] / nt[r]) }
				for (i = 1; i <= n; i++) for (j = i + 1; j <= n; j++) if (x[j] < x[i]) { s = x[i]; x[i] = x[j]; x[j] = s }
				printf "%2d clients  %-10s %.2fx (rounds %.2fx to %.2fx)\n", c, v, x[int((n + 1) / 2)], x[1], x[n] }' "$out/runs"
	done
done
