package bench

import (
	"context"
	"fmt"
	"os"
	"strconv"
	"sync/atomic"
	"testing"
	"time"

	paho "github.com/eclipse/paho.mqtt.golang"
	"github.com/prometheus/client_golang/prometheus"

	"cityhub/internal/testutil"
	"cityhub/mobility"
	"cityhub/mqtt"
	"cityhub/mqtt/mqtttest"
	"cityhub/store/storetest"
)

// envInt is the positive integer in environment variable name, or def when
// it is unset: the benchmarks' sizes, so that a tiny run can prove a script
// without loading a shared machine.
func envInt(tb testing.TB, name string, def int) int {
	v := os.Getenv(name)
	if v == "" {
		return def
	}
	n, err := strconv.Atoi(v)
	if err != nil || n < 1 {
		tb.Fatalf("%s=%q: want a positive integer", name, v)
	}
	return n
}

// BenchmarkTelemetryBurst is issue 9's burst: 200,000 status messages over
// 1,000 registered stations, published unpaced at QoS 1 to a private
// Mosquitto that queues without limit for slow subscribers
// (max_queued_messages 0). Measured in the same run: a bare paho subscriber's
// receive rate (default options, a handler that only counts) and the hub's
// rate of telemetry applied to station state, where a status counts as
// applied when it, or a newer status of its station that replaced it while
// waiting, reached the store. Reported: both rates, their ratio (goal ≥ 0.8),
// and how many of the 1,000 stations the store holds on their newest status
// at the end (goal: all). Reported beside them, the strict figures: the
// statuses actually written to station state (replaced ones not counted),
// their rate, its ratio to the bare subscriber's, and their share of the
// burst.
//
// CITYHUB_BENCH_BURST_MESSAGES and CITYHUB_BENCH_BURST_STATIONS change the
// burst's size (a whole number of statuses per station).
//
//	go test -run XXX -bench TelemetryBurst -benchtime 1x ./bench/
func BenchmarkTelemetryBurst(b *testing.B) {
	messages := envInt(b, "CITYHUB_BENCH_BURST_MESSAGES", 200_000)
	stations := envInt(b, "CITYHUB_BENCH_BURST_STATIONS", 1_000)
	if messages < stations || messages%stations != 0 {
		b.Fatalf("a burst of %d messages over %d stations: want a whole number of statuses per station", messages, stations)
	}
	for _, engine := range storetest.Engines {
		b.Run(engine, func(b *testing.B) {
			broker := mqtttest.StartMosquitto(b, "max_queued_messages 0")
			for range b.N {
				benchBurst(b, engine, broker.URL(), messages, stations)
			}
		})
	}
}

func benchBurst(b *testing.B, engine, url string, burstMessages, burstStations int) {
	ctx := context.Background()
	root := mqtttest.Root(b)
	db := storetest.Open(b, engine)
	svc := mobility.NewService(db.Mobility(), nil, nil)
	now := time.Now().UTC()
	station := func(i int) string { return fmt.Sprintf("burst-%04d", i) }
	err := db.Mobility().InTx(ctx, func(tx mobility.Tx) error {
		for i := range burstStations {
			st := mobility.Station{ID: station(i), NameIT: "Stazione " + station(i), Lat: 41 + float64(i)/10000, Lon: 14 + float64(i)/10000,
				Capacity: 10, Open: true, CreatedAt: now, UpdatedAt: now}
			if err := tx.PutStation(ctx, st); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		b.Fatal(err)
	}
	reg := prometheus.NewRegistry()
	c, err := mqtt.New(mqtt.Options{URL: url, Root: root, Registry: reg})
	if err != nil {
		b.Fatal(err)
	}
	if err := c.Start(ctx, svc); err != nil {
		b.Fatal(err)
	}
	defer c.Close()
	testutil.Eventually(b, 10*time.Second, "hub subscribed", c.Connected)

	var got atomic.Int64
	sub := paho.NewClient(paho.NewClientOptions().AddBroker(url).SetClientID("burst-sub-" + root[:10]))
	if tok := sub.Connect(); !tok.WaitTimeout(30*time.Second) || tok.Error() != nil {
		b.Fatal(tok.Error())
	}
	defer sub.Disconnect(100)
	sub.Subscribe(root+"/stations/+/status", 1, func(paho.Client, paho.Message) { got.Add(1) }).Wait()

	// Message i is station i%1000's status number i/1000, stamped a
	// millisecond after the previous one of the burst. The whole burst is
	// stamped in the past, ending a minute ago: the hub refuses a status
	// stamped beyond its allowed clock skew in the future, and a burst that
	// ran into the future would leave every station on an older status.
	base := now.Truncate(time.Millisecond).Add(-time.Minute - time.Duration(burstMessages)*time.Millisecond)
	ts := func(i int) time.Time { return base.Add(time.Duration(i) * time.Millisecond) }
	payloads := make([][]byte, burstMessages)
	for i := range payloads {
		r := mobility.StatusReport{TS: ts(i), Online: true}
		for d := 1; d <= 10; d++ {
			ds := mobility.DockState{Dock: d, Locked: true}
			if (i+d)%3 != 0 {
				ds.BikeID = fmt.Sprintf("%s-b%02d", station(i%burstStations), d)
			}
			r.Docks = append(r.Docks, ds)
		}
		payloads[i], _ = mobility.EncodeStatus(station(i%burstStations), r)
	}
	pub := paho.NewClient(paho.NewClientOptions().AddBroker(url).SetClientID("burst-pub-" + root[:10]))
	if tok := pub.Connect(); !tok.WaitTimeout(30*time.Second) || tok.Error() != nil {
		b.Fatal(tok.Error())
	}
	defer pub.Disconnect(100)
	topics := mqtt.Topics{Root: root}

	b.ResetTimer()
	start := time.Now()
	toks := make([]paho.Token, 0, burstMessages)
	for i, p := range payloads {
		toks = append(toks, pub.Publish(topics.Station(station(i%burstStations), mobility.KindStatus), 1, false, p))
	}
	settled := func() int64 { return svc.Applied() + c.Superseded() }
	var baseN, hubN int64
	var baseD, hubD time.Duration
	done := make(chan struct{})
	go func() { baseN, baseD = waitCount(got.Load, int64(burstMessages), start); close(done) }()
	hubN, hubD = waitStalled(settled, int64(burstMessages), start, 10*time.Second)
	// Written: handled by the service and not ignored (stale or from an
	// unknown station), so applied to station state.
	ignored := svc.IngestCounts()
	written := svc.Applied() - ignored.Stale - ignored.Unregistered
	<-done
	b.StopTimer()
	for _, t := range toks {
		t.WaitTimeout(30 * time.Second)
	}

	// Every station on its newest status: message 199,000 + i for station i.
	var newest int
	err = db.Mobility().View(ctx, func(tx mobility.Tx) error {
		states, err := tx.StationStates(ctx)
		for _, st := range states {
			var i int
			if _, err := fmt.Sscanf(st.StationID, "burst-%04d", &i); err == nil && st.LastReported.Equal(ts(burstMessages-burstStations+i)) {
				newest++
			}
		}
		return err
	})
	if err != nil {
		b.Fatal(err)
	}
	baseRate := float64(baseN) / baseD.Seconds()
	hubRate := float64(hubN) / hubD.Seconds()
	b.ReportMetric(baseRate, "paho-msg/s")
	b.ReportMetric(hubRate, "hub-msg/s")
	b.ReportMetric(hubRate/baseRate, "ratio")
	writtenRate := float64(written) / hubD.Seconds()
	b.ReportMetric(writtenRate, "written-msg/s")
	b.ReportMetric(writtenRate/baseRate, "written-ratio")
	b.ReportMetric(float64(written)/float64(burstMessages), "written-share")
	b.ReportMetric(float64(newest), "stations-newest")
	b.ReportMetric(float64(burstStations), "stations")
	b.ReportMetric(counterValue(b, reg, "cityhub_mqtt_dropped_total"), "hub-dropped")
	b.Logf("%s: %d statuses over %d stations; bare paho received %d in %s (%.0f/s); hub received %.0f, wrote %d to state and coalesced %d (settled %d) in %s (%.0f/s settled, %.0f/s written); ratio %.2f settled, %.2f written; %d of %d stations on their newest status; hub dropped %.0f",
		engine, burstMessages, burstStations, baseN, baseD.Round(time.Millisecond), baseRate, counterValue(b, reg, "cityhub_mqtt_messages_total"),
		written, c.Superseded(), hubN, hubD.Round(time.Millisecond), hubRate, writtenRate, hubRate/baseRate, writtenRate/baseRate, newest, burstStations,
		counterValue(b, reg, "cityhub_mqtt_dropped_total"))
	if newest != burstStations {
		b.Errorf("%d of %d stations on their newest status", newest, burstStations)
	}
}

// waitStalled waits until count reaches n or stops growing for stall, and
// returns what arrived and when the last of it did.
func waitStalled(count func() int64, n int64, start time.Time, stall time.Duration) (int64, time.Duration) {
	last, lastAt := int64(-1), time.Now()
	for {
		c := count()
		if c >= n {
			return c, time.Since(start)
		}
		if c != last {
			last, lastAt = c, time.Now()
		} else if time.Since(lastAt) > stall {
			return c, lastAt.Sub(start)
		}
		time.Sleep(5 * time.Millisecond)
	}
}
