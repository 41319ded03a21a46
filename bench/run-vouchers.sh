#!/bin/sh
# Voucher benchmarks with their baselines, in one run on one database:
#   redemptions/s through the till API (64 concurrent clients) vs pgbench's
#   single-row UPDATE rate (64 clients) on the same PostgreSQL, run before
#   and after the redemptions (the faster counts), with pgbench's own p50
#   and p99 latency beside the redemptions';
#   QR token verifications/s vs crypto/ed25519 Verify alone.
# Usage: bench/run-vouchers.sh   (CITYHUB_TEST_DATABASE_URL as for the tests)
set -eu
cd "$(dirname "$0")/.."
DB="${CITYHUB_TEST_DATABASE_URL:-postgres://postgres@127.0.0.1:5432/test?sslmode=disable}"
CLIENTS=64
REDEEMS="${REDEEMS:-3000}"
SECONDS_PGBENCH="${SECONDS_PGBENCH:-10}"
out=$(mktemp -d)
trap 'rm -rf "$out"; psql -q "$DB" -c "DROP TABLE IF EXISTS bench_vouchers_pgbench" >/dev/null 2>&1 || true' EXIT

psql -q "$DB" -c "DROP TABLE IF EXISTS bench_vouchers_pgbench;
  CREATE TABLE bench_vouchers_pgbench (id INTEGER PRIMARY KEY, n BIGINT NOT NULL DEFAULT 0);
  INSERT INTO bench_vouchers_pgbench (id) SELECT generate_series(1, 100000);" >/dev/null
cat > "$out/update.sql" <<'SQL'
\set id random(1, 100000)
UPDATE bench_vouchers_pgbench SET n = n + 1 WHERE id = :id;
SQL
# The random UPDATE runs twice, before and after the redemptions: one slow
# run would flatter the ratio, so it takes the faster of the two, with
# that run's own p50 and p99 (from its log of every transaction, the third
# field in microseconds) to judge the redemptions' latency beside.
pgbench_random() { # name
	echo "== pgbench: single-row UPDATE, $CLIENTS clients, ${SECONDS_PGBENCH}s"
	pgbench -n -r -c "$CLIENTS" -j 2 -T "$SECONDS_PGBENCH" -l --log-prefix="$out/$1log" -f "$out/update.sql" "$DB" | tee "$out/$1.txt"
	cat "$out/$1log".* | awk '{print $3}' | sort -n | awk '{a[NR] = $1} END { printf "%.1f %.1f\n", a[int(NR * 0.5)] / 1000, a[int(NR * 0.99)] / 1000 }' > "$out/$1.pct"
	rm -f "$out/$1log".*
}
pgbench_random pgbench
# Every redemption of one campaign at one shop updates the same two ledger
# rows (the campaign's held value, the shop's payable), so the fair second
# baseline is all clients updating one row.
echo "== pgbench: the same single row UPDATEd by all $CLIENTS clients"
echo 'UPDATE bench_vouchers_pgbench SET n = n + 1 WHERE id = 1;' > "$out/hot.sql"
pgbench -n -r -c "$CLIENTS" -j 2 -T "$SECONDS_PGBENCH" -f "$out/hot.sql" "$DB" | tee "$out/pgbench-hot.txt"
pg_hot=$(awk '/^tps = /{print $3; exit}' "$out/pgbench-hot.txt")

echo "== go test -bench (redemptions through HTTP, in-process UPDATE baseline, QR verification)"
go test -run '^$' -bench 'VoucherRedeemHTTP/postgres/shops=1$' -benchtime="${REDEEMS}x" ./bench/ | tee "$out/redeem.txt"
pgbench_random pgbench2
tps1=$(awk '/^tps = /{print $3; exit}' "$out/pgbench.txt")
tps2=$(awk '/^tps = /{print $3; exit}' "$out/pgbench2.txt")
faster=pgbench
if awk -v a="$tps1" -v b="$tps2" 'BEGIN { exit !(b > a) }'; then faster=pgbench2; fi
pg_tps=$(awk '/^tps = /{print $3; exit}' "$out/$faster.txt")
pg_pct=$(cat "$out/$faster.pct")
go test -run '^$' -bench 'PGSingleRowUpdate' -benchtime=20000x ./bench/ | tee "$out/update.txt"
# Token verification and bare ed25519.Verify interleaved in one loop, so
# both see the same load on the machine.
go test -run '^$' -bench 'QRVerifyVsEd25519' -benchtime=3s ./bench/ | tee "$out/qr.txt"

metric() { # file benchmark unit: the smallest value reported
	awk -v b="$2" -v u="$3" '$1 ~ "^"b"(-[0-9]+)?$" { for (i = 3; i < NF; i++) if ($(i+1) == u && (m == "" || $i + 0 < m + 0)) m = $i } END { print m }' "$1"
}
redeem=$(metric "$out/redeem.txt" BenchmarkVoucherRedeemHTTP/postgres/shops=1 redeem/s)
p50=$(metric "$out/redeem.txt" BenchmarkVoucherRedeemHTTP/postgres/shops=1 p50_ms)
p99=$(metric "$out/redeem.txt" BenchmarkVoucherRedeemHTTP/postgres/shops=1 p99_ms)
upd=$(metric "$out/update.txt" BenchmarkPGSingleRowUpdate update/s)
qr=$(metric "$out/qr.txt" BenchmarkQRVerifyVsEd25519 qr_verify/s)
ed=$(metric "$out/qr.txt" BenchmarkQRVerifyVsEd25519 ed25519/s)

echo
echo "== summary"
printf "pgbench single-row UPDATE/s: %.0f before, %.0f after the redemptions; the ratio takes the faster\n" "$tps1" "$tps2"
awk -v r="$redeem" -v p="$pg_tps" -v h="$pg_hot" -v u="$upd" -v p50="$p50" -v p99="$p99" -v q="$qr" -v e="$ed" -v pct="$pg_pct" 'BEGIN {
	split(pct, pg, " ")
	printf "redemptions/s via HTTP (64 clients): %.0f  (p50 %s ms, p99 %s ms)\n", r, p50, p99
	printf "pgbench single-row UPDATE/s (64 clients): %.0f  (p50 %s ms, p99 %s ms) -> ratio redemptions/updates = %.3f\n", p, pg[1], pg[2], r / p
	printf "pgbench one hot row UPDATE/s (64 clients): %.0f  -> ratio redemptions/updates = %.3f\n", h, r / h
	printf "in-process pgx single-row UPDATE/s (64 clients): %.0f  -> ratio = %.3f\n", u, r / u
	printf "QR verifications/s: %.0f, ed25519.Verify/s: %.0f  -> ratio = %.3f\n", q, e, q / e
}'
