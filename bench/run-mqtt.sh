#!/bin/sh
# Bike-station telemetry and unlocks over MQTT (issue 9), every figure beside
# a baseline measured in the same run on the same machine:
#   the burst: MESSAGES status messages over STATIONS registered stations,
#     unpaced at QoS 1, to a private Mosquitto that queues without limit
#     (max_queued_messages 0), against a bare paho subscriber's receive rate
#     from the same broker. Two figures for the hub: "settled", which counts
#     a status replaced by a newer one of its station while waiting as
#     applied with it (the hub coalesces per station, so most of a burst is
#     never written), and "written", the statuses actually written to
#     station state. Goal: settled ratio >= 0.8 and every station on its
#     newest status;
#   the unlock round trip (p50/p99 of UNLOCKS unlocks through the service)
#     against the bare command round trip (publish, station, reply) of the
#     same client, per broker: the shared Mosquitto, a private one with
#     set_tcp_nodelay, the embedded broker, and with station authentication
#     on (the embedded broker checking the hub's store, the Mosquitto with
#     the dynamic-security plugin that scripts/services starts on :1884).
# Both on PostgreSQL and SQLite.
# Usage: bench/run-mqtt.sh   (CITYHUB_TEST_DATABASE_URL, CITYHUB_TEST_MQTT_URL
#   and CITYHUB_TEST_MQTT_AUTH_URL as for the tests)
# MESSAGES=2000 STATIONS=100 UNLOCKS=10 bench/run-mqtt.sh is a quick check
# that the script works; the figures need the full size on a quiet machine.
# The machine's load is printed first and last: on a shared machine only the
# ratios mean something.
set -eu
cd "$(dirname "$0")/.."
export CITYHUB_TEST_DATABASE_URL="${CITYHUB_TEST_DATABASE_URL:-postgres://postgres@127.0.0.1:5432/test?sslmode=disable}"
export CITYHUB_BENCH_BURST_MESSAGES="${MESSAGES:-200000}"
export CITYHUB_BENCH_BURST_STATIONS="${STATIONS:-1000}"
export CITYHUB_BENCH_UNLOCKS="${UNLOCKS:-200}"
out=$(mktemp -d)
trap 'rm -rf "$out"' EXIT
echo "== load at start: $(uptime)"

failed=0
run() { # name title args...: a go test -bench run, echoed with its log lines;
	# a failed run (a goal missed, such as a station left on an old status)
	# is shown and the summary still printed
	name=$1; title=$2; shift 2
	echo "== $title"
	if ! go test -run '^$' -timeout 60m "$@" ./bench/ > "$out/$name.txt" 2>&1; then
		failed=1
		echo "   (FAILED)"
	fi
	grep -E '^Benchmark|_test\.go:[0-9]+:|^(FAIL|panic)' "$out/$name.txt" || cat "$out/$name.txt"
}
run burst "burst: $CITYHUB_BENCH_BURST_MESSAGES statuses over $CITYHUB_BENCH_BURST_STATIONS stations" -bench 'TelemetryBurst' -benchtime=1x
run unlock "unlock round trip: $CITYHUB_BENCH_UNLOCKS unlocks per broker" -bench 'UnlockRoundTrip' -benchtime=1x

metric() { # file benchmark unit: the value reported
	awk -v b="$2" -v u="$3" '$1 == b || index($1, b "-") == 1 && substr($1, length(b) + 2) ~ /^[0-9]+$/ {
		for (i = 3; i < NF; i++) if ($(i+1) == u) print $i }' "$out/$1.txt" | head -1
}
# v: a figure in format f, or n/a when its run reported none (it failed).
fig='function v(x, f) { return x == "" ? "n/a" : sprintf(f, x) }'
echo
echo "== summary (load at end: $(uptime | sed 's/.*load average/load average/'))"
for e in postgres sqlite; do
	b="BenchmarkTelemetryBurst/$e"
	awk -v e=$e -v base="$(metric burst "$b" paho-msg/s)" -v hub="$(metric burst "$b" hub-msg/s)" -v r="$(metric burst "$b" ratio)" \
		-v w="$(metric burst "$b" written-msg/s)" -v wr="$(metric burst "$b" written-ratio)" -v ws="$(metric burst "$b" written-share)" \
		-v nw="$(metric burst "$b" stations-newest)" -v n="$(metric burst "$b" stations)" -v d="$(metric burst "$b" hub-dropped)" "$fig"'
		BEGIN {
			printf "%-8s burst: bare paho %s msg/s; hub settled %s msg/s -> ratio %s (goal >= 0.8); hub written %s msg/s -> ratio %s (%s%% of the burst written, the rest replaced by newer statuses while waiting); stations on their newest status: %s of %s; dropped %s\n",
				e, v(base, "%.0f"), v(hub, "%.0f"), v(r, "%.3f"), v(w, "%.0f"), v(wr, "%.3f"), v(ws == "" ? "" : ws * 100, "%.1f"), v(nw, "%d"), v(n, "%d"), v(d, "%d") }'
done
for e in postgres sqlite; do
	for br in mosquitto mosquitto-nodelay embedded embedded-auth mosquitto-dynsec; do
		b="BenchmarkUnlockRoundTrip/$e+$br"
		case $br in *-auth|*-dynsec) auth="authenticated" ;; *) auth="open" ;; esac
		awk -v e=$e -v br=$br -v a=$auth -v p50="$(metric unlock "$b" unlock-p50-ms)" -v p99="$(metric unlock "$b" unlock-p99-ms)" \
			-v m50="$(metric unlock "$b" mqtt-p50-ms)" -v m99="$(metric unlock "$b" mqtt-p99-ms)" -v r="$(metric unlock "$b" p50-ratio)" "$fig"'
			BEGIN {
				printf "%-8s unlock, %-17s (%-13s): p50 %s ms, p99 %s ms vs bare command round trip p50 %s ms, p99 %s ms -> p50 ratio %s\n",
					e, br, a, v(p50, "%.2f"), v(p99, "%.2f"), v(m50, "%.2f"), v(m99, "%.2f"), v(r, "%.2f") }'
	done
done
exit $failed
