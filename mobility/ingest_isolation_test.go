package mobility_test

import (
	"context"
	"errors"
	"sync"
	"testing"
	"time"

	paho "github.com/eclipse/paho.mqtt.golang"
	"github.com/prometheus/client_golang/prometheus"

	"cityhub/identity"
	"cityhub/ids"
	"cityhub/internal/testutil"
	"cityhub/mobility"
	"cityhub/mobility/mobilitytest"
	"cityhub/mqtt"
	"cityhub/mqtt/mqtttest"
	"cityhub/simulator"
	"cityhub/store"
)

// refusingStore is the service with a store that cannot take one station's
// messages: every transaction holding one fails, as PostgreSQL failed a
// batch holding a NUL in a fault code (SQLSTATE 22P05), which the codec now
// refuses, so the test makes the failure here.
type refusingStore struct {
	*mobility.Service
	bad string

	mu    sync.Mutex
	mixed int // refused batches that held other stations' messages too
}

func (s *refusingStore) Ingest(ctx context.Context, c identity.Caller, batch []mobility.Telemetry) error {
	bad, other := false, false
	for _, t := range batch {
		if t.StationID == s.bad {
			bad = true
		} else {
			other = true
		}
	}
	if bad {
		s.mu.Lock()
		if other {
			s.mixed++
		}
		s.mu.Unlock()
		return errors.New("save station states: ERROR: unsupported Unicode escape sequence (SQLSTATE 22P05)")
	}
	return s.Service.Ingest(ctx, c, batch)
}

// A batch the store refused was offered again whole and then dropped, so
// one station's bad message cost every other station in the batch its
// status and its events (a bike_docked that ends a ride among them). Now the
// worker splits the refused batch until it finds the message refused: the
// other station's status and its docking are applied, and only the bad
// station's message is dropped, after its tries.
func TestIngestIsolatesARefusedStation(t *testing.T) {
	t.Parallel()
	combos(t, false, func(t *testing.T, db store.DB, url string) {
		ctx := context.Background()
		svc := mobilitytest.NewService(db.Mobility(), nil)
		stations := simulator.Layout("iso"+ids.Token(8)[:6], 2, 4)
		if err := simulator.SeedCatalogue(ctx, svc, stations); err != nil {
			t.Fatal(err)
		}
		good, bad := stations[0], stations[1]
		s := &refusingStore{Service: svc, bad: bad.ID}
		root := mqtttest.Root(t)
		reg := prometheus.NewRegistry()
		// A long linger: everything published below lands in one batch.
		c, err := mqtt.New(mqtt.Options{URL: url, Root: root, Registry: reg, IngestLinger: time.Second})
		if err != nil {
			t.Fatal(err)
		}
		if err := c.Start(ctx, s); err != nil {
			t.Fatal(err)
		}
		t.Cleanup(c.Close)
		testutil.Eventually(t, 10*time.Second, "hub connected", c.Connected)

		pub := paho.NewClient(paho.NewClientOptions().AddBroker(url).SetClientID("iso-" + root[:10]))
		if tok := pub.Connect(); !tok.WaitTimeout(30*time.Second) || tok.Error() != nil {
			t.Fatal(tok.Error())
		}
		defer pub.Disconnect(50)
		topics := mqtt.Topics{Root: root}
		now := time.Now().UTC()
		publish := func(station string, kind mobility.Kind, p []byte) {
			t.Helper()
			if tok := pub.Publish(topics.Station(station, kind), 1, false, p); !tok.WaitTimeout(10*time.Second) || tok.Error() != nil {
				t.Fatalf("publish: %v", tok.Error())
			}
		}
		st := func(id string, bike string, ts time.Time) []byte {
			p, _ := mobility.EncodeStatus(id, mobility.StatusReport{TS: ts, Online: true,
				Docks: []mobility.DockState{{Dock: 1, BikeID: bike, Locked: true}, {Dock: 2, Locked: true}}})
			return p
		}
		publish(bad.ID, mobility.KindStatus, st(bad.ID, bad.Bikes[0].ID, now))
		publish(good.ID, mobility.KindStatus, st(good.ID, good.Bikes[0].ID, now))
		docked, _ := mobility.EncodeEvent(good.ID, mobility.Event{TS: now.Add(time.Millisecond), Type: mobility.EventBikeDocked, Dock: 2, BikeID: good.Bikes[1].ID})
		publish(good.ID, mobility.KindEvents, docked)

		state := func() mobility.StationState {
			var out mobility.StationState
			_ = db.Mobility().View(ctx, func(tx mobility.Tx) error {
				out, _ = tx.StationState(ctx, good.ID)
				return nil
			})
			return out
		}
		testutil.Eventually(t, 20*time.Second, "the good station's status and docking applied", func() bool {
			s := state()
			d1, _ := s.Dock(1)
			d2, _ := s.Dock(2)
			return d1.BikeID == good.Bikes[0].ID && d2.BikeID == good.Bikes[1].ID
		})
		testutil.Eventually(t, 20*time.Second, "the bad station's status dropped after its tries", func() bool {
			return mqtttest.Counter(t, reg, "cityhub_mqtt_dropped_total", "status") == 1 && c.Backlog() == 0
		})
		s.mu.Lock()
		mixed := s.mixed
		s.mu.Unlock()
		if mixed == 0 {
			t.Error("the bad station's status never shared a batch with the good station's messages: the test proves nothing")
		}
		if n := mqtttest.Counter(t, reg, "cityhub_mqtt_dropped_total", "events"); n != 0 {
			t.Errorf("%v events dropped, want none", n)
		}
	})
}
