package mqtt_test

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"cityhub/identity"
	"cityhub/internal/testutil"
	"cityhub/mobility"
	"cityhub/mqtt"
	"cityhub/mqtt/mqtttest"
)

// gatedSink holds every Ingest until the gate opens, as a slow store would.
type gatedSink struct {
	sink
	gate chan struct{}
}

func (g *gatedSink) Ingest(ctx context.Context, c identity.Caller, b []mobility.Telemetry) error {
	<-g.gate
	return g.sink.Ingest(ctx, c, b)
}

// Issue 9, item 3: a burst left up to 380 of 1,000 stations on an old
// status (the queue dropped the newest), with nothing logged and /readyz
// ready. Now, while the store is stuck, statuses wait one per station (the
// newest), events all wait, the backlog shows as a metric, a degraded check
// and one log line; once the store answers every station ends on its newest
// status and every event arrives.
func TestBurstKeepsEveryStationsNewestStatus(t *testing.T) {
	for _, b := range brokers(t) {
		t.Run(b.Name(), func(t *testing.T) {
			root := mqtttest.Root(t)
			s := &gatedSink{gate: make(chan struct{})}
			var opened sync.Once
			open := func() { opened.Do(func() { close(s.gate) }) }
			logs := &testutil.Buffer{}
			reg := prometheus.NewRegistry()
			c, err := mqtt.New(mqtt.Options{URL: b.URL(), Root: root, Registry: reg, BacklogLimit: 100,
				Log: slog.New(slog.NewTextHandler(logs, nil))})
			if err != nil {
				t.Fatal(err)
			}
			if err := c.Start(context.Background(), s); err != nil {
				t.Fatal(err)
			}
			t.Cleanup(c.Close)
			t.Cleanup(open) // before Close, which waits for the sink
			testutil.Eventually(t, 5*time.Second, "client subscribed", c.Connected)

			pub := publisher(t, b.URL())
			topics := mqtt.Topics{Root: root}
			const stations, rounds, events = 20, 50, 30
			base := time.Now().UTC().Truncate(time.Millisecond)
			ts := func(round, st int) time.Time { return base.Add(time.Duration(round*stations+st) * time.Millisecond) }
			for round := range rounds {
				for st := range stations {
					id := fmt.Sprintf("st-%d", st)
					pub.Publish(topics.Station(id, mobility.KindStatus), 1, false, status(id, ts(round, st), "bk-1")).Wait()
				}
			}
			for i := range events {
				ev, _ := mobility.EncodeEvent("st-0", mobility.Event{TS: base.Add(time.Duration(i) * time.Microsecond), ID: fmt.Sprint(i), Type: mobility.EventTamper})
				pub.Publish(topics.Station("st-0", mobility.KindEvents), 1, false, ev).Wait()
			}
			testutil.Eventually(t, 10*time.Second, "every message received", func() bool {
				return mqtttest.Counter(t, reg, "cityhub_mqtt_messages_total", "") >= stations*rounds+events
			})
			if err := c.IngestCheck(context.Background()); err == nil {
				t.Errorf("backlog %d over a limit of 100, yet the check passes", c.Backlog())
			}
			if got := mqtttest.Gauge(t, reg, "cityhub_mqtt_ingest_backlog"); got < 100 {
				t.Errorf("backlog metric %v", got)
			}
			testutil.Eventually(t, 5*time.Second, "the overload logged", func() bool { return strings.Count(logs.String(), "backlog over its limit") == 1 })

			open()
			testutil.Eventually(t, 10*time.Second, "the backlog applied", func() bool { return c.Backlog() == 0 })
			if err := c.IngestCheck(context.Background()); err != nil {
				t.Errorf("after the backlog: %v", err)
			}
			newest := map[string]time.Time{}
			for _, m := range s.snapshot() {
				if m.Status != nil && m.Status.TS.After(newest[m.StationID]) {
					newest[m.StationID] = m.Status.TS
				}
			}
			for st := range stations {
				if id := fmt.Sprintf("st-%d", st); !newest[id].Equal(ts(rounds-1, st)) {
					t.Errorf("station %s ended on its status of %s, want the newest %s", id, newest[id], ts(rounds-1, st))
				}
			}
			if n := s.count(func(m mobility.Telemetry) bool { return m.Event != nil }); n != events {
				t.Errorf("%d of %d events applied; events are never coalesced", n, events)
			}
			if n := strings.Count(logs.String(), "backlog over its limit"); n != 1 {
				t.Errorf("overload logged %d times, want once a minute", n)
			}
			if d := mqtttest.Counter(t, reg, "cityhub_mqtt_dropped_total", ""); d != 0 {
				t.Errorf("%v messages dropped", d)
			}
		})
	}
}

// Woken from idle, the worker waits IngestLinger for more before taking a
// batch: statuses of many stations that arrive together are applied in one
// Ingest call, not one call each (each a store transaction, which on SQLite
// took the CPU the hub needed to receive a burst). The linger here is long
// enough for the test's publishes to arrive within it on a busy machine.
func TestIngestGathersWhatArrivesTogether(t *testing.T) {
	t.Parallel() // the linger is a fixed wait
	b := mqtttest.StartEmbedded(t)
	root := mqtttest.Root(t)
	s := &sink{}
	startClientWith(t, mqtt.Options{URL: b.URL(), Root: root, IngestLinger: 3 * time.Second}, s)

	pub := publisher(t, b.URL())
	topics := mqtt.Topics{Root: root}
	const stations = 20
	now := time.Now().UTC()
	for st := range stations {
		id := fmt.Sprintf("st-%d", st)
		pub.Publish(topics.Station(id, mobility.KindStatus), 0, false, status(id, now, "bk-1"))
	}
	testutil.Eventually(t, 10*time.Second, "every status applied", func() bool { return len(s.snapshot()) == stations })
	s.mu.Lock()
	batches := s.batches
	s.mu.Unlock()
	if batches != 1 {
		t.Errorf("%d statuses that arrived together were applied in %d batches, want 1", stations, batches)
	}
}

// downSink is a store that refuses every batch while down, as a database
// that went away does.
type downSink struct {
	sink
	mu    sync.Mutex
	down  bool
	calls int
}

func (d *downSink) Ingest(ctx context.Context, c identity.Caller, b []mobility.Telemetry) error {
	d.mu.Lock()
	d.calls++
	down := d.down
	d.mu.Unlock()
	if down {
		return errors.New("dial tcp 127.0.0.1:5432: connect: connection refused")
	}
	return d.sink.Ingest(ctx, c, b)
}

// The search for the message a store refuses (splitting a refused batch)
// does not hammer a store that is down: it gives up after a few refusals
// with nothing taken, the batch waits and is offered again after a pause,
// and when the store is back within the tries every message is applied and
// none dropped.
func TestIngestWaitsOutAStoreThatIsDown(t *testing.T) {
	b := mqtttest.StartEmbedded(t)
	root := mqtttest.Root(t)
	s := &downSink{down: true}
	c, reg := startClientWith(t, mqtt.Options{URL: b.URL(), Root: root, IngestLinger: 500 * time.Millisecond}, s)
	pub := publisher(t, b.URL())
	topics := mqtt.Topics{Root: root}
	const stations = 200
	now := time.Now().UTC()
	for st := range stations {
		id := fmt.Sprintf("st-%d", st)
		pub.Publish(topics.Station(id, mobility.KindStatus), 1, false, status(id, now, "bk-1")).Wait()
	}
	testutil.Eventually(t, 10*time.Second, "the store refused a batch", func() bool {
		return mqtttest.Counter(t, reg, "cityhub_mqtt_ingest_errors_total", "") >= 1
	})
	time.Sleep(300 * time.Millisecond) // within the pause after the first attempt
	s.mu.Lock()
	calls := s.calls
	s.down = false
	s.mu.Unlock()
	// The whole batch, then down the first half's halves to a message, and
	// a few single messages more: far fewer calls than messages.
	if calls > 40 {
		t.Errorf("a store that is down was asked %d times for one batch of %d", calls, stations)
	}
	testutil.Eventually(t, 10*time.Second, "every status applied", func() bool { return len(s.snapshot()) == stations })
	if d := mqtttest.Counter(t, reg, "cityhub_mqtt_dropped_total", ""); d != 0 {
		t.Errorf("%v messages dropped while the store was down for less than the tries", d)
	}
	testutil.Eventually(t, 5*time.Second, "backlog settled", func() bool { return c.Backlog() == 0 })
}

// Station events wait through a store outage longer than the tries (the
// database away for many rounds): a refusal counts against a message only
// while the store takes others, so none is dropped, and every event is
// applied once the store is back. A bike_docked dropped after a few
// seconds of outage ended its ride at a later status, at the rider's cost.
func TestIngestKeepsEventsThroughALongOutage(t *testing.T) {
	b := mqtttest.StartEmbedded(t)
	root := mqtttest.Root(t)
	s := &downSink{down: true}
	_, reg := startClientWith(t, mqtt.Options{URL: b.URL(), Root: root}, s)
	pub := publisher(t, b.URL())
	topics := mqtt.Topics{Root: root}
	const events = 12
	base := time.Now().UTC().Truncate(time.Millisecond)
	for i := range events {
		st := fmt.Sprintf("st-%d", i%4)
		ev, _ := mobility.EncodeEvent(st, mobility.Event{TS: base.Add(time.Duration(i) * time.Millisecond), ID: fmt.Sprint("ev-", i), Type: mobility.EventTamper})
		pub.Publish(topics.Station(st, mobility.KindEvents), 1, false, ev).Wait()
	}
	// Twice the tries' worth of failed rounds, a second apart.
	testutil.Eventually(t, 30*time.Second, "the store refused the events for more rounds than the tries", func() bool {
		return mqtttest.Counter(t, reg, "cityhub_mqtt_ingest_errors_total", "") >= 2*3
	})
	if d := mqtttest.Counter(t, reg, "cityhub_mqtt_dropped_total", ""); d != 0 {
		t.Fatalf("%v events dropped while the store was down", d)
	}
	s.mu.Lock()
	s.down = false
	s.mu.Unlock()
	testutil.Eventually(t, 10*time.Second, "every event applied", func() bool { return len(s.snapshot()) == events })
	if d := mqtttest.Counter(t, reg, "cityhub_mqtt_dropped_total", ""); d != 0 {
		t.Errorf("%v events dropped", d)
	}
}
