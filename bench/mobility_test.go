package bench

import (
	"context"
	"fmt"
	"runtime"
	"slices"
	"sync/atomic"
	"testing"
	"time"

	paho "github.com/eclipse/paho.mqtt.golang"
	"github.com/prometheus/client_golang/prometheus"

	"cityhub/apperr"
	"cityhub/internal/testutil"
	"cityhub/mobility"
	"cityhub/mobility/mobilitytest"
	"cityhub/mqtt"
	"cityhub/mqtt/mqtttest"
	"cityhub/store/storetest"
)

// telemetryMessages is how many status messages each side of the telemetry
// benchmark receives.
const telemetryMessages = 20_000

// BenchmarkTelemetry measures status messages per second that reach station
// state in the store (decoded, queued, batched, written), against a bare paho
// subscriber's receive rate for the same messages from the same Mosquitto in
// the same run. Messages go out at QoS 1 as fast as the publisher can. The
// Debian Mosquitto queues at most 1000 messages per slow subscriber
// (max_queued_messages) and drops the rest; the hub also drops when its own
// ingest queue (8192) is full. Both losses are reported, so the ratio says
// which limit applied.
//
//	go test -run XXX -bench Telemetry -benchtime 1x ./bench/
func BenchmarkTelemetry(b *testing.B) {
	for _, engine := range storetest.Engines {
		// burst: as fast as the publisher goes; paced: 4000 messages a second,
		// below Mosquitto's queue limit, to see whether the hub keeps up.
		for _, rate := range []int{0, 4000} {
			name := engine + "/burst"
			if rate > 0 {
				name = fmt.Sprintf("%s/paced-%d", engine, rate)
			}
			b.Run(name, func(b *testing.B) {
				for range b.N {
					benchTelemetry(b, engine, rate)
				}
			})
		}
	}
}

func publishStatuses(b *testing.B, url, root string, n, stations, rate int) time.Time {
	b.Helper()
	pub := paho.NewClient(paho.NewClientOptions().AddBroker(url).SetClientID("bench-pub-" + root[:10]))
	if tok := pub.Connect(); !tok.WaitTimeout(30*time.Second) || tok.Error() != nil {
		b.Fatal(tok.Error())
	}
	defer pub.Disconnect(100)
	topics := mqtt.Topics{Root: root}
	payloads := make([][]byte, n)
	base := time.Now()
	for i := range payloads {
		st := fmt.Sprintf("bench-%04d", i%stations)
		r := mobility.StatusReport{TS: base.Add(time.Duration(i) * time.Millisecond), Online: true}
		for d := 1; d <= 10; d++ {
			ds := mobility.DockState{Dock: d, Locked: true}
			if (i+d)%3 != 0 {
				ds.BikeID = fmt.Sprintf("%s-b%02d", st, d)
			}
			r.Docks = append(r.Docks, ds)
		}
		payloads[i], _ = mobility.EncodeStatus(st, r)
	}
	start := time.Now()
	toks := make([]paho.Token, 0, n)
	for i, p := range payloads {
		if rate > 0 && i%100 == 0 {
			if ahead := time.Duration(i)*time.Second/time.Duration(rate) - time.Since(start); ahead > 0 {
				time.Sleep(ahead)
			}
		}
		toks = append(toks, pub.Publish(topics.Station(fmt.Sprintf("bench-%04d", i%stations), mobility.KindStatus), 1, false, p))
	}
	for _, t := range toks {
		t.WaitTimeout(30 * time.Second)
	}
	return start
}

// waitCount waits until count reaches n or stops growing for a second, and
// returns what arrived and when the last of it did.
func waitCount(count func() int64, n int64, start time.Time) (int64, time.Duration) {
	last, lastAt := int64(-1), time.Now()
	for {
		c := count()
		if c >= n {
			return c, time.Since(start)
		}
		if c != last {
			last, lastAt = c, time.Now()
		} else if time.Since(lastAt) > time.Second {
			return c, lastAt.Sub(start)
		}
		time.Sleep(5 * time.Millisecond)
	}
}

func benchTelemetry(b *testing.B, engine string, rate int) {
	url := mqtttest.URL()
	const stations = 500
	root := mqtttest.Root(b)

	// The hub: shared subscription, decode, queue, batched writes.
	db := storetest.Open(b, engine)
	svc := mobility.NewService(db.Mobility(), nil, nil)
	reg := prometheus.NewRegistry()
	c, err := mqtt.New(mqtt.Options{URL: url, Root: root, Registry: reg})
	if err != nil {
		b.Fatal(err)
	}
	if err := c.Start(context.Background(), svc); err != nil {
		b.Fatal(err)
	}
	defer c.Close()
	testutil.Eventually(b, 5*time.Second, "hub subscribed", c.Connected)

	// The baseline, on the same messages at the same time: a bare paho
	// subscriber that only counts.
	var got atomic.Int64
	sub := paho.NewClient(paho.NewClientOptions().AddBroker(url).SetClientID("bench-sub-" + root[:10]).SetOrderMatters(false))
	if tok := sub.Connect(); !tok.WaitTimeout(30*time.Second) || tok.Error() != nil {
		b.Fatal(tok.Error())
	}
	defer sub.Disconnect(100)
	sub.Subscribe(root+"/stations/+/status", 1, func(paho.Client, paho.Message) { got.Add(1) }).Wait()

	b.ResetTimer()
	start := publishStatuses(b, url, root, telemetryMessages, stations, rate)
	var baseN, hubN int64
	var baseD, hubD time.Duration
	done := make(chan struct{})
	go func() { baseN, baseD = waitCount(got.Load, telemetryMessages, start); close(done) }()
	// A status replaced while waiting by a newer one of its station counts
	// as applied when that one is (the hub coalesces per station).
	hubN, hubD = waitCount(func() int64 { return svc.Applied() + c.Superseded() }, telemetryMessages, start)
	<-done
	b.StopTimer()

	hubIn := counterValue(b, reg, "cityhub_mqtt_messages_total")
	queueDropped := counterValue(b, reg, "cityhub_mqtt_dropped_total")
	baseRate := float64(baseN) / baseD.Seconds()
	hubRate := float64(hubN) / hubD.Seconds()
	b.ReportMetric(baseRate, "paho-msg/s")
	b.ReportMetric(hubRate, "hub-msg/s")
	b.ReportMetric(hubRate/baseRate, "ratio")
	b.ReportMetric(float64(telemetryMessages-baseN), "broker-dropped-paho")
	b.ReportMetric(float64(telemetryMessages)-hubIn, "broker-dropped-hub")
	b.ReportMetric(queueDropped, "hub-queue-dropped")
	b.Logf("%s: %d published; bare paho received %d in %s (%.0f/s); hub received %.0f, its queue dropped %.0f, %d reached state in %s (%.0f/s); ratio %.2f",
		engine, telemetryMessages, baseN, baseD.Round(time.Millisecond), baseRate, hubIn, queueDropped, hubN, hubD.Round(time.Millisecond), hubRate, hubRate/baseRate)
}

func counterValue(b *testing.B, reg *prometheus.Registry, name string) float64 {
	mfs, err := reg.Gather()
	if err != nil {
		b.Fatal(err)
	}
	var sum float64
	for _, mf := range mfs {
		if mf.GetName() == name {
			for _, m := range mf.GetMetric() {
				sum += m.GetCounter().GetValue()
			}
		}
	}
	return sum
}

// BenchmarkUnlockRoundTrip measures a rider's unlock with simulated stations
// that answer at once: checks and the pending ride in the store, the command
// over Mosquitto, the station's reply, the ride's start. The baseline, in the
// same run, is the bare MQTT command round trip (publish, station, reply) of
// the same client, so the difference is the price of the two transactions.
// It runs on the shared Mosquitto as configured (Nagle on), on a private
// Mosquitto with set_tcp_nodelay, and on the embedded broker, all open; and
// with station authentication on: the embedded broker checking the hub's
// store, and the Mosquitto with the dynamic-security plugin that
// scripts/services starts (set_tcp_nodelay on).
//
// Each side makes 200 unlocks, or CITYHUB_BENCH_UNLOCKS.
//
//	go test -run XXX -bench UnlockRoundTrip -benchtime 1x ./bench/
func BenchmarkUnlockRoundTrip(b *testing.B) {
	unlocks := envInt(b, "CITYHUB_BENCH_UNLOCKS", 200)
	for _, engine := range storetest.Engines {
		for _, broker := range []string{"mosquitto", "mosquitto-nodelay", "embedded", "embedded-auth", "mosquitto-dynsec"} {
			b.Run(engine+"+"+broker, func(b *testing.B) {
				url := mqtttest.URL()
				var o mobilitytest.Options
				switch broker {
				case "embedded":
					url = mqtttest.StartEmbedded(b).URL()
				case "mosquitto-nodelay":
					// Mosquitto leaves Nagle's algorithm on by default, which
					// holds small packets up to ~40 ms against delayed ACKs.
					url = mqtttest.StartMosquitto(b, "set_tcp_nodelay true").URL()
				case "embedded-auth":
					o.Secure = func(tb testing.TB, svc *mobility.Service, root string) mobilitytest.SecureBroker {
						br, err := mqtt.StartSecureBroker(mqtt.BrokerOptions{Addr: "127.0.0.1:0", Root: root, Stations: svc})
						if err != nil {
							tb.Fatal(err)
						}
						tb.Cleanup(func() { br.Close() })
						user, pass := br.HubCredentials()
						return mobilitytest.SecureBroker{URL: br.URL(), User: user, Pass: pass, Accounts: br}
					}
				case "mosquitto-dynsec":
					o.Secure = func(tb testing.TB, svc *mobility.Service, root string) mobilitytest.SecureBroker {
						url, user, pass := mqtttest.AuthURL(tb)
						d, err := mqtt.StartDynsec(context.Background(), mqtt.DynsecOptions{URL: url, Username: user, Password: pass, Root: root})
						if err != nil {
							tb.Fatal(err)
						}
						tb.Cleanup(d.Close)
						return mobilitytest.SecureBroker{URL: url, User: user, Pass: pass, Accounts: d}
					}
				}
				for range b.N {
					benchUnlock(b, engine, url, o, unlocks)
				}
			})
		}
	}
}

func percentile(d []time.Duration, p float64) time.Duration {
	slices.Sort(d)
	return d[min(len(d)-1, int(float64(len(d))*p))]
}

func benchUnlock(b *testing.B, engine, url string, o mobilitytest.Options, unlocks int) {
	o.Stations, o.Docks = 2, 20
	e := mobilitytest.New(b, storetest.Open(b, engine), url, o)
	ctx := context.Background()
	st := e.Stations[0]

	// Baseline: the command alone, to a dock the station reports as empty (it
	// answers no_bike at once, without changing anything).
	base := make([]time.Duration, 0, unlocks)
	for i := range unlocks {
		start := time.Now()
		r, err := e.Client.Unlock(ctx, mobility.UnlockCommand{RequestID: fmt.Sprintf("base-%d", i), StationID: st.ID, Dock: 20, Deadline: time.Now().Add(30 * time.Second)})
		if err != nil || r.Result != mobility.ReplyError {
			b.Fatalf("baseline round trip: %+v %v", r, err)
		}
		base = append(base, time.Since(start))
	}

	riders := make([]string, 4)
	for i := range riders {
		riders[i] = e.Rider(b, 1_000_000)
	}
	hub := make([]time.Duration, 0, unlocks)
	b.ResetTimer()
	for i := range unlocks {
		rider := riders[i%len(riders)]
		var dock int
		for d := range e.Sim.BikesAt(st.ID) {
			dock = d
			break
		}
		start := time.Now()
		r, err := e.Svc.Unlock(ctx, mobilitytest.Citizen(rider), mobility.UnlockRequest{StationID: st.ID, Dock: dock})
		if err != nil {
			b.Fatalf("unlock %d: %v", i, err)
		}
		hub = append(hub, time.Since(start))
		b.StopTimer()
		if _, _, err := e.Sim.Dock(r.BikeID, st.ID); err != nil {
			b.Fatal(err)
		}
		testutil.Eventually(b, 5*time.Second, "ride ended", func() bool {
			_, err := e.Svc.CurrentRide(ctx, mobilitytest.Citizen(rider))
			return apperr.Has(err, apperr.NotFound)
		})
		// The station's status after docking must be in before the next unlock picks a dock.
		testutil.Eventually(b, 5*time.Second, "bike back in the hub's state", func() bool {
			s, _ := e.StationState(st.ID)
			_, ok := s.DockOfBike(r.BikeID)
			return ok
		})
		b.StartTimer()
	}
	b.StopTimer()
	bp50, bp99 := percentile(base, 0.5), percentile(base, 0.99)
	hp50, hp99 := percentile(hub, 0.5), percentile(hub, 0.99)
	b.ReportMetric(float64(bp50.Microseconds())/1000, "mqtt-p50-ms")
	b.ReportMetric(float64(bp99.Microseconds())/1000, "mqtt-p99-ms")
	b.ReportMetric(float64(hp50.Microseconds())/1000, "unlock-p50-ms")
	b.ReportMetric(float64(hp99.Microseconds())/1000, "unlock-p99-ms")
	b.ReportMetric(float64(hp50)/float64(bp50), "p50-ratio")
	b.Logf("%s on %s: bare command round trip p50 %s p99 %s; unlock p50 %s p99 %s (%d each)", engine, e.URL, bp50, bp99, hp50, hp99, unlocks)
}

// hubStations is the size of the city in the memory benchmark.
const hubStations = 10_000

// BenchmarkHubMemory10kStations measures the hub's heap with 10,000 live
// stations (20 docks each) on PostgreSQL: each station's retained status comes
// in over Mosquitto through the hub's client (one publishing connection plays
// all stations, paced below Mosquitto's queue limit) and reaches the store.
// The baseline, in the same run, is the heap of the same process with the
// store open and the hub connected but no station known. Reported: heap in
// use after a GC, idle and with the stations, and the heap one station list
// (the largest read, for riders and feeds) allocates.
//
//	go test -run XXX -bench HubMemory -benchtime 1x ./bench/
func BenchmarkHubMemory10kStations(b *testing.B) {
	for range b.N {
		ctx := context.Background()
		db := storetest.OpenPostgres(b)
		svc := mobility.NewService(db.Mobility(), nil, nil)
		root := mqtttest.Root(b)
		c, err := mqtt.New(mqtt.Options{URL: mqtttest.URL(), Root: root})
		if err != nil {
			b.Fatal(err)
		}
		if err := c.Start(ctx, svc); err != nil {
			b.Fatal(err)
		}
		testutil.Eventually(b, 5*time.Second, "hub subscribed", c.Connected)
		idle := heapInUse()

		now := time.Now().UTC()
		err = db.Mobility().InTx(ctx, func(tx mobility.Tx) error {
			for i := range hubStations {
				st := mobility.Station{ID: fmt.Sprintf("bench-%04d", i%500) + fmt.Sprintf("-%02d", i/500), NameIT: fmt.Sprintf("Stazione %d", i),
					Lat: 41 + float64(i)/100000, Lon: 14 + float64(i)/100000, Capacity: 20, Open: true, CreatedAt: now, UpdatedAt: now}
				if err := tx.PutStation(ctx, st); err != nil {
					return err
				}
			}
			return nil
		})
		if err != nil {
			b.Fatal(err)
		}
		pub := paho.NewClient(paho.NewClientOptions().AddBroker(mqtttest.URL()).SetClientID("bench-mem-" + root[:10]))
		if tok := pub.Connect(); !tok.WaitTimeout(30*time.Second) || tok.Error() != nil {
			b.Fatal(tok.Error())
		}
		topics := mqtt.Topics{Root: root}
		b.ResetTimer()
		start := time.Now()
		for i := range hubStations {
			id := fmt.Sprintf("bench-%04d", i%500) + fmt.Sprintf("-%02d", i/500)
			r := mobility.StatusReport{TS: time.Now(), Online: true}
			for d := 1; d <= 20; d++ {
				ds := mobility.DockState{Dock: d, Locked: true}
				if d%2 == 0 {
					ds.BikeID = fmt.Sprintf("%s-b%02d", id, d)
				}
				r.Docks = append(r.Docks, ds)
			}
			p, _ := mobility.EncodeStatus(id, r)
			pub.Publish(topics.Station(id, mobility.KindStatus), 1, false, p)
			if i%100 == 99 {
				if ahead := time.Duration(i)*time.Second/3000 - time.Since(start); ahead > 0 {
					time.Sleep(ahead)
				}
			}
		}
		n, _ := waitCount(svc.Applied, hubStations, start)
		pub.Disconnect(100)
		live := heapInUse()
		var before, after runtime.MemStats
		runtime.ReadMemStats(&before)
		list, err := svc.StationList(ctx, &mobility.LatLon{Lat: 41, Lon: 14}, "it")
		if err != nil {
			b.Fatal(err)
		}
		runtime.ReadMemStats(&after)
		b.StopTimer()
		c.Close()
		b.ReportMetric(float64(idle)/(1<<20), "idle-heap-MB")
		b.ReportMetric(float64(live)/(1<<20), "live-heap-MB")
		b.ReportMetric(float64(after.TotalAlloc-before.TotalAlloc)/(1<<20), "list-alloc-MB")
		b.ReportMetric(float64(n), "stations-reported")
		b.Logf("%d stations, %d reported: heap in use idle %.1f MB, with the stations %.1f MB; one station list (%d stations) allocates %.1f MB",
			hubStations, n, float64(idle)/(1<<20), float64(live)/(1<<20), len(list), float64(after.TotalAlloc-before.TotalAlloc)/(1<<20))
	}
}

func heapInUse() uint64 {
	runtime.GC()
	var m runtime.MemStats
	runtime.ReadMemStats(&m)
	return m.HeapInuse
}
