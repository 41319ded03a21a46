package mobility_test

import (
	"context"
	"testing"
	"time"

	"cityhub/apperr"
	"cityhub/identity"
	"cityhub/mobility"
	"cityhub/mobility/mobilitytest"
)

// Review of the ride's end (a device influences money): a ride ended when
// any station that changed in a batch still listed the bike in its stored
// docks, whatever the message and however old the listing. Station B went
// dark showing bk-1; bk-1 was moved and taken from another station; B's
// "online" flag alone then ended the ride at B and charged the fare. A ride
// ends only on a docking this batch reports, stamped after the ride started,
// at the station that reports it.
func TestRideEndsOnlyOnDockingNewerThanTheRide(t *testing.T) {
	t.Parallel()
	type message func(r *rules, b string, darkTS, start time.Time)
	cases := []struct {
		name string
		send message
	}{
		{"bare online flag", func(r *rules, b string, _, _ time.Time) {
			r.ingest(mobility.Telemetry{StationID: b, Kind: mobility.KindOnline, Online: &mobility.OnlineReport{Online: true}}, r.now)
		}},
		{"timed online flag", func(r *rules, b string, _, _ time.Time) {
			r.ingest(mobility.Telemetry{StationID: b, Kind: mobility.KindOnline, Online: &mobility.OnlineReport{Online: true, TS: r.now}}, r.now)
		}},
		{"retained status read again on reconnect", func(r *rules, b string, darkTS, _ time.Time) {
			r.status(b, darkTS, r.now, "", "", "bk-1")
		}},
		{"status delivered late, stamped before the ride", func(r *rules, b string, darkTS, start time.Time) {
			r.status(b, start.Add(-time.Second), r.now, "", "", "bk-1")
		}},
		{"bike_docked delivered late, stamped before the ride", func(r *rules, b string, _, start time.Time) {
			r.event(b, mobility.Event{TS: start.Add(-time.Second), Type: mobility.EventBikeDocked, Dock: 3, BikeID: "bk-1"}, r.now)
		}},
		{"fresh event about another bike", func(r *rules, b string, _, _ time.Time) {
			r.event(b, mobility.Event{TS: r.now, Type: mobility.EventBikeDocked, Dock: 4, BikeID: "bk-stranger"}, r.now)
		}},
		{"fresh dock fault", func(r *rules, b string, _, _ time.Time) {
			r.event(b, mobility.Event{TS: r.now, Type: mobility.EventDockFault, Dock: 5, Fault: "no_power"}, r.now)
		}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			t.Parallel()
			eachEngine(t, func(t *testing.T, r *rules) {
				b := r.other
				// B reports bk-1 in its dock 3, then goes dark; bk-1 is
				// moved to r.st (dock 1) and a rider takes it from there.
				darkTS := r.now
				r.status(b, darkTS, r.now, "", "", "bk-1")
				r.now = r.now.Add(30 * time.Second)
				start := r.now
				rider, ride := r.unlock(start)
				r.now = r.now.Add(10 * time.Minute)
				c.send(r, b, darkTS, start)
				if v, open := r.openRide(rider); !open {
					got := r.lastRide(rider)
					t.Fatalf("ride %s ended at %s dock %d (fare %d) by a message that is no evidence of a docking after the ride started",
						ride.ID, got.EndStation, got.EndDock, got.FareCents)
				} else if v.ID != ride.ID {
					t.Fatalf("open ride %s, want %s", v.ID, ride.ID)
				}
				// A status stamped after the start showing the bike come
				// into B's dock is such evidence (B first shows the dock
				// empty, then the bike in it): the ride ends there, at the
				// hub's time of that status.
				r.now = r.now.Add(time.Minute)
				r.status(b, r.now, r.now)
				r.now = r.now.Add(time.Minute)
				r.status(b, r.now, r.now, "", "", "bk-1")
				got := r.lastRide(rider)
				if got.Status != mobility.RideEnded || got.EndStation != b || got.EndDock != 3 || !got.EndedAt.Equal(r.now) {
					t.Fatalf("ride %+v; want ended at %s dock 3 at %s", got, b, r.now)
				}
			})
		})
	}
}

// A station that keeps listing a bike it held before the ride (its reader
// stuck on a tag, or the bike moved by hand while the station was dark)
// repeats that listing in each new status, stamped after the ride started.
// Taken as a docking, it ended every ride of the bike at the next status,
// at a station the rider never reached, and the rider rode on unbilled. A
// listing the hub first received before the ride is no evidence of its
// end; the rider's real return is, and a bike that comes into that stale
// dock anew (the dock seen empty, then holding it) is too.
func TestAListingFromBeforeTheRideDoesNotEndIt(t *testing.T) {
	t.Parallel()
	eachEngine(t, func(t *testing.T, r *rules) {
		b := r.other
		r.status(b, r.now, r.now, "", "", "bk-1")
		r.now = r.now.Add(30 * time.Second)
		rider, ride := r.unlock(r.now)
		// B goes on reporting every 20 seconds, bk-1 still in its dock 3.
		for range 6 {
			r.now = r.now.Add(20 * time.Second)
			r.status(b, r.now, r.now, "", "", "bk-1")
		}
		if _, open := r.openRide(rider); !open {
			got := r.lastRide(rider)
			t.Fatalf("ride %s ended at %s dock %d (fare %d) by a listing older than the ride", ride.ID, got.EndStation, got.EndDock, got.FareCents)
		}
		// The rider brings the bike back to the station it left from,
		// which showed its dock empty from the unlock on.
		r.status(r.st, r.now, r.now, "", "bk-2")
		r.now = r.now.Add(3 * time.Minute)
		r.status(r.st, r.now, r.now, "bk-1")
		got := r.lastRide(rider)
		if got.Status != mobility.RideEnded || got.EndStation != r.st || got.EndDock != 1 || !got.EndedAt.Equal(r.now) {
			t.Fatalf("ride %+v; want ended at %s dock 1 at %s", got, r.st, r.now)
		}
	})
}

// A station whose tag reader sticks on the released bike goes on listing it
// locked in the dock it left, in every status after the ok, fresh "ts" and
// all. Taken as the bike put straight back, that ended the ride at the
// station's next status, at its start: the rider rode on unbilled and the
// bike showed docked. A listing the station never stopped is its reader's;
// the rider's real return ends the ride, wherever it is, the start dock
// included once the station tells of the docking, or of the bike leaving
// and coming back.
func TestAReaderStuckOnTheReleasedBikeEndsNoRide(t *testing.T) {
	t.Parallel()
	cases := []struct {
		name string
		// early sends a stuck status before the hub records the ok.
		early bool
		// back returns the bike; it ends the ride at dock at r.now.
		back    func(r *rules)
		station func(r *rules) string
		dock    int
	}{
		{"returned at another station", false, func(r *rules) {
			r.status(r.other, r.now, r.now, "", "", "bk-1")
		}, func(r *rules) string { return r.other }, 3},
		{"listed before the ok is recorded, returned at another station", true, func(r *rules) {
			r.status(r.other, r.now, r.now, "", "", "bk-1")
		}, func(r *rules) string { return r.other }, 3},
		{"returned to its dock, bike_docked", false, func(r *rules) {
			r.event(r.st, mobility.Event{TS: r.now, Type: mobility.EventBikeDocked, Dock: 1, BikeID: "bk-1"}, r.now)
		}, func(r *rules) string { return r.st }, 1},
		{"returned to its dock, bike_undocked then a status", false, func(r *rules) {
			r.event(r.st, mobility.Event{TS: r.now.Add(-time.Second), Type: mobility.EventBikeUndocked, Dock: 1, BikeID: "bk-1"}, r.now.Add(-time.Second))
			r.status(r.st, r.now, r.now, "bk-1", "bk-2")
		}, func(r *rules) string { return r.st }, 1},
		{"returned to its dock, the dock shown empty then holding it", false, func(r *rules) {
			r.status(r.st, r.now.Add(-time.Second), r.now.Add(-time.Second), "", "bk-2")
			r.status(r.st, r.now, r.now, "bk-1", "bk-2")
		}, func(r *rules) string { return r.st }, 1},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			t.Parallel()
			eachEngine(t, func(t *testing.T, r *rules) {
				ctx := context.Background()
				replyTS := r.now
				if c.early {
					r.station.mu.Lock()
					r.station.beforeReply = func() {
						r.now = r.now.Add(500 * time.Millisecond)
						r.status(r.st, replyTS.Add(time.Second), r.now, "bk-1", "bk-2")
					}
					r.station.mu.Unlock()
				}
				rider, ride := r.unlock(replyTS)
				r.station.mu.Lock()
				r.station.beforeReply = nil
				r.station.mu.Unlock()
				// The reader still reads bk-1 in dock 1: a status every 20 s.
				for range 6 {
					r.now = r.now.Add(20 * time.Second)
					r.status(r.st, r.now, r.now, "bk-1", "bk-2")
				}
				if _, open := r.openRide(rider); !open {
					got := r.lastRide(rider)
					t.Fatalf("ride %s ended at %s dock %d after %d s (fare %d) by a reader stuck on the released bike",
						ride.ID, got.EndStation, got.EndDock, got.DurationSeconds, got.FareCents)
				}
				v, err := r.svc.StationDetail(ctx, r.st)
				if err != nil {
					t.Fatal(err)
				}
				for _, b := range v.Bikes {
					if b.BikeID == "bk-1" {
						t.Errorf("riders are offered bk-1, which is out on a ride: %+v", v.Bikes)
					}
				}
				other := r.rider(5000)
				if _, err := r.svc.Unlock(ctx, mobilitytest.Citizen(other), mobility.UnlockRequest{StationID: r.st, Dock: 1}); apperr.ReasonOf(err) != "bike_taken" {
					t.Errorf("another rider's unlock of dock 1: %v, want bike_taken", err)
				}
				r.now = r.now.Add(3 * time.Minute)
				c.back(r)
				got := r.lastRide(rider)
				if got.ID != ride.ID || got.Status != mobility.RideEnded || got.EndStation != c.station(r) || got.EndDock != c.dock || !got.EndedAt.Equal(r.now) {
					t.Fatalf("ride %+v; want ended at %s dock %d at %s", got, c.station(r), c.dock, r.now)
				}
			})
		})
	}
}

// A rider who puts the bike straight back (it is faulty) while the ok of its
// unlock is still on its way: the station's bike_undocked, bike_docked and
// status, all made after its reply, are applied before the hub records the
// ok. The listing they leave is news of the ride, not from before it: the
// next status ends the ride, which otherwise stayed open for ever, its
// fare running to the most.
func TestARideReturnedBeforeItsOkIsRecordedEnds(t *testing.T) {
	t.Parallel()
	eachEngine(t, func(t *testing.T, r *rules) {
		replyTS := r.now
		r.station.mu.Lock()
		// Received in the second after the unlock was asked for, before the
		// hub records the ok (the station is called on the unlock's own
		// goroutine, so the clock moves between the two).
		r.station.beforeReply = func() {
			at := replyTS.Add(2 * time.Second)
			r.now = r.now.Add(200 * time.Millisecond)
			r.event(r.st, mobility.Event{TS: at, Type: mobility.EventBikeUndocked, Dock: 1, BikeID: "bk-1"}, r.now)
			r.now = r.now.Add(200 * time.Millisecond)
			r.event(r.st, mobility.Event{TS: at.Add(time.Second), Type: mobility.EventBikeDocked, Dock: 1, BikeID: "bk-1"}, r.now)
			r.now = r.now.Add(200 * time.Millisecond)
			r.status(r.st, at.Add(2*time.Second), r.now, "bk-1", "bk-2")
		}
		r.station.mu.Unlock()
		rider, ride := r.unlock(replyTS)
		r.station.mu.Lock()
		r.station.beforeReply = nil
		r.station.mu.Unlock()
		r.now = r.now.Add(30 * time.Second)
		r.status(r.st, r.now, r.now, "bk-1", "bk-2")
		got := r.lastRide(rider)
		if got.ID != ride.ID || got.Status != mobility.RideEnded || got.EndStation != r.st || got.EndDock != 1 || !got.EndedAt.Equal(r.now) {
			t.Fatalf("ride %+v; want ended at %s dock 1 at %s", got, r.st, r.now)
		}
	})
}

// A bike_docked into a faulted dock puts the bike there but keeps the
// fault: the bike stays out of rent until a status says the dock works (it
// used to replace the dock's state, fault included, and the bike became
// rentable from a broken dock). The ride still ends: a rider can always
// return a bike.
func TestBikeDockedKeepsTheDocksFault(t *testing.T) {
	t.Parallel()
	eachEngine(t, func(t *testing.T, r *rules) {
		ctx := context.Background()
		rider, _ := r.unlock(r.now)
		r.now = r.now.Add(time.Minute)
		r.event(r.st, mobility.Event{TS: r.now, Type: mobility.EventDockFault, Dock: 3, Fault: "lock_jammed"}, r.now)
		r.now = r.now.Add(time.Minute)
		r.event(r.st, mobility.Event{TS: r.now, Type: mobility.EventBikeDocked, Dock: 3, BikeID: "bk-1"}, r.now)
		if got := r.lastRide(rider); got.Status != mobility.RideEnded || got.EndDock != 3 {
			t.Fatalf("ride %+v; want ended in dock 3", got)
		}
		if d, _ := r.state(r.st).Dock(3); d.BikeID != "bk-1" || !d.Locked || d.Fault != "lock_jammed" {
			t.Fatalf("dock 3 after bike_docked: %+v; want bk-1 locked, still faulted", d)
		}
		v, err := r.svc.StationDetail(ctx, r.st)
		if err != nil {
			t.Fatal(err)
		}
		for _, b := range v.Bikes {
			if b.BikeID == "bk-1" {
				t.Errorf("riders are offered bk-1 in the faulted dock: %+v", v)
			}
		}
		other := r.rider(5000)
		_, err = r.svc.Unlock(ctx, mobilitytest.Citizen(other), mobility.UnlockRequest{StationID: r.st, Dock: 3})
		if apperr.ReasonOf(err) != "dock_fault" {
			t.Errorf("unlock from the faulted dock: %v, want reason dock_fault", err)
		}
	})
}

// A docking is judged against the ride open when the batch began, and the
// ride ends after the batch commits. Meanwhile another replica may have
// ended that ride and a rider unlocked the bike again: the docking must not
// end the new ride (at zero minutes, for the unlock fee), whose start it
// predates.
func TestDockingEndsOnlyTheRideItWasJudgedFor(t *testing.T) {
	t.Parallel()
	eachEngine(t, func(t *testing.T, r *rules) {
		ctx := context.Background()
		_, first := r.unlock(r.now)
		r.now = r.now.Add(5 * time.Minute)
		if _, ended, err := r.svc.EndRide(ctx, identity.System(), "bk-1", r.st, 1, r.now); err != nil || !ended {
			t.Fatalf("end the first ride: %v %v", ended, err)
		}
		r.status(r.st, r.now, r.now, "bk-1", "bk-2")
		r.now = r.now.Add(time.Second)
		rider, second := r.unlock(r.now)
		got, ended, err := r.svc.EndRideJudged(ctx, first.ID, "bk-1", r.other, 3, r.now)
		if err != nil || ended {
			t.Fatalf("a docking judged against %s ended ride %s for %d cents (%v)", first.ID, got.ID, got.FareCents, err)
		}
		if v, open := r.openRide(rider); !open || v.ID != second.ID {
			t.Fatalf("the second ride %s is no longer open: %+v", second.ID, v)
		}
		if _, ended, err := r.svc.EndRideJudged(ctx, second.ID, "bk-1", r.other, 3, r.now); err != nil || !ended {
			t.Fatalf("a docking judged against the open ride did not end it: %v %v", ended, err)
		}
	})
}
