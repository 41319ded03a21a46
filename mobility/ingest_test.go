package mobility_test

import (
	"context"
	"sync"
	"testing"
	"time"

	"cityhub/apperr"
	"cityhub/identity"
	"cityhub/ids"
	"cityhub/mobility"
	"cityhub/mobility/mobilitytest"
	"cityhub/simulator"
	"cityhub/store"
	"cityhub/store/storetest"
	"cityhub/wallet"
)

// The rules of Ingest, driven with decoded messages and a station that
// answers unlocks with ok at a time the test chooses. The hub's clock is the
// test's too, so ride times are exact.

// okStation answers every unlock with ok, stamped replyTS.
type okStation struct {
	mu      sync.Mutex
	replyTS time.Time
	// beforeReply, when set, runs before the reply is given: telemetry
	// the hub applies before it records the ok.
	beforeReply func()
}

func (o *okStation) Unlock(_ context.Context, cmd mobility.UnlockCommand) (mobility.Reply, error) {
	o.mu.Lock()
	before := o.beforeReply
	o.mu.Unlock()
	if before != nil {
		before()
	}
	o.mu.Lock()
	defer o.mu.Unlock()
	return mobility.Reply{RequestID: cmd.RequestID, StationID: cmd.StationID, Result: mobility.ReplyOK, TS: o.replyTS}, nil
}

func (o *okStation) Connected() bool { return true }

type rules struct {
	t       *testing.T
	db      store.DB
	svc     *mobility.Service
	station *okStation
	now     time.Time // the hub's clock
	// st is a station of 6 docks holding bk-1 at dock 1 and bk-2 at dock 2;
	// other is another one, empty.
	st, other string
}

func newRules(t *testing.T, db store.DB) *rules {
	t.Helper()
	ctx := context.Background()
	r := &rules{t: t, db: db, station: &okStation{}, now: time.Date(2026, 11, 30, 9, 0, 0, 0, time.UTC)}
	r.svc = mobility.NewService(db.Mobility(), r.station, nil)
	r.svc.SetClock(func() time.Time { return r.now })
	if err := wallet.NewService(db.Wallet(), nil).Setup(ctx); err != nil {
		t.Fatal(err)
	}
	layout := simulator.Layout("r"+ids.Token(4)[:6], 2, 6)
	layout[0].Bikes, layout[1].Bikes = []simulator.BikeSpec{{ID: "bk-1"}, {ID: "bk-2"}}, nil
	if err := simulator.SeedCatalogue(ctx, r.svc, layout); err != nil {
		t.Fatal(err)
	}
	r.st, r.other = layout[0].ID, layout[1].ID
	r.status(r.st, r.now.Add(-time.Second), r.now, "bk-1", "bk-2")
	r.status(r.other, r.now.Add(-time.Second), r.now)
	return r
}

// ingest applies one message received at the hub's time at.
func (r *rules) ingest(t mobility.Telemetry, at time.Time) {
	r.t.Helper()
	t.Received = at
	if err := r.svc.Ingest(context.Background(), identity.System(), []mobility.Telemetry{t}); err != nil {
		r.t.Fatalf("ingest: %v", err)
	}
}

// status reports bikes in docks 1, 2, ... (locked; "" for an empty dock).
func (r *rules) status(station string, ts, at time.Time, bikes ...string) {
	r.t.Helper()
	s := &mobility.StatusReport{TS: ts, Online: true}
	for d := 1; d <= 6; d++ {
		ds := mobility.DockState{Dock: d, Locked: true}
		if d <= len(bikes) {
			ds.BikeID = bikes[d-1]
		}
		s.Docks = append(s.Docks, ds)
	}
	r.ingest(mobility.Telemetry{StationID: station, Kind: mobility.KindStatus, Status: s}, at)
}

func (r *rules) event(station string, e mobility.Event, at time.Time) {
	r.t.Helper()
	r.ingest(mobility.Telemetry{StationID: station, Kind: mobility.KindEvents, Event: &e}, at)
}

func (r *rules) state(id string) mobility.StationState {
	r.t.Helper()
	var s mobility.StationState
	err := r.db.Mobility().View(context.Background(), func(tx mobility.Tx) error {
		var err error
		s, err = tx.StationState(context.Background(), id)
		return err
	})
	if err != nil && !apperr.Has(err, apperr.NotFound) {
		r.t.Fatal(err)
	}
	return s
}

// rider opens a citizen account holding cents and returns its id.
func (r *rules) rider(cents int64) string {
	r.t.Helper()
	ctx := context.Background()
	rider := ids.New("acc")
	err := r.db.Wallet().InTx(ctx, func(tx wallet.Tx) error { return wallet.OpenCitizen(ctx, tx, rider) })
	if err != nil {
		r.t.Fatal(err)
	}
	if _, err := wallet.NewService(r.db.Wallet(), nil).Post(ctx, wallet.Transaction{Key: "topup:" + rider, Kind: "topup",
		Entries: []wallet.Entry{{Account: wallet.CityFunding, Amount: -cents}, {Account: wallet.CitizenAccount(rider), Amount: cents}}}); err != nil {
		r.t.Fatal(err)
	}
	return rider
}

// unlock starts a ride on bk-1, the station's ok stamped replyTS.
func (r *rules) unlock(replyTS time.Time) (rider string, ride mobility.Ride) {
	r.t.Helper()
	ctx := context.Background()
	rider = r.rider(5000)
	r.station.mu.Lock()
	r.station.replyTS = replyTS
	r.station.mu.Unlock()
	ride, err := r.svc.Unlock(ctx, mobilitytest.Citizen(rider), mobility.UnlockRequest{StationID: r.st, Dock: 1})
	if err != nil || ride.Status != mobility.RideActive {
		r.t.Fatalf("unlock: %+v %v", ride, err)
	}
	return rider, ride
}

func (r *rules) openRide(rider string) (mobility.RideView, bool) {
	r.t.Helper()
	v, err := r.svc.CurrentRide(context.Background(), mobilitytest.Citizen(rider))
	if apperr.Has(err, apperr.NotFound) {
		return v, false
	} else if err != nil {
		r.t.Fatal(err)
	}
	return v, true
}

func (r *rules) lastRide(rider string) mobility.RideView {
	r.t.Helper()
	rides, err := r.svc.RideHistory(context.Background(), mobilitytest.Citizen(rider), time.Time{}, 1)
	if err != nil || len(rides) != 1 {
		r.t.Fatalf("ride history: %v %v", rides, err)
	}
	return rides[0]
}

func eachEngine(t *testing.T, fn func(t *testing.T, r *rules)) {
	for _, engine := range storetest.Engines {
		t.Run(engine, func(t *testing.T) {
			t.Parallel()
			fn(t, newRules(t, storetest.Open(t, engine)))
		})
	}
}

// Issue 9: a forged bike_docked stamped in 2000 ended a ride at zero
// duration. A ride's times are the hub's: it started when the station's ok
// arrived and ends when the hub receives the report of the bike in a dock,
// whatever the station's "ts" says.
func TestRideTimesComeFromTheHubsClock(t *testing.T) {
	t.Parallel()
	eachEngine(t, func(t *testing.T, r *rules) {
		start := r.now
		rider, ride := r.unlock(start)
		if !ride.StartedAt.Equal(start) {
			t.Fatalf("ride started at %s, want the hub's %s", ride.StartedAt, start)
		}
		// Stamped in 2000: older than the station's state, so it neither
		// changes the state nor ends the ride.
		r.event(r.other, mobility.Event{TS: time.Date(2000, 1, 1, 0, 0, 0, 0, time.UTC), Type: mobility.EventBikeDocked, Dock: 3, BikeID: "bk-1"}, start.Add(time.Second))
		if _, open := r.openRide(rider); !open {
			t.Fatal("a bike_docked stamped in 2000 ended the ride")
		}
		// A real docking 12 minutes later by the hub's clock, stamped by a
		// station whose clock says one second after the start.
		r.now = start.Add(12 * time.Minute)
		r.event(r.other, mobility.Event{TS: start.Add(time.Second), Type: mobility.EventBikeDocked, Dock: 3, BikeID: "bk-1"}, r.now)
		got := r.lastRide(rider)
		if got.Status != mobility.RideEnded || !got.EndedAt.Equal(r.now) || got.DurationSeconds != 12*60 || got.EndStation != r.other || got.EndDock != 3 {
			t.Fatalf("ride %+v; want ended at the hub's %s after 12 minutes at %s dock 3", got, r.now, r.other)
		}
		if want := simulator.StandardPlan.Fare(12 * time.Minute); got.FareCents != want {
			t.Errorf("fare %d, want %d", got.FareCents, want)
		}
	})
}

// A bike_docked is checked against the station's state: a dock another bike
// holds, or one the station does not have, does not end a ride; a status
// showing the bike locked in a dock of the station does.
func TestBikeDockedCrossCheckedWithStationState(t *testing.T) {
	t.Parallel()
	eachEngine(t, func(t *testing.T, r *rules) {
		rider, _ := r.unlock(r.now)
		r.now = r.now.Add(5 * time.Minute)
		r.event(r.st, mobility.Event{TS: r.now, Type: mobility.EventBikeDocked, Dock: 2, BikeID: "bk-1"}, r.now)
		if _, open := r.openRide(rider); !open {
			t.Fatal("bike_docked into the dock bk-2 holds ended the ride")
		}
		r.event(r.other, mobility.Event{TS: r.now, Type: mobility.EventBikeDocked, Dock: 7, BikeID: "bk-1"}, r.now)
		if _, open := r.openRide(rider); !open {
			t.Fatal("bike_docked into dock 7 of a 6-dock station ended the ride")
		}
		if n := r.svc.IngestCounts().RefusedDocking; n != 2 {
			t.Errorf("refused dockings counted %d, want 2", n)
		}
		// The station's status shows bk-1 in dock 4, locked: the ride ends
		// when the hub receives it.
		r.now = r.now.Add(time.Minute)
		r.status(r.st, r.now, r.now, "", "bk-2", "", "bk-1")
		got := r.lastRide(rider)
		if got.Status != mobility.RideEnded || got.EndDock != 4 || !got.EndedAt.Equal(r.now) {
			t.Fatalf("ride %+v; want ended by the status at dock 4 at %s", got, r.now)
		}
	})
}

// docs/mqtt.md used to leave a 30 s minimum before a status could end a
// ride, taking the status's own time. Now a status ends a ride at once, at
// the hub's time, unless it was stamped at or before the station's ok (it
// describes the station before the bike left, even within the same second).
// The station shows the dock empty after the ok first, as docs/mqtt.md
// asks: a listing it never stopped is its reader's, not a return
// (TestAReaderStuckOnTheReleasedBikeEndsNoRide).
func TestStatusEndsRideOnlyIfNewerThanTheUnlock(t *testing.T) {
	t.Parallel()
	eachEngine(t, func(t *testing.T, r *rules) {
		replyTS := r.now.Add(3 * time.Second)
		rider, _ := r.unlock(replyTS)
		if s := r.state(r.st); s.Bikes() != 1 {
			t.Errorf("after the ok the station holds %d bikes in the hub's state, want 1 (bk-1 left)", s.Bikes())
		}
		r.now = r.now.Add(2 * time.Second)
		for _, ts := range []time.Time{replyTS.Add(-time.Second), replyTS} {
			r.status(r.st, ts, r.now, "bk-1", "bk-2")
			if _, open := r.openRide(rider); !open {
				t.Fatalf("a status stamped %s (the ok at %s) ended the ride", ts, replyTS)
			}
		}
		r.status(r.st, replyTS.Add(time.Millisecond), r.now, "", "bk-2")
		r.now = r.now.Add(time.Second)
		r.status(r.st, replyTS.Add(2*time.Millisecond), r.now, "bk-1", "bk-2")
		got := r.lastRide(rider)
		if got.Status != mobility.RideEnded || !got.EndedAt.Equal(r.now) {
			t.Fatalf("ride %+v; want ended by the newer status at %s (no 30 s minimum)", got, r.now)
		}
	})
}

// Issue 9: a retained status stamped 9999 froze a station for good. Such a
// message is refused at decoding now; one stored before cannot hide later
// statuses, and an operator can reset the state.
func TestFutureTimestampNeverBlocksLaterStatuses(t *testing.T) {
	t.Parallel()
	eachEngine(t, func(t *testing.T, r *rules) {
		// Straight to Ingest, as if stored by an older hub.
		r.status(r.st, time.Date(9999, 12, 31, 23, 59, 59, 0, time.UTC), r.now, "bk-1")
		r.now = r.now.Add(time.Minute)
		r.status(r.st, r.now, r.now, "bk-1", "bk-2", "bk-3")
		if s := r.state(r.st); s.Bikes() != 3 || !s.LastReported.Equal(r.now) {
			t.Fatalf("state after a stored 9999 status: %d bikes, last reported %s", s.Bikes(), s.LastReported)
		}
	})
}

func TestOperatorResetsStationState(t *testing.T) {
	t.Parallel()
	eachEngine(t, func(t *testing.T, r *rules) {
		ctx := context.Background()
		citizen := identity.Caller{AccountID: "acc_c", Grants: []identity.Grant{{Role: identity.RoleCitizen}}}
		operator := identity.Caller{AccountID: "acc_o", Grants: []identity.Grant{{Role: identity.RoleOperator}}}
		if err := r.svc.ResetStationState(ctx, citizen, r.st); !apperr.Has(err, apperr.Forbidden) {
			t.Fatalf("a citizen reset a station: %v", err)
		}
		if err := r.svc.ResetStationState(ctx, operator, "no-such-station"); !apperr.Has(err, apperr.NotFound) {
			t.Fatalf("reset of an unknown station: %v", err)
		}
		// A station whose clock ran 90 s ahead (within the allowed skew)
		// and was then corrected: its statuses look older for 90 s.
		r.status(r.st, r.now.Add(90*time.Second), r.now, "bk-1")
		r.status(r.st, r.now.Add(time.Second), r.now, "bk-1", "bk-2")
		if s := r.state(r.st); s.Bikes() != 1 {
			t.Fatalf("the older status applied before the reset: %d bikes", s.Bikes())
		}
		if err := r.svc.ResetStationState(ctx, operator, r.st); err != nil {
			t.Fatal(err)
		}
		r.status(r.st, r.now.Add(2*time.Second), r.now, "bk-1", "bk-2")
		if s := r.state(r.st); s.Bikes() != 2 {
			t.Fatalf("after the reset: %d bikes, want the new status's 2", s.Bikes())
		}
		// Deleting a station forgets its state too.
		if err := r.svc.DeleteStation(ctx, identity.System(), r.other); err != nil {
			t.Fatal(err)
		}
		if s := r.state(r.other); !s.LastReported.IsZero() {
			t.Errorf("a deleted station kept its state: %+v", s)
		}
	})
}

// docs/mqtt.md: two statuses in one whole second are both taken, the later
// arrival winning (the hub used to drop the second).
func TestStatusWithEqualTimestampApplies(t *testing.T) {
	t.Parallel()
	eachEngine(t, func(t *testing.T, r *rules) {
		ts := r.now.Add(time.Second)
		r.status(r.st, ts, r.now, "bk-1", "bk-2")
		r.status(r.st, ts, r.now, "bk-1")
		if s := r.state(r.st); s.Bikes() != 1 {
			t.Fatalf("the second status of the same second was dropped: %d bikes", s.Bikes())
		}
	})
}

// docs/mqtt.md: every event changes the state it names, bike_undocked
// included (it used to change nothing); unknown event types, unregistered
// stations and stale messages are counted.
func TestEventsChangeStateAndIgnoredMessagesAreCounted(t *testing.T) {
	t.Parallel()
	eachEngine(t, func(t *testing.T, r *rules) {
		r.now = r.now.Add(time.Second)
		r.event(r.st, mobility.Event{TS: r.now, Type: mobility.EventBikeUndocked, Dock: 2, BikeID: "bk-2"}, r.now)
		r.event(r.st, mobility.Event{TS: r.now, Type: mobility.EventDockFault, Dock: 3, Fault: "lock_jammed"}, r.now)
		r.event(r.st, mobility.Event{TS: r.now, Type: mobility.EventTamper}, r.now)
		s := r.state(r.st)
		if d, _ := s.Dock(2); d.BikeID != "" {
			t.Errorf("bike_undocked left bk-2 in dock 2")
		}
		if d, _ := s.Dock(3); d.Fault != "lock_jammed" {
			t.Errorf("dock_fault did not mark dock 3: %+v", d)
		}
		if len(s.Faults) != 1 || s.Faults[0] != "tamper" {
			t.Errorf("tamper: faults %v", s.Faults)
		}
		r.event(r.st, mobility.Event{TS: r.now, Type: "door_opened"}, r.now)
		r.status("not-registered", r.now, r.now)
		r.status(r.st, r.now.Add(-time.Hour), r.now, "bk-9")
		want := mobility.IngestCounts{Unregistered: 1, Stale: 1, UnknownEvent: 1}
		if got := r.svc.IngestCounts(); got != want {
			t.Errorf("counts %+v, want %+v", got, want)
		}
	})
}

// docs/mqtt.md: the online topic and a status's "online" are one flag; the
// last to arrive wins (the will after a status takes the station offline, a
// status after the will brings it back).
func TestOnlineFlagLastArrivalWins(t *testing.T) {
	t.Parallel()
	eachEngine(t, func(t *testing.T, r *rules) {
		online := func() bool { return r.state(r.st).Online }
		r.ingest(mobility.Telemetry{StationID: r.st, Kind: mobility.KindOnline, Online: &mobility.OnlineReport{Online: false}}, r.now)
		if online() {
			t.Fatal("the will did not take the station offline")
		}
		r.status(r.st, r.now.Add(time.Second), r.now.Add(time.Second), "bk-1")
		if !online() {
			t.Fatal("a status saying online after the will did not bring the station back")
		}
		r.ingest(mobility.Telemetry{StationID: r.st, Kind: mobility.KindOnline,
			Online: &mobility.OnlineReport{Online: false, TS: r.now.Add(-time.Minute)}}, r.now.Add(2*time.Second))
		if !online() {
			t.Fatal("a timed online flag older than the last status applied")
		}
	})
}

// docs/mqtt.md: a station view counts only the docks the city registered;
// a bike the city does not know is disabled, as is one an unlock in progress
// holds; a bike whose unlock the station confirmed leaves the station at once.
func TestStationViewCounts(t *testing.T) {
	t.Parallel()
	eachEngine(t, func(t *testing.T, r *rules) {
		ctx := context.Background()
		s := &mobility.StatusReport{TS: r.now.Add(time.Second), Online: true, Docks: []mobility.DockState{
			{Dock: 1, BikeID: "bk-1", Locked: true}, {Dock: 2, BikeID: "bk-2", Locked: true}, {Dock: 3, BikeID: "bk-stranger", Locked: true},
			{Dock: 4, Locked: true}, {Dock: 5, Locked: true}, {Dock: 6, Locked: true}, {Dock: 7, Locked: true}, {Dock: 8, BikeID: "bk-far", Locked: true}}}
		r.ingest(mobility.Telemetry{StationID: r.st, Kind: mobility.KindStatus, Status: s}, r.now)
		v, err := r.svc.StationDetail(ctx, r.st)
		if err != nil {
			t.Fatal(err)
		}
		if v.BikesAvailable != 2 || v.BikesDisabled != 1 || v.DocksAvailable != 3 || v.DocksDisabled != 0 {
			t.Fatalf("view %+v: want 2 bikes available, the unknown one disabled, 3 free docks, docks 7 and 8 not counted", v)
		}
		r.unlock(r.now.Add(2 * time.Second))
		v, _ = r.svc.StationDetail(ctx, r.st)
		if v.BikesAvailable != 1 || v.BikesDisabled != 1 || v.DocksAvailable != 4 {
			t.Fatalf("after the ok: %+v; want bk-1 gone and its dock free", v)
		}
	})
}
