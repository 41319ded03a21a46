package mobility_test

import (
	"context"
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
		ended := endedRide(t, e, rider, "ride ended by bike_docked")
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

// sameAnswerAgain retries req, whose first answer was first: a retry with
// the same request id hears the same answer, status, reason and words.
func sameAnswerAgain(t *testing.T, e *mobilitytest.Env, rider string, req mobility.UnlockRequest, first error) {
	t.Helper()
	_, again := e.Svc.Unlock(context.Background(), mobilitytest.Citizen(rider), req)
	if apperr.CodeOf(again) != apperr.CodeOf(first) || apperr.ReasonOf(again) != apperr.ReasonOf(first) || again.Error() != first.Error() {
		t.Fatalf("retried, the unlock answered %q (%s/%s), first %q (%s/%s)", again, apperr.CodeOf(again), apperr.ReasonOf(again),
			first, apperr.CodeOf(first), apperr.ReasonOf(first))
	}
}

func TestUnlockFailuresChargeNothing(t *testing.T) {
	t.Parallel()
	combos(t, false, func(t *testing.T, db store.DB, url string) {
		// The default deadline, long, for the unlocks that are answered;
		// the two that must run out get a short one of their own (Unlock
		// reads it only in the calling goroutine).
		e := mobilitytest.New(t, db, url, mobilitytest.Options{})
		long := e.Svc.UnlockTimeout
		short := func(t *testing.T) {
			e.Svc.UnlockTimeout = 700 * time.Millisecond
			t.Cleanup(func() { e.Svc.UnlockTimeout = long })
		}
		ctx := context.Background()
		rider := e.Rider(t, 1000)
		st := e.Stations[0]

		t.Run("station error", func(t *testing.T) {
			e.Sim.SetBehaviour(1, 0, 0)
			req := mobility.UnlockRequest{StationID: st.ID, Dock: 1, RequestID: "fault-1"}
			_, err := e.Svc.Unlock(ctx, mobilitytest.Citizen(rider), req)
			if !apperr.Has(err, apperr.Unavailable) || apperr.ReasonOf(err) != "station_refused:dock_fault" {
				t.Fatalf("err = %v", err)
			}
			sameAnswerAgain(t, e, rider, req, err)
		})
		t.Run("wrong bike at dock", func(t *testing.T) {
			e.Sim.SetBehaviour(0, 0, 0)
			_, err := e.Svc.Unlock(ctx, mobilitytest.Citizen(rider), mobility.UnlockRequest{StationID: st.ID, Dock: 1, BikeID: st.Bikes[1].ID})
			if !apperr.Has(err, apperr.Conflict) {
				t.Fatalf("err = %v", err)
			}
		})
		t.Run("timeout", func(t *testing.T) {
			short(t)
			e.Sim.SetBehaviour(0, 1, 0)
			start := time.Now()
			req := mobility.UnlockRequest{StationID: st.ID, Dock: 2, RequestID: "timeout-1"}
			_, err := e.Svc.Unlock(ctx, mobilitytest.Citizen(rider), req)
			if !apperr.Has(err, apperr.Unavailable) || apperr.ReasonOf(err) != "station_timeout" {
				t.Fatalf("err = %v", err)
			}
			sameAnswerAgain(t, e, rider, req, err)
			// Well past the 700 ms deadline on a loaded machine, and still
			// short of the 30 s the answered unlocks are given.
			if d := time.Since(start); d > 8*time.Second {
				t.Errorf("timeout took %s", d)
			}
		})
		t.Run("late answer after the deadline", func(t *testing.T) {
			short(t)
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
		if tok := pub.Connect(); !tok.WaitTimeout(30*time.Second) || tok.Error() != nil {
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

// Docking reports of one bike that race each other (two hub replicas, or a
// status and an event at once) end its ride once and charge one fare: the
// bike's open ride is locked as it is read, and a report that waited for
// the lock finds the ride ended.
func TestConcurrentEndsOfOneRide(t *testing.T) {
	t.Parallel()
	storetest.Each(t, func(t *testing.T, db store.DB) {
		e := mobilitytest.New(t, db, mqtttest.URL(), mobilitytest.Options{Stations: 2})
		ctx := context.Background()
		rider := e.Rider(t, 1000)
		r, err := e.Svc.Unlock(ctx, mobilitytest.Citizen(rider), mobility.UnlockRequest{StationID: e.Stations[0].ID, Dock: 1})
		if err != nil {
			t.Fatal(err)
		}
		const reports = 16
		var ended atomic.Int32
		var fares sync.Map
		start := make(chan struct{})
		var wg sync.WaitGroup
		for range reports {
			wg.Go(func() {
				<-start
				out, ok, err := e.Svc.EndRide(ctx, identity.System(), r.BikeID, e.Stations[1].ID, 6, time.Now())
				if err != nil {
					t.Error(err)
					return
				}
				if ok {
					ended.Add(1)
					fares.Store(out.ID, out.FareCents)
				}
			})
		}
		close(start)
		wg.Wait()
		if n := ended.Load(); n != 1 {
			t.Fatalf("%d reports ended the ride, want exactly 1", n)
		}
		fare, _ := fares.Load(r.ID)
		if b := e.Balance(t, rider); fare == nil || b != 1000-fare.(int64) {
			t.Errorf("balance %d after a fare of %v: charged other than once", b, fare)
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
