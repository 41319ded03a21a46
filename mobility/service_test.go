package mobility_test

import (
	"context"
	"fmt"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	paho "github.com/eclipse/paho.mqtt.golang"

	"cityhub/apperr"
	"cityhub/identity"
	"cityhub/internal/testutil"
	"cityhub/mobility"
	"cityhub/mobility/mobilitytest"
	"cityhub/mqtt"
	"cityhub/mqtt/mqtttest"
	"cityhub/simulator"
	"cityhub/store"
	"cityhub/store/storetest"
	"cityhub/wallet"
)

// combos runs fn on PostgreSQL with the shared Mosquitto and on SQLite with
// the embedded broker; all=true runs every engine with every broker.
func combos(t *testing.T, all bool, fn func(t *testing.T, db store.DB, url string)) {
	type combo struct{ engine, broker string }
	cs := []combo{{"postgres", "mosquitto"}, {"sqlite", "embedded"}}
	if all {
		cs = append(cs, combo{"postgres", "embedded"}, combo{"sqlite", "mosquitto"})
	}
	for _, c := range cs {
		t.Run(c.engine+"+"+c.broker, func(t *testing.T) {
			t.Parallel()
			url := mqtttest.URL()
			if c.broker == "embedded" {
				url = mqtttest.StartEmbedded(t).URL()
			}
			fn(t, storetest.Open(t, c.engine), url)
		})
	}
}

func ride(t *testing.T, e *mobilitytest.Env, rider string) mobility.RideView {
	t.Helper()
	v, err := e.Svc.CurrentRide(context.Background(), mobilitytest.Citizen(rider))
	if err != nil {
		t.Fatalf("current ride: %v", err)
	}
	return v
}

func TestTelemetryUpdatesStationState(t *testing.T) {
	t.Parallel()
	combos(t, true, func(t *testing.T, db store.DB, url string) {
		e := mobilitytest.New(t, db, url, mobilitytest.Options{})
		ctx := context.Background()
		for _, st := range e.Stations {
			s, err := e.StationState(st.ID)
			if err != nil {
				t.Fatal(err)
			}
			for dock, bike := range e.Sim.BikesAt(st.ID) {
				if d, ok := s.Dock(dock); !ok || d.BikeID != bike || !d.Locked {
					t.Errorf("%s dock %d: hub has %+v, station has %s", st.ID, dock, d, bike)
				}
			}
			if s.LastReported.IsZero() || time.Since(s.LastReported) > time.Minute {
				t.Errorf("last_reported %s", s.LastReported)
			}
		}
		list, err := e.Svc.StationList(ctx, &mobility.LatLon{Lat: e.Stations[2].Lat, Lon: e.Stations[2].Lon})
		if err != nil {
			t.Fatal(err)
		}
		if len(list) != 3 || list[0].ID != e.Stations[2].ID || *list[0].DistanceMeters != 0 {
			t.Fatalf("nearest first: %+v", list[0])
		}
		for _, v := range list {
			if !v.Online || v.BikesAvailable != 4 || v.EBikesAvailable != 1 || v.DocksAvailable != 2 || !v.Renting {
				t.Errorf("%s: %+v", v.ID, v)
			}
		}
		occ, err := e.Svc.Occupancy24h(ctx, identity.System(), e.Stations[0].ID)
		if err != nil || len(occ) == 0 || occ[len(occ)-1].Bikes != 4 {
			t.Errorf("occupancy %+v %v", occ, err)
		}
	})
}

// A message older than the state held never overwrites it, whatever order
// messages arrive in; online=false (the will) marks the station offline.
func TestOlderTelemetryNeverOverwrites(t *testing.T) {
	t.Parallel()
	storetest.Each(t, func(t *testing.T, db store.DB) {
		svc := mobility.NewService(db.Mobility(), nil, nil)
		ctx := context.Background()
		if err := simulator.SeedCatalogue(ctx, svc, simulator.Layout("st", 1, 4)); err != nil {
			t.Fatal(err)
		}
		t0 := time.Now().UTC().Truncate(time.Millisecond)
		status := func(at time.Time, bikes ...string) mobility.Telemetry {
			r := &mobility.StatusReport{TS: at, Online: true}
			for i, b := range bikes {
				r.Docks = append(r.Docks, mobility.DockState{Dock: i + 1, BikeID: b, Locked: b != ""})
			}
			return mobility.Telemetry{StationID: "st-001", Kind: mobility.KindStatus, Status: r, Received: time.Now()}
		}
		// Newest first, then an older one in the same batch and in a later batch.
		if err := svc.Ingest(ctx, identity.System(), []mobility.Telemetry{status(t0, "a", "b", "", ""), status(t0.Add(-time.Second), "", "", "", "")}); err != nil {
			t.Fatal(err)
		}
		if err := svc.Ingest(ctx, identity.System(), []mobility.Telemetry{status(t0.Add(-time.Minute), "", "", "", "")}); err != nil {
			t.Fatal(err)
		}
		v, err := svc.StationDetail(ctx, "st-001")
		if err != nil {
			t.Fatal(err)
		}
		if !v.LastReported.Equal(t0) || !v.Online {
			t.Fatalf("state went back in time: %+v", v)
		}
		var st mobility.StationState
		db.Mobility().View(ctx, func(tx mobility.Tx) error { st, err = tx.StationState(ctx, "st-001"); return err })
		if st.Bikes() != 2 {
			t.Fatalf("bikes = %d, want 2", st.Bikes())
		}
		// All empty, newer: empty since then.
		if err := svc.Ingest(ctx, identity.System(), []mobility.Telemetry{status(t0.Add(time.Second), "", "", "", "")}); err != nil {
			t.Fatal(err)
		}
		if err := svc.Ingest(ctx, identity.System(), []mobility.Telemetry{{StationID: "st-001", Kind: mobility.KindOnline, Online: &mobility.OnlineReport{Online: false}, Received: time.Now()}}); err != nil {
			t.Fatal(err)
		}
		ov, err := svc.OperatorOverview(ctx, identity.System())
		if err != nil {
			t.Fatal(err)
		}
		o := ov.Stations[0]
		if !o.Offline || !o.Empty || !o.EmptySince.Equal(t0.Add(time.Second)) || o.Full {
			t.Errorf("overview: %+v", o)
		}
		if svc.Applied() != 5 {
			t.Errorf("applied = %d", svc.Applied())
		}
	})
}

func TestUnlockRideAndDock(t *testing.T) {
	t.Parallel()
	combos(t, true, func(t *testing.T, db store.DB, url string) {
		e := mobilitytest.New(t, db, url, mobilitytest.Options{})
		ctx := context.Background()
		rider := e.Rider(t, 1000)
		st := e.Stations[0]
		r, err := e.Svc.Unlock(ctx, mobilitytest.Citizen(rider), mobility.UnlockRequest{StationID: st.ID, Dock: 1})
		if err != nil {
			t.Fatalf("unlock: %v", err)
		}
		if r.Status != mobility.RideActive || r.BikeID != st.Bikes[0].ID || r.StartedAt.IsZero() {
			t.Fatalf("ride %+v", r)
		}
		if v := ride(t, e, rider); v.ID != r.ID || v.CostCents < 100 {
			t.Errorf("current ride %+v", v)
		}
		// The hub sees the bike leave; nobody else can take it meanwhile.
		testutil.Eventually(t, 5*time.Second, "bike gone from the station", func() bool {
			s, _ := e.StationState(st.ID)
			_, there := s.DockOfBike(r.BikeID)
			return !there
		})
		to, dock, err := e.Sim.Dock(r.BikeID, e.Stations[1].ID)
		if err != nil {
			t.Fatal(err)
		}
		var ended mobility.RideView
		testutil.Eventually(t, 5*time.Second, "ride ended by bike_docked", func() bool {
			h, err := e.Svc.RideHistory(ctx, mobilitytest.Citizen(rider), time.Time{}, 10)
			if err != nil || len(h) != 1 {
				return false
			}
			ended = h[0]
			return ended.Status == mobility.RideEnded
		})
		// A ride of a few seconds: the unlock fee, plus 0.10 EUR once a second has begun the first minute.
		fare := ended.Plan.Fare(ended.EndedAt.Sub(ended.StartedAt))
		if ended.EndStation != to || ended.EndDock != dock || ended.FareCents != fare || (fare != 100 && fare != 110) || ended.LedgerTxID == "" {
			t.Errorf("ended ride %+v", ended)
		}
		if b := e.Balance(t, rider); b != 1000-fare {
			t.Errorf("balance %d, want %d", b, 1000-fare)
		}
		if _, err := e.Svc.CurrentRide(ctx, mobilitytest.Citizen(rider)); !apperr.Has(err, apperr.NotFound) {
			t.Errorf("current ride after docking: %v", err)
		}
		if v, err := e.Svc.RideOf(ctx, mobilitytest.Citizen(rider), r.ID); err != nil || v.FareCents != fare {
			t.Errorf("ride of its rider: %+v %v", v, err)
		}
		if _, err := e.Svc.RideOf(ctx, mobilitytest.Citizen(e.Rider(t, 0)), r.ID); !apperr.Has(err, apperr.NotFound) {
			t.Errorf("someone else's ride: %v", err)
		}
		snap, err := e.Svc.Snapshot(ctx)
		if err != nil || snap.Trips[r.BikeID] != 1 || len(snap.OpenRides) != 0 {
			t.Errorf("snapshot after the trip: trips %v, open rides %d, %v", snap.Trips, len(snap.OpenRides), err)
		}
	})
}

func TestUnlockFailuresChargeNothing(t *testing.T) {
	t.Parallel()
	combos(t, false, func(t *testing.T, db store.DB, url string) {
		e := mobilitytest.New(t, db, url, mobilitytest.Options{UnlockTimeout: 700 * time.Millisecond})
		ctx := context.Background()
		rider := e.Rider(t, 1000)
		st := e.Stations[0]

		t.Run("station error", func(t *testing.T) {
			e.Sim.SetBehaviour(1, 0, 0)
			_, err := e.Svc.Unlock(ctx, mobilitytest.Citizen(rider), mobility.UnlockRequest{StationID: st.ID, Dock: 1})
			if !apperr.Has(err, apperr.Unavailable) || apperr.ReasonOf(err) != "station_refused:dock_fault" {
				t.Fatalf("err = %v", err)
			}
		})
		t.Run("wrong bike at dock", func(t *testing.T) {
			e.Sim.SetBehaviour(0, 0, 0)
			_, err := e.Svc.Unlock(ctx, mobilitytest.Citizen(rider), mobility.UnlockRequest{StationID: st.ID, Dock: 1, BikeID: st.Bikes[1].ID})
			if !apperr.Has(err, apperr.Conflict) {
				t.Fatalf("err = %v", err)
			}
		})
		t.Run("timeout", func(t *testing.T) {
			e.Sim.SetBehaviour(0, 1, 0)
			start := time.Now()
			_, err := e.Svc.Unlock(ctx, mobilitytest.Citizen(rider), mobility.UnlockRequest{StationID: st.ID, Dock: 2})
			if !apperr.Has(err, apperr.Unavailable) || apperr.ReasonOf(err) != "station_timeout" {
				t.Fatalf("err = %v", err)
			}
			if d := time.Since(start); d > 2*time.Second {
				t.Errorf("timeout took %s", d)
			}
		})
		t.Run("late answer after the deadline", func(t *testing.T) {
			e.Sim.SetBehaviour(0, 0, time.Second)
			_, err := e.Svc.Unlock(ctx, mobilitytest.Citizen(rider), mobility.UnlockRequest{StationID: st.ID, Dock: 3})
			if !apperr.Has(err, apperr.Unavailable) {
				t.Fatalf("err = %v", err)
			}
		})
		e.Sim.SetBehaviour(0, 0, 0)
		if _, err := e.Svc.CurrentRide(ctx, mobilitytest.Citizen(rider)); !apperr.Has(err, apperr.NotFound) {
			t.Errorf("a failed unlock left a ride: %v", err)
		}
		if b := e.Balance(t, rider); b != 1000 {
			t.Errorf("balance %d after failed unlocks", b)
		}
		h, _ := e.Svc.RideHistory(ctx, mobilitytest.Citizen(rider), time.Time{}, 10)
		for _, r := range h {
			if r.Status != mobility.RideFailed || r.FareCents != 0 {
				t.Errorf("history: %+v", r)
			}
		}
		// The late station's answer (refused: deadline) comes, and the hub,
		// no longer waiting, drops it.
		testutil.Eventually(t, 5*time.Second, "the late answer dropped", func() bool {
			return mqtttest.Counter(t, e.Metrics, "cityhub_mqtt_command_results_total", "unmatched") >= 1
		})
		if _, err := e.Svc.Unlock(ctx, mobilitytest.Citizen(rider), mobility.UnlockRequest{StationID: st.ID, Dock: 3}); err != nil {
			t.Fatalf("unlock after the failures: %v", err)
		}
	})
}

func TestUnlockRetryWithSameRequestID(t *testing.T) {
	t.Parallel()
	combos(t, false, func(t *testing.T, db store.DB, url string) {
		e := mobilitytest.New(t, db, url, mobilitytest.Options{Sim: func(c *simulator.Config) { c.ReplyDelay = 200 * time.Millisecond }})
		ctx := context.Background()
		rider := e.Rider(t, 1000)
		req := mobility.UnlockRequest{RequestID: "retry-1", StationID: e.Stations[0].ID, Dock: 1}
		var wg sync.WaitGroup
		rides := make([]mobility.Ride, 4)
		errs := make([]error, 4)
		for i := range rides {
			wg.Add(1)
			go func() {
				defer wg.Done()
				rides[i], errs[i] = e.Svc.Unlock(ctx, mobilitytest.Citizen(rider), req)
			}()
		}
		wg.Wait()
		for i := range rides {
			if errs[i] != nil || rides[i].ID != rides[0].ID || rides[i].Status != mobility.RideActive {
				t.Errorf("attempt %d: %+v %v", i, rides[i], errs[i])
			}
		}
		again, err := e.Svc.Unlock(ctx, mobilitytest.Citizen(rider), req)
		if err != nil || again.ID != rides[0].ID {
			t.Errorf("later retry: %+v %v", again, err)
		}
		if n := e.Sim.Unlocks(); n != 1 {
			t.Errorf("the station got %d commands, want 1", n)
		}
		other := e.Rider(t, 1000)
		if _, err := e.Svc.Unlock(ctx, mobilitytest.Citizen(other), req); !apperr.Has(err, apperr.Conflict) {
			t.Errorf("another rider reusing the request id: %v", err)
		}
	})
}

func TestTwoRidersRaceForOneBike(t *testing.T) {
	t.Parallel()
	combos(t, false, func(t *testing.T, db store.DB, url string) {
		e := mobilitytest.New(t, db, url, mobilitytest.Options{})
		ctx := context.Background()
		const n = 8
		riders := make([]string, n)
		for i := range riders {
			riders[i] = e.Rider(t, 1000)
		}
		var ok, conflict atomic.Int32
		var wg sync.WaitGroup
		start := make(chan struct{})
		for _, r := range riders {
			wg.Add(1)
			go func() {
				defer wg.Done()
				<-start
				_, err := e.Svc.Unlock(ctx, mobilitytest.Citizen(r), mobility.UnlockRequest{StationID: e.Stations[0].ID, Dock: 1})
				switch {
				case err == nil:
					ok.Add(1)
				case apperr.Has(err, apperr.Conflict):
					conflict.Add(1)
				default:
					t.Errorf("unexpected: %v", err)
				}
			}()
		}
		close(start)
		wg.Wait()
		if ok.Load() != 1 || conflict.Load() != n-1 {
			t.Fatalf("%d unlocked, %d refused", ok.Load(), conflict.Load())
		}
		if u := e.Sim.Unlocks(); u != 1 {
			t.Errorf("station got %d commands", u)
		}
		// One rider, one ride: the winner cannot take a second bike.
		var winner string
		for _, r := range riders {
			if _, err := e.Svc.CurrentRide(ctx, mobilitytest.Citizen(r)); err == nil {
				winner = r
			}
		}
		if _, err := e.Svc.Unlock(ctx, mobilitytest.Citizen(winner), mobility.UnlockRequest{StationID: e.Stations[0].ID, Dock: 2}); apperr.ReasonOf(err) != "ride_open" {
			t.Errorf("second ride: %v", err)
		}
	})
}

func TestDoubleBikeDockedChargesOnce(t *testing.T) {
	t.Parallel()
	combos(t, false, func(t *testing.T, db store.DB, url string) {
		e := mobilitytest.New(t, db, url, mobilitytest.Options{})
		ctx := context.Background()
		rider := e.Rider(t, 1000)
		st := e.Stations[0]
		r, err := e.Svc.Unlock(ctx, mobilitytest.Citizen(rider), mobility.UnlockRequest{StationID: st.ID, Dock: 1})
		if err != nil {
			t.Fatal(err)
		}
		// A station that sends its docking event twice, and once more late.
		pub := paho.NewClient(paho.NewClientOptions().AddBroker(url).SetClientID("dup-" + r.ID[5:15]))
		if tok := pub.Connect(); !tok.WaitTimeout(5*time.Second) || tok.Error() != nil {
			t.Fatal(tok.Error())
		}
		defer pub.Disconnect(50)
		ev, _ := mobility.EncodeEvent(e.Stations[1].ID, mobility.Event{TS: time.Now(), Type: mobility.EventBikeDocked, Dock: 6, BikeID: r.BikeID})
		topic := mqtt.Topics{Root: e.Root}.Station(e.Stations[1].ID, mobility.KindEvents)
		var wg sync.WaitGroup
		for range 2 {
			wg.Add(1)
			go func() { defer wg.Done(); pub.Publish(topic, 1, false, ev).Wait() }()
		}
		wg.Wait()
		testutil.Eventually(t, 5*time.Second, "ride ended", func() bool {
			_, err := e.Svc.CurrentRide(ctx, mobilitytest.Citizen(rider))
			return apperr.Has(err, apperr.NotFound)
		})
		pub.Publish(topic, 1, false, ev).Wait()
		if _, _, err := e.Svc.EndRide(ctx, identity.System(), r.BikeID, e.Stations[1].ID, 6, time.Now()); err != nil {
			t.Fatal(err)
		}
		// The hub applies a station's events in the order it sent them: once
		// a dock fault sent after the late docking shows, that docking was
		// applied too.
		marker, _ := mobility.EncodeEvent(e.Stations[1].ID, mobility.Event{TS: time.Now(), Type: mobility.EventDockFault, Dock: 1, Fault: "after_late_docking"})
		pub.Publish(topic, 1, false, marker).Wait()
		testutil.Eventually(t, 5*time.Second, "the dock fault sent after the late docking", func() bool {
			s, err := e.StationState(e.Stations[1].ID)
			d, ok := s.Dock(1)
			return err == nil && ok && d.Fault == "after_late_docking"
		})
		h, _ := e.Svc.RideHistory(ctx, mobilitytest.Citizen(rider), time.Time{}, 10)
		if len(h) != 1 || (h[0].FareCents != 100 && h[0].FareCents != 110) {
			t.Fatalf("history %+v", h)
		}
		if b := e.Balance(t, rider); b != 1000-h[0].FareCents {
			t.Errorf("balance %d: charged more than once", b)
		}
		if err := e.Wallet.Verify(ctx, wallet.CitizenAccount(rider)); err != nil {
			t.Error(err)
		}
	})
}

func TestCreditRules(t *testing.T) {
	t.Parallel()
	storetest.Each(t, func(t *testing.T, db store.DB) {
		e := mobilitytest.New(t, db, mqtttest.URL(), mobilitytest.Options{Stations: 2})
		ctx := context.Background()
		st := e.Stations[0]

		poor := e.Rider(t, 50)
		_, err := e.Svc.Unlock(ctx, mobilitytest.Citizen(poor), mobility.UnlockRequest{StationID: st.ID, Dock: 1})
		if !apperr.Has(err, apperr.InsufficientFunds) {
			t.Fatalf("unlock without credit: %v", err)
		}
		if n := e.Sim.Unlocks(); n != 0 {
			t.Errorf("a command went out for a rider without credit")
		}

		// A ten-hour ride costs 42.00 EUR on the standard plan: with 30.00
		// EUR the rider ends at -12.00 (the ride-overrun rule allows -20.00)
		// and may not unlock again; with 1.10 EUR it would pass -20.00, so the
		// ride ends unsettled and nothing is charged.
		var offset atomic.Int64
		e.Svc.SetClock(func() time.Time { return time.Now().Add(time.Duration(offset.Load())) })
		rich, short := e.Rider(t, 3000), e.Rider(t, 110)
		r1, err := e.Svc.Unlock(ctx, mobilitytest.Citizen(rich), mobility.UnlockRequest{StationID: st.ID, Dock: 1})
		if err != nil {
			t.Fatal(err)
		}
		r2, err := e.Svc.Unlock(ctx, mobilitytest.Citizen(short), mobility.UnlockRequest{StationID: st.ID, Dock: 2})
		if err != nil {
			t.Fatal(err)
		}
		offset.Store(int64(10 * time.Hour))
		ov, err := e.Svc.OperatorOverview(ctx, identity.System())
		if err != nil || len(ov.LongRides) != 2 {
			t.Errorf("long rides: %+v %v", ov.LongRides, err)
		}
		e1, ended, err := e.Svc.EndRide(ctx, identity.System(), r1.BikeID, e.Stations[1].ID, 5, r1.StartedAt.Add(10*time.Hour))
		if err != nil || !ended || e1.FareCents != 4200 || e1.Unsettled {
			t.Fatalf("rich ride end: %+v %v", e1, err)
		}
		if b := e.Balance(t, rich); b != -1200 {
			t.Errorf("rich balance %d, want -1200", b)
		}
		e2, _, err := e.Svc.EndRide(ctx, identity.System(), r2.BikeID, e.Stations[1].ID, 6, r2.StartedAt.Add(10*time.Hour))
		if err != nil || !e2.Unsettled || e2.LedgerTxID != "" {
			t.Fatalf("short ride end: %+v %v", e2, err)
		}
		if b := e.Balance(t, short); b != 110 {
			t.Errorf("short balance %d, want 110 (unsettled, not charged)", b)
		}
		offset.Store(0)
		_, err = e.Svc.Unlock(ctx, mobilitytest.Citizen(rich), mobility.UnlockRequest{StationID: st.ID, Dock: 3})
		if !apperr.Has(err, apperr.InsufficientFunds) {
			t.Errorf("unlock with negative credit: %v", err)
		}
	})
}

// The broker goes down: an unlock fails at once and charges nothing; the hub
// and the stations come back and unlocking works again.
func TestUnlockDuringBrokerOutage(t *testing.T) {
	t.Parallel()
	for _, name := range []string{"mosquitto", "embedded"} {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			var b mqtttest.Broker
			if name == "mosquitto" {
				b = mqtttest.StartMosquitto(t)
			} else {
				b = mqtttest.StartEmbedded(t)
			}
			e := mobilitytest.New(t, storetest.OpenSQLite(t), b.URL(), mobilitytest.Options{Stations: 2})
			ctx := context.Background()
			rider := e.Rider(t, 1000)
			b.Stop()
			testutil.Eventually(t, 5*time.Second, "hub notices", func() bool { return !e.Client.Connected() })
			start := time.Now()
			_, err := e.Svc.Unlock(ctx, mobilitytest.Citizen(rider), mobility.UnlockRequest{StationID: e.Stations[0].ID, Dock: 1})
			if !apperr.Has(err, apperr.Unavailable) || time.Since(start) > time.Second {
				t.Fatalf("unlock during outage: %v after %s", err, time.Since(start))
			}
			if _, err := e.Svc.CurrentRide(ctx, mobilitytest.Citizen(rider)); !apperr.Has(err, apperr.NotFound) {
				t.Errorf("ride left behind: %v", err)
			}
			b.Start(t)
			restarted := time.Now()
			testutil.Eventually(t, 10*time.Second, "hub resubscribed", e.Client.Connected)
			var r mobility.Ride
			testutil.Eventually(t, 10*time.Second, "unlock works again", func() bool {
				r, err = e.Svc.Unlock(ctx, mobilitytest.Citizen(rider), mobility.UnlockRequest{StationID: e.Stations[0].ID, Dock: 1})
				return err == nil
			})
			t.Logf("%s: unlock works %s after the broker came back", name, time.Since(restarted).Round(time.Millisecond))
			if _, _, err := e.Sim.Dock(r.BikeID, e.Stations[1].ID); err != nil {
				t.Fatal(err)
			}
			testutil.Eventually(t, 10*time.Second, "telemetry resumed: ride ended", func() bool {
				_, err := e.Svc.CurrentRide(ctx, mobilitytest.Citizen(rider))
				return apperr.Has(err, apperr.NotFound)
			})
			// The unlock during the outage left at most a failed ride, charging nothing.
			h, _ := e.Svc.RideHistory(ctx, mobilitytest.Citizen(rider), time.Time{}, 10)
			if b := e.Balance(t, rider); len(h) == 0 || h[0].Status != mobility.RideEnded || b != 1000-h[0].FareCents || h[0].FareCents < 100 {
				t.Errorf("balance %d, history %+v", b, h)
			}
			for _, r := range h[1:] {
				if r.Status != mobility.RideFailed || r.FareCents != 0 {
					t.Errorf("outage ride %+v", r)
				}
			}
		})
	}
}

func TestCatalogueRules(t *testing.T) {
	t.Parallel()
	storetest.Each(t, func(t *testing.T, db store.DB) {
		svc := mobility.NewService(db.Mobility(), nil, nil)
		ctx := context.Background()
		if err := simulator.SeedCatalogue(ctx, svc, simulator.Layout("cat", 2, 4)); err != nil {
			t.Fatal(err)
		}
		if err := simulator.SeedCatalogue(ctx, svc, simulator.Layout("cat", 2, 4)); err != nil {
			t.Fatalf("seeding twice: %v", err)
		}
		for _, tc := range []struct {
			name string
			err  error
			code apperr.Code
		}{
			{"plan in use", svc.DeletePricingPlan(ctx, identity.System(), "standard"), apperr.Conflict},
			{"type in use", svc.DeleteVehicleType(ctx, identity.System(), "bike"), apperr.Conflict},
			{"missing bike", svc.DeleteBike(ctx, identity.System(), "nope"), apperr.NotFound},
			{"missing station", svc.DeleteStation(ctx, identity.System(), "nope"), apperr.NotFound},
		} {
			if apperr.CodeOf(tc.err) != tc.code {
				t.Errorf("%s: %v, want %s", tc.name, tc.err, tc.code)
			}
		}
		if _, err := svc.PutBike(ctx, identity.System(), mobility.Bike{ID: "b1", VehicleTypeID: "rocket", Active: true}); !apperr.Has(err, apperr.Invalid) {
			t.Errorf("bike of unknown type: %v", err)
		}
		if _, err := svc.SetDockService(ctx, identity.System(), "cat-001", 9, false, ""); !apperr.Has(err, apperr.Invalid) {
			t.Errorf("dock beyond capacity: %v", err)
		}
		if _, err := svc.SetDockService(ctx, identity.System(), "cat-001", 2, false, "broken lock"); err != nil {
			t.Fatal(err)
		}
		docks, _ := svc.Docks(ctx, identity.System(), "cat-001")
		if len(docks) != 1 || docks[0].InService || docks[0].Note != "broken lock" {
			t.Errorf("docks %+v", docks)
		}
		st, err := svc.SetStationOpen(ctx, identity.System(), "cat-002", false)
		if err != nil || st.Open {
			t.Fatalf("close: %+v %v", st, err)
		}
		got, _ := svc.Station(ctx, identity.System(), "cat-002")
		if got.Open || got.NameEN != "Station 2" || got.CreatedAt.IsZero() {
			t.Errorf("station %+v", got)
		}
		plans, _ := svc.PricingPlans(ctx, identity.System())
		if len(plans) != 2 || plans[1].ID != "standard" || len(plans[1].PerMin) != 2 || plans[1].PerMin[1].RateCents != 200 {
			t.Errorf("plans %+v", plans)
		}
		// The store refuses a second open ride for one bike even without the
		// service's checks (another hub replica racing).
		err = db.Mobility().InTx(ctx, func(tx mobility.Tx) error {
			for i := range 2 {
				if err := tx.InsertRide(ctx, mobility.Ride{ID: fmt.Sprintf("ride_%d", i), CommandID: fmt.Sprintf("c%d", i), RiderID: fmt.Sprintf("r%d", i),
					BikeID: "cat-001-b01", StartStation: "cat-001", StartDock: 1, Status: mobility.RidePending, PricingPlanID: "standard",
					Plan: simulator.StandardPlan, Deadline: time.Now(), CreatedAt: time.Now()}); err != nil {
					return err
				}
			}
			return nil
		})
		if !apperr.Has(err, apperr.Conflict) {
			t.Errorf("second open ride for a bike: %v", err)
		}
	})
}

// Two hub instances on one PostgreSQL and one broker: telemetry is split
// between them by the shared subscription, an unlock through either works
// (each station answers on the reply topic of the hub that asked), and the
// database keeps them from handing one bike to two riders.
func TestTwoHubsShareTheWork(t *testing.T) {
	t.Parallel()
	db := storetest.OpenPostgres(t)
	e := mobilitytest.New(t, db, mqtttest.URL(), mobilitytest.Options{Stations: 4})
	ctx := context.Background()
	b := mobility.NewService(db.Mobility(), nil, nil)
	cb, err := mqtt.New(mqtt.Options{URL: e.URL, Root: e.Root, InstanceID: "hub-b-" + e.Root[1:9]})
	if err != nil {
		t.Fatal(err)
	}
	if err := cb.Start(ctx, b); err != nil {
		t.Fatal(err)
	}
	defer cb.Close()
	b.SetCommander(cb)
	testutil.Eventually(t, 5*time.Second, "hub B subscribed", cb.Connected)
	if cb.ReplyTopic() == e.Client.ReplyTopic() {
		t.Fatal("both hubs share a reply topic")
	}

	a0, b0 := e.Svc.Applied(), b.Applied()
	sa0, sb0 := e.Client.Superseded(), cb.Superseded()
	// Each status is applied by one hub, or replaced there by a newer one
	// of its station before it was applied.
	gotA := func() int64 { return e.Svc.Applied() - a0 + e.Client.Superseded() - sa0 }
	gotB := func() int64 { return b.Applied() - b0 + cb.Superseded() - sb0 }
	for range 10 {
		for _, st := range e.Stations {
			if err := e.Sim.PublishStatus(st.ID); err != nil {
				t.Fatal(err)
			}
		}
	}
	testutil.Eventually(t, 5*time.Second, "40 statuses split between the hubs", func() bool {
		return gotA()+gotB() >= 40
	})
	if gotA() == 0 || gotB() == 0 {
		t.Errorf("no split: hub A took %d, hub B %d", gotA(), gotB())
	}

	r1, r2 := e.Rider(t, 1000), e.Rider(t, 1000)
	rideB, err := b.Unlock(ctx, mobilitytest.Citizen(r1), mobility.UnlockRequest{StationID: e.Stations[0].ID, Dock: 1})
	if err != nil {
		t.Fatalf("unlock through hub B: %v", err)
	}
	if _, err := e.Svc.Unlock(ctx, mobilitytest.Citizen(r2), mobility.UnlockRequest{StationID: e.Stations[0].ID, BikeID: rideB.BikeID}); !apperr.Has(err, apperr.Conflict) {
		t.Errorf("hub A handed out the bike hub B's rider holds: %v", err)
	}
	if _, err := e.Svc.Unlock(ctx, mobilitytest.Citizen(r2), mobility.UnlockRequest{StationID: e.Stations[1].ID, Dock: 1}); err != nil {
		t.Fatalf("unlock through hub A: %v", err)
	}
	// The ride started on B ends wherever the docking event lands.
	if _, _, err := e.Sim.Dock(rideB.BikeID, e.Stations[2].ID); err != nil {
		t.Fatal(err)
	}
	testutil.Eventually(t, 5*time.Second, "ride through B ended", func() bool {
		_, err := e.Svc.CurrentRide(ctx, mobilitytest.Citizen(r1))
		return apperr.Has(err, apperr.NotFound)
	})
}

// Telemetry for a station id the city never registered is dropped: whoever
// can publish on the broker cannot create stations or grow the state table,
// and a registered station's state is untouched by it.
func TestTelemetryForUnregisteredStationIsDropped(t *testing.T) {
	t.Parallel()
	storetest.Each(t, func(t *testing.T, db store.DB) {
		svc := mobility.NewService(db.Mobility(), nil, nil)
		ctx := context.Background()
		if err := simulator.SeedCatalogue(ctx, svc, simulator.Layout("st", 1, 4)); err != nil {
			t.Fatal(err)
		}
		now := time.Now().UTC()
		var batch []mobility.Telemetry
		for i := range 50 {
			batch = append(batch, mobility.Telemetry{StationID: fmt.Sprintf("ghost-%03d", i), Kind: mobility.KindStatus,
				Status: &mobility.StatusReport{TS: now, Online: true, Docks: []mobility.DockState{{Dock: 1, BikeID: "x", Locked: true}}}, Received: now})
		}
		batch = append(batch, mobility.Telemetry{StationID: "st-001", Kind: mobility.KindStatus,
			Status: &mobility.StatusReport{TS: now, Online: true, Docks: []mobility.DockState{{Dock: 1, BikeID: "b1", Locked: true}}}, Received: now})
		if err := svc.Ingest(ctx, identity.System(), batch); err != nil {
			t.Fatal(err)
		}
		err := db.Mobility().View(ctx, func(tx mobility.Tx) error {
			if _, err := tx.StationState(ctx, "ghost-007"); !apperr.Has(err, apperr.NotFound) {
				t.Errorf("state of an unregistered station: %v, want not found", err)
			}
			st, err := tx.StationState(ctx, "st-001")
			if err != nil {
				return err
			}
			if st.Bikes() != 1 {
				t.Errorf("registered station has %d bikes, want 1", st.Bikes())
			}
			return nil
		})
		if err != nil {
			t.Fatal(err)
		}
		snap, err := svc.Snapshot(ctx)
		if err != nil {
			t.Fatal(err)
		}
		if len(snap.States) != 1 {
			t.Errorf("snapshot holds %d station states, want only the registered one", len(snap.States))
		}
	})
}
