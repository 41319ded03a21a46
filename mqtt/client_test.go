package mqtt_test

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	paho "github.com/eclipse/paho.mqtt.golang"
	"github.com/prometheus/client_golang/prometheus"

	"cityhub/apperr"
	"cityhub/identity"
	"cityhub/internal/testutil"
	"cityhub/mobility"
	"cityhub/mqtt"
	"cityhub/mqtt/mqtttest"
	"cityhub/mqtt/pahostore"
)

// sink records what the client hands over, as mobility.Service would get it.
type sink struct {
	mu      sync.Mutex
	got     []mobility.Telemetry
	batches int
}

func (s *sink) Ingest(_ context.Context, c identity.Caller, b []mobility.Telemetry) error {
	if !c.IsSystem() {
		return fmt.Errorf("telemetry handed over as %q, not as the hub", c.AccountID)
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	s.got = append(s.got, b...)
	s.batches++
	return nil
}

func (s *sink) snapshot() []mobility.Telemetry {
	s.mu.Lock()
	defer s.mu.Unlock()
	return slices.Clone(s.got)
}

func (s *sink) count(f func(mobility.Telemetry) bool) int {
	s.mu.Lock()
	defer s.mu.Unlock()
	n := 0
	for _, t := range s.got {
		if f(t) {
			n++
		}
	}
	return n
}

func startClient(t *testing.T, url, root string, s mqtt.Sink) (*mqtt.Client, *prometheus.Registry) {
	t.Helper()
	return startClientWith(t, mqtt.Options{URL: url, Root: root, MaxBackoff: time.Second}, s)
}

// startClientWith starts a client with o (a fresh registry in o.Registry
// when it has none) on s, and waits until it is subscribed.
func startClientWith(t *testing.T, o mqtt.Options, s mqtt.Sink) (*mqtt.Client, *prometheus.Registry) {
	t.Helper()
	reg, _ := o.Registry.(*prometheus.Registry)
	if reg == nil {
		reg = prometheus.NewRegistry()
		o.Registry = reg
	}
	c, err := mqtt.New(o)
	if err != nil {
		t.Fatal(err)
	}
	if err := c.Start(context.Background(), s); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(c.Close)
	testutil.Eventually(t, 5*time.Second, "client subscribed", c.Connected)
	return c, reg
}

// publisher is a test station. It reconnects every 500 ms at most, so a
// broker-restart test measures the hub's recovery, not paho's default
// back-off. It keeps its session in pahostore, as the hub's and the
// simulator's clients do: with paho's memory store, a publish made while it
// resumed after a broker restart raced paho's marking of the same packet as
// a duplicate (TestBrokerRestart publishes until one arrives).
func publisher(t *testing.T, url string) paho.Client {
	t.Helper()
	p := paho.NewClient(paho.NewClientOptions().AddBroker(url).SetClientID("pub-" + mqtttest.Root(t)[:10]).SetStore(pahostore.New()).
		SetAutoReconnect(true).SetConnectRetry(true).SetConnectRetryInterval(200 * time.Millisecond).SetMaxReconnectInterval(500 * time.Millisecond))
	if tok := p.Connect(); !tok.WaitTimeout(30*time.Second) || tok.Error() != nil {
		t.Fatalf("publisher connect: %v", tok.Error())
	}
	t.Cleanup(func() { p.Disconnect(50) })
	return p
}

func status(station string, ts time.Time, bikes ...string) []byte {
	r := mobility.StatusReport{TS: ts, Online: true}
	for i, b := range bikes {
		r.Docks = append(r.Docks, mobility.DockState{Dock: i + 1, BikeID: b, Locked: b != ""})
	}
	p, _ := mobility.EncodeStatus(station, r)
	return p
}

func brokers(t *testing.T) []mqtttest.Broker {
	return []mqtttest.Broker{mqtttest.Shared{}, mqtttest.StartEmbedded(t)}
}

func TestTelemetryReachesSink(t *testing.T) {
	for _, b := range brokers(t) {
		t.Run(b.Name(), func(t *testing.T) {
			root := mqtttest.Root(t)
			s := &sink{}
			startClient(t, b.URL(), root, s)
			pub := publisher(t, b.URL())
			topics := mqtt.Topics{Root: root}
			pub.Publish(topics.Station("st-1", mobility.KindStatus), 1, false, status("st-1", time.Now(), "bk-1", "")).Wait()
			pub.Publish(topics.Station("st-1", mobility.KindOnline), 1, false, []byte("false")).Wait()
			ev, _ := mobility.EncodeEvent("st-1", mobility.Event{TS: time.Now(), Type: mobility.EventBikeDocked, Dock: 2, BikeID: "bk-2"})
			pub.Publish(topics.Station("st-1", mobility.KindEvents), 1, false, ev).Wait()
			testutil.Eventually(t, 5*time.Second, "three messages", func() bool { return s.count(func(mobility.Telemetry) bool { return true }) == 3 })
			if n := s.count(func(t mobility.Telemetry) bool {
				return t.Status != nil && t.StationID == "st-1" && len(t.Status.Docks) == 2 && t.Status.Docks[0].BikeID == "bk-1"
			}); n != 1 {
				t.Errorf("status decoded %d times, want 1", n)
			}
			if n := s.count(func(t mobility.Telemetry) bool { return t.Online != nil && !t.Online.Online }); n != 1 {
				t.Errorf("online=false decoded %d times", n)
			}
			if n := s.count(func(t mobility.Telemetry) bool { return t.Event != nil && t.Event.BikeID == "bk-2" }); n != 1 {
				t.Errorf("event decoded %d times", n)
			}
		})
	}
}

func TestMalformedFloodDoesNotStopValidMessages(t *testing.T) {
	for _, b := range brokers(t) {
		t.Run(b.Name(), func(t *testing.T) {
			root := mqtttest.Root(t)
			s := &sink{}
			_, reg := startClient(t, b.URL(), root, s)
			pub := publisher(t, b.URL())
			topics := mqtt.Topics{Root: root}
			const flood, valid = 3000, 50
			base := time.Now().UTC().Truncate(time.Millisecond)
			var wg sync.WaitGroup
			wg.Add(2)
			go func() {
				defer wg.Done()
				garbage := [][]byte{[]byte("{"), []byte(`{"v":2,"ts":"2026-01-01T00:00:00Z"}`), []byte(`{"v":1}`), []byte("\x00\xff"), []byte(`{"v":1,"ts":"yesterday"}`)}
				for i := range flood {
					pub.Publish(topics.Station(fmt.Sprintf("bad-%d", i%7), mobility.KindStatus), 0, false, garbage[i%len(garbage)])
				}
			}()
			go func() {
				defer wg.Done()
				for i := range valid {
					pub.Publish(topics.Station("good", mobility.KindStatus), 1, false, status("good", base.Add(time.Duration(i)*time.Millisecond), "bk-1")).Wait()
				}
			}()
			wg.Wait()
			// The valid station's newest status arrives (older ones may
			// have been replaced by it while waiting, never the reverse).
			newest := base.Add(time.Duration(valid-1) * time.Millisecond)
			testutil.Eventually(t, 10*time.Second, "the newest valid status", func() bool {
				return s.count(func(t mobility.Telemetry) bool { return t.StationID == "good" && t.Status.TS.Equal(newest) }) == 1
			})
			var last time.Time
			for _, m := range s.snapshot() {
				if m.StationID == "good" {
					if m.Status.TS.Before(last) {
						t.Errorf("status of %s reached the sink after the one of %s", m.Status.TS, last)
					}
					last = m.Status.TS
				}
			}
			// A garbage status that a newer one of its station replaced
			// while waiting is counted as superseded, never read; so the
			// flood is accounted for by both counters together.
			// The last garbage of each station is never superseded, so some
			// are read and counted malformed, possibly after the others.
			testutil.Eventually(t, 10*time.Second, "malformed counted, and with the superseded more than half the flood", func() bool {
				malformed := mqtttest.Counter(t, reg, "cityhub_mqtt_malformed_total", "")
				return malformed > 0 && malformed+mqtttest.Counter(t, reg, "cityhub_mqtt_superseded_total", "") > flood/2
			})
			if n := s.count(func(t mobility.Telemetry) bool { return t.StationID != "good" }); n != 0 {
				t.Errorf("%d malformed messages reached the sink", n)
			}
		})
	}
}

// Issue 9: one retained status stamped 9999-12-31 froze a station for good.
// A message stamped more than the allowed clock skew ahead of the hub is
// refused before it reaches the service, and counted as such (not as
// malformed), over a real broker.
func TestFutureTimestampRefusedAndCounted(t *testing.T) {
	for _, b := range brokers(t) {
		t.Run(b.Name(), func(t *testing.T) {
			root := mqtttest.Root(t)
			s := &sink{}
			logs := &testutil.Buffer{}
			_, reg := startClientWith(t, mqtt.Options{URL: b.URL(), Root: root, MaxBackoff: time.Second,
				Log: slog.New(slog.NewTextHandler(logs, nil))}, s)
			pub := publisher(t, b.URL())
			topics := mqtt.Topics{Root: root}
			far := time.Date(9999, 12, 31, 23, 59, 59, 0, time.UTC)
			pub.Publish(topics.Station("st-ahead", mobility.KindStatus), 1, false, status("st-ahead", far, "bk-1")).Wait()
			ev, _ := mobility.EncodeEvent("st-ahead", mobility.Event{TS: time.Now().Add(mobility.MaxClockSkew + time.Hour),
				Type: mobility.EventBikeDocked, Dock: 2, BikeID: "bk-2"})
			pub.Publish(topics.Station("st-ahead", mobility.KindEvents), 1, false, ev).Wait()
			// Within the skew: a station clock a little fast is fine.
			pub.Publish(topics.Station("st-fast", mobility.KindStatus), 1, false,
				status("st-fast", time.Now().Add(mobility.MaxClockSkew/2), "bk-3")).Wait()

			testutil.Eventually(t, 5*time.Second, "two messages refused as future_ts", func() bool {
				return mqtttest.Counter(t, reg, "cityhub_mqtt_refused_total", "future_ts") == 2
			})
			testutil.Eventually(t, 5*time.Second, "the status within the skew", func() bool {
				return s.count(func(t mobility.Telemetry) bool { return t.StationID == "st-fast" }) == 1
			})
			if n := s.count(func(t mobility.Telemetry) bool { return t.StationID == "st-ahead" }); n != 0 {
				t.Errorf("%d messages stamped in the future reached the sink", n)
			}
			if n := mqtttest.Counter(t, reg, "cityhub_mqtt_malformed_total", ""); n != 0 {
				t.Errorf("%v messages counted as malformed, want 0", n)
			}
			// Logged as docs/mqtt.md and the counter call it: refused, not
			// malformed; once for the station in the minute.
			got := logs.String()
			if strings.Contains(got, "malformed") || strings.Count(got, "refused message stamped more than 2 minutes ahead of the hub's clock") != 1 ||
				!strings.Contains(got, "reason=future_ts") {
				t.Errorf("logs, want one refusal with reason future_ts:\n%s", got)
			}
		})
	}
}

// The embedded broker splits a $share/ group between subscribers like
// Mosquitto does, so hub replicas share the load on either broker.
func TestSharedSubscriptionSplitsTelemetry(t *testing.T) {
	for _, b := range brokers(t) {
		t.Run(b.Name(), func(t *testing.T) {
			root := mqtttest.Root(t)
			s1, s2 := &sink{}, &sink{}
			c1, _ := startClient(t, b.URL(), root, s1)
			c2, _ := startClient(t, b.URL(), root, s2)
			pub := publisher(t, b.URL())
			topics := mqtt.Topics{Root: root}
			const n = 200
			for i := range n {
				pub.Publish(topics.Station(fmt.Sprintf("st-%d", i%10), mobility.KindStatus), 1, false, status("", time.Now(), "bk-1")).Wait()
			}
			all := func(mobility.Telemetry) bool { return true }
			// Each message reached one hub's sink, or was replaced there by
			// a newer status of its station.
			got := func() int { return s1.count(all) + s2.count(all) + int(c1.Superseded()+c2.Superseded()) }
			testutil.Eventually(t, 10*time.Second, "all messages once", func() bool { return got() == n })
			if s1.count(all) == 0 || s2.count(all) == 0 {
				t.Errorf("no split: %d and %d", s1.count(all), s2.count(all))
			}
			// Nothing more is coming: each hub gets its messages in the
			// broker's order, so once each has had a marker sent after the
			// 200 (the group hands them out in turn), any copy it was to get
			// came before.
			marker := func(tm mobility.Telemetry) bool { return strings.HasPrefix(tm.StationID, "marker-") }
			markers := 0
			testutil.Eventually(t, 10*time.Second, "a marker at each hub", func() bool {
				if s1.count(marker) > 0 && s2.count(marker) > 0 {
					return true
				}
				markers++
				st := fmt.Sprintf("marker-%d", markers)
				pub.Publish(topics.Station(st, mobility.KindStatus), 1, false, status("", time.Now(), "bk-1")).Wait()
				return false
			})
			if got := got() - s1.count(marker) - s2.count(marker); got != n {
				t.Errorf("delivered %d, want exactly %d", got, n)
			}
		})
	}
}

// A station that answers unlock commands on the reply topic they name.
func answer(t *testing.T, url, root, station, result, code string) {
	t.Helper()
	c := publisher(t, url)
	tok := c.Subscribe(mqtt.Topics{Root: root}.Commands(station), 1, func(c paho.Client, m paho.Message) {
		cmd, err := mobility.DecodeCommand(m.Payload())
		if err != nil {
			t.Errorf("command: %v", err)
			return
		}
		p, _ := mobility.EncodeReply(mobility.Reply{RequestID: cmd.RequestID, StationID: station, Result: result, Error: code, TS: time.Now()})
		go c.Publish(cmd.ReplyTo, 1, false, p)
	})
	tok.Wait()
}

func TestUnlockRoundTrip(t *testing.T) {
	for _, b := range brokers(t) {
		t.Run(b.Name(), func(t *testing.T) {
			root := mqtttest.Root(t)
			c, _ := startClient(t, b.URL(), root, &sink{})
			answer(t, b.URL(), root, "st-ok", mobility.ReplyOK, "")
			answer(t, b.URL(), root, "st-err", mobility.ReplyError, mobility.ErrCodeNoBike)
			ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
			defer cancel()
			r, err := c.Unlock(ctx, mobility.UnlockCommand{RequestID: "r1", StationID: "st-ok", Dock: 1, BikeID: "bk-1", Deadline: time.Now().Add(30 * time.Second)})
			if err != nil || r.Result != mobility.ReplyOK || r.RequestID != "r1" {
				t.Fatalf("ok unlock: %+v %v", r, err)
			}
			r, err = c.Unlock(ctx, mobility.UnlockCommand{RequestID: "r2", StationID: "st-err", Dock: 1, Deadline: time.Now().Add(30 * time.Second)})
			if err != nil || r.Result != mobility.ReplyError || r.Error != mobility.ErrCodeNoBike {
				t.Fatalf("error unlock: %+v %v", r, err)
			}
			short, cancel2 := context.WithTimeout(context.Background(), 300*time.Millisecond)
			defer cancel2()
			start := time.Now()
			_, err = c.Unlock(short, mobility.UnlockCommand{RequestID: "r3", StationID: "st-silent", Dock: 1, Deadline: time.Now().Add(300 * time.Millisecond)})
			// Bounded to tell "gave up with its context" from "hung", not to
			// time it: a loaded machine may take a while to run it again.
			if !errors.Is(err, context.DeadlineExceeded) || time.Since(start) > 10*time.Second {
				t.Fatalf("silent station: %v after %s", err, time.Since(start))
			}
		})
	}
}

// The broker goes away and comes back: unlocks fail at once meanwhile, and
// the hub resubscribes and resumes within 10 s.
func TestBrokerRestart(t *testing.T) {
	for _, b := range []mqtttest.Broker{mqtttest.StartMosquitto(t), mqtttest.StartEmbedded(t)} {
		t.Run(b.Name(), func(t *testing.T) {
			root := mqtttest.Root(t)
			s := &sink{}
			c, _ := startClient(t, b.URL(), root, s)
			pub := publisher(t, b.URL())
			topics := mqtt.Topics{Root: root}
			pub.Publish(topics.Station("st-r", mobility.KindStatus), 1, false, status("st-r", time.Now(), "bk-1")).Wait()
			testutil.Eventually(t, 5*time.Second, "first status", func() bool { return s.count(func(mobility.Telemetry) bool { return true }) == 1 })

			b.Stop()
			testutil.Eventually(t, 5*time.Second, "client sees the outage", func() bool { return !c.Connected() })
			start := time.Now()
			// "At once": well before the command's minute, however slowly a
			// loaded machine runs the test.
			_, err := c.Unlock(context.Background(), mobility.UnlockCommand{RequestID: "x", StationID: "st-r", Dock: 1, Deadline: time.Now().Add(time.Minute)})
			if !apperr.Has(err, apperr.Unavailable) || time.Since(start) > 10*time.Second {
				t.Fatalf("unlock during outage: %v after %s", err, time.Since(start))
			}
			b.Start(t)
			restarted := time.Now()
			testutil.Eventually(t, 10*time.Second, "hub resubscribed", c.Connected)
			// Publish until one arrives: the publisher reconnects on its own schedule.
			testutil.Eventually(t, 10*time.Second, "telemetry resumes", func() bool {
				pub.Publish(topics.Station("st-r", mobility.KindStatus), 1, false, status("st-r", time.Now(), "bk-2"))
				return s.count(func(t mobility.Telemetry) bool { return t.Status != nil && t.Status.Docks[0].BikeID == "bk-2" }) > 0
			})
			if d := time.Since(restarted); d > 10*time.Second {
				t.Errorf("resumed after %s", d)
			}
			t.Logf("%s: resumed %s after the broker came back", b.Name(), time.Since(restarted).Round(time.Millisecond))
		})
	}
}

// Shared subscriptions never deliver retained messages; a hub that starts
// after its stations still reads their retained status and online flag.
func TestRetainedStateReadOnConnect(t *testing.T) {
	for _, b := range brokers(t) {
		t.Run(b.Name(), func(t *testing.T) {
			root := mqtttest.Root(t)
			pub := publisher(t, b.URL())
			topics := mqtt.Topics{Root: root}
			for i := range 20 {
				st := fmt.Sprintf("st-%d", i)
				pub.Publish(topics.Station(st, mobility.KindStatus), 1, true, status(st, time.Now(), "bk-"+st)).Wait()
				pub.Publish(topics.Station(st, mobility.KindOnline), 1, true, []byte("true")).Wait()
			}
			t.Cleanup(func() {
				for i := range 20 { // clear the retained messages
					st := fmt.Sprintf("st-%d", i)
					pub.Publish(topics.Station(st, mobility.KindStatus), 1, true, []byte{}).Wait()
					pub.Publish(topics.Station(st, mobility.KindOnline), 1, true, []byte{}).Wait()
				}
			})
			s := &sink{}
			startClient(t, b.URL(), root, s)
			testutil.Eventually(t, 5*time.Second, "20 retained statuses and 20 online flags", func() bool {
				return s.count(func(t mobility.Telemetry) bool { return t.Status != nil }) >= 20 &&
					s.count(func(t mobility.Telemetry) bool { return t.Online != nil && t.Online.Online }) >= 20
			})
			// Live traffic afterwards comes once.
			pub.Publish(topics.Station("st-0", mobility.KindStatus), 1, false, status("st-0", time.Now(), "bk-x")).Wait()
			// A marker sent after it on another station: once it is in,
			// any second copy of the live status would have come before.
			pub.Publish(topics.Station("st-1", mobility.KindStatus), 1, false, status("st-1", time.Now(), "bk-marker")).Wait()
			testutil.Eventually(t, 5*time.Second, "the marker after the live status", func() bool {
				return s.count(func(t mobility.Telemetry) bool {
					return t.Status != nil && t.StationID == "st-1" && t.Status.Docks[0].BikeID == "bk-marker"
				}) == 1
			})
			live := func(t mobility.Telemetry) bool {
				return t.Status != nil && t.StationID == "st-0" && t.Status.Docks[0].BikeID == "bk-x"
			}
			if n := s.count(live); n != 1 {
				t.Errorf("a live status arrived %d times", n)
			}
		})
	}
}

// Malformed messages are counted one by one but logged at most once per
// station per minute.
func TestMalformedLoggedOncePerStationPerMinute(t *testing.T) {
	b := mqtttest.StartEmbedded(t)
	root := mqtttest.Root(t)
	logs := &testutil.Buffer{}
	reg := prometheus.NewRegistry()
	c, err := mqtt.New(mqtt.Options{URL: b.URL(), Root: root, Registry: reg, Log: slog.New(slog.NewTextHandler(logs, nil))})
	if err != nil {
		t.Fatal(err)
	}
	if err := c.Start(context.Background(), &sink{}); err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	testutil.Eventually(t, 5*time.Second, "connected", c.Connected)
	pub := publisher(t, b.URL())
	topics := mqtt.Topics{Root: root}
	for i := range 300 {
		pub.Publish(topics.Station(fmt.Sprintf("noisy-%d", i%3), mobility.KindEvents), 1, false, []byte(`{"v":1,"event":"nope"}`)).Wait()
	}
	testutil.Eventually(t, 5*time.Second, "300 counted", func() bool { return mqtttest.Counter(t, reg, "cityhub_mqtt_malformed_total", "") == 300 })
	if n := strings.Count(logs.String(), "dropped malformed message"); n != 3 {
		t.Errorf("%d log lines for 3 noisy stations, want 3", n)
	}
}
