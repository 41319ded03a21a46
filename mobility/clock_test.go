package mobility_test

import (
	"context"
	"testing"
	"time"

	"cityhub/apperr"
	"cityhub/identity"
	"cityhub/internal/testutil"
	"cityhub/mobility"
	"cityhub/mobility/mobilitytest"
	"cityhub/simulator"
	"cityhub/store"
)

// skew makes station's clock run off by off (positive: behind the hub's)
// for long enough that the hub has learnt it: its state reset first (a
// clock set back would make its reports older than what the hub holds),
// then a status a minute for 21 minutes with bikes, each received at once,
// while the other station keeps reporting in time with others.
func (r *rules) skew(station string, off time.Duration, bikes, others []string) {
	r.t.Helper()
	if err := r.svc.ResetStationState(context.Background(), identity.System(), station); err != nil {
		r.t.Fatal(err)
	}
	other := r.st
	if station == r.st {
		other = r.other
	}
	for range 21 {
		r.now = r.now.Add(time.Minute)
		r.status(station, r.now.Add(-off), r.now, bikes...)
		r.status(other, r.now, r.now, others...)
	}
	if got := r.state(station).Clock.Lag(); got != off {
		r.t.Fatalf("station %s: lag learnt %s, want %s", station, got, off)
	}
}

// A station clock that runs behind stamped a quick return before the
// ride's start, and the ride went on until a status stamped after it: a
// ride of 20 seconds charged as one of five minutes and more, and at a
// station an hour behind every ride never ended there (and the station
// showed offline for good). The hub judges a station's reports by its own
// clock, as it has learnt the station's.
func TestStationClockBehindEndsAQuickRide(t *testing.T) {
	t.Parallel()
	for _, c := range []struct {
		name      string
		behind    time.Duration
		atStation bool // the return is at the station the ride started from
	}{
		{"back where it started, 5 minutes behind", 5 * time.Minute, true},
		{"at another station, an hour behind", time.Hour, false},
		{"at another station, 90 seconds ahead", -90 * time.Second, false},
	} {
		t.Run(c.name, func(t *testing.T) {
			t.Parallel()
			eachEngine(t, func(t *testing.T, r *rules) {
				end := r.other
				if c.atStation {
					end = r.st
					r.skew(r.st, c.behind, []string{"bk-1", "bk-2"}, nil)
				} else {
					r.skew(r.other, c.behind, nil, []string{"bk-1", "bk-2"})
				}
				v, err := r.svc.StationDetail(context.Background(), end)
				if err != nil || !v.Online || !v.LastReported.Equal(r.now) {
					t.Fatalf("station %s: online %v, last reported %s (hub now %s) %v", end, v.Online, v.LastReported, r.now, err)
				}
				// The operator's overview says the clock is off, and by how much.
				ov, err := r.svc.OperatorOverview(context.Background(), identity.System())
				if err != nil {
					t.Fatal(err)
				}
				for _, o := range ov.Stations {
					want := o.ID == end
					if o.ClockOff != want || o.ClockLagMS == nil || want && *o.ClockLagMS != c.behind.Milliseconds() {
						t.Errorf("overview of %s: clock off %v, lag %v ms (%s behind)", o.ID, o.ClockOff, o.ClockLagMS, c.behind)
					}
				}
				start := r.now
				replyTS := start
				if c.atStation {
					replyTS = start.Add(-c.behind)
				}
				rider, ride := r.unlock(replyTS)
				bikes := []string{"", "", "bk-1"}
				if c.atStation {
					// The station shows the dock empty, then the bike back.
					r.now = start.Add(5 * time.Second)
					r.status(end, r.now.Add(-c.behind), r.now, "", "bk-2")
					bikes = []string{"bk-1", "bk-2"}
				}
				r.now = start.Add(20 * time.Second)
				r.status(end, r.now.Add(-c.behind), r.now, bikes...)
				got := r.lastRide(rider)
				if got.ID != ride.ID || got.Status != mobility.RideEnded || got.EndStation != end || !got.EndedAt.Equal(r.now) {
					t.Fatalf("ride %+v; want ended at %s at %s, 20 s after its start", got, end, r.now)
				}
			})
		})
	}
}

// A station clock ahead of the hub's (within the 2 minutes the hub
// accepts) stamps a report made before the ride started with a time after
// it: a status delivered late, listing the ridden bike in the station's
// dock from before it was moved, ended the ride there and charged it.
func TestStationClockAheadEndsNoRideEarly(t *testing.T) {
	t.Parallel()
	eachEngine(t, func(t *testing.T, r *rules) {
		ahead := 90 * time.Second
		r.skew(r.other, -ahead, []string{"", "", "bk-1"}, []string{"", "bk-2"})
		// bk-1 was moved to r.st; its status says so.
		r.status(r.st, r.now, r.now, "bk-1", "bk-2")
		made := r.now.Add(30 * time.Second) // by the hub's clock
		r.now = made.Add(30 * time.Second)
		start := r.now
		rider, ride := r.unlock(start)
		// The status other made 30 s before the ride arrives after it,
		// stamped 60 s after the ride's start by the station's clock.
		r.now = start.Add(10 * time.Second)
		r.status(r.other, made.Add(ahead), r.now, "", "", "bk-1")
		if v, open := r.openRide(rider); !open || v.ID != ride.ID {
			got := r.lastRide(rider)
			t.Fatalf("ride ended at %s dock %d (fare %d) by a status made before it started", got.EndStation, got.EndDock, got.FareCents)
		}
	})
}

// Retained messages are the broker's copy of a station's past: a station
// whose retained status is all the hub has of it stays stale however the
// hub's receipt of it is stamped, and its clock is not learnt from it
// (here read again on two reconnects, two windows apart).
func TestRetainedStatusTeachesNoClock(t *testing.T) {
	t.Parallel()
	eachEngine(t, func(t *testing.T, r *rules) {
		before := r.state(r.other).Clock
		ts := r.now
		for _, after := range []time.Duration{3 * time.Hour, 3*time.Hour + 15*time.Minute} {
			r.now = ts.Add(after)
			s := &mobility.StatusReport{TS: ts, Online: true}
			r.ingest(mobility.Telemetry{StationID: r.other, Kind: mobility.KindStatus, Status: s, Retained: true}, r.now)
		}
		if got := r.state(r.other).Clock; got != before {
			t.Fatalf("clock %+v after retained statuses, was %+v", got, before)
		}
		v, err := r.svc.StationDetail(context.Background(), r.other)
		if err != nil || v.Online {
			t.Fatalf("a station heard of only through a 3-hour-old retained status is online: %+v %v", v, err)
		}
	})
}

// End to end, over a real broker: simulated stations whose clocks run five
// minutes behind (their NTP failed) take a bike back a moment after it
// left, and the ride ends then, charged as the short ride it was. Stations
// a minute ahead unlock at all only because the command's deadline is
// written in their clock (by the hub's, it was already 50 s past), and end
// a quick ride likewise.
func TestQuickRideEndsAtStationsRunningBehind(t *testing.T) {
	t.Parallel()
	for _, behind := range []time.Duration{5 * time.Minute, -time.Minute} {
		t.Run(behind.String(), func(t *testing.T) {
			t.Parallel()
			combos(t, false, func(t *testing.T, db store.DB, url string) {
				e := mobilitytest.New(t, db, url, mobilitytest.Options{Stations: 2, Sim: func(c *simulator.Config) { c.ClockBehind = behind }})
				ctx := context.Background()
				rider := e.Rider(t, 1000)
				r, err := e.Svc.Unlock(ctx, mobilitytest.Citizen(rider), mobility.UnlockRequest{StationID: e.Stations[0].ID, Dock: 1})
				if err != nil || r.Status != mobility.RideActive {
					t.Fatalf("unlock: %+v %v", r, err)
				}
				if _, _, err := e.Sim.Dock(r.BikeID, e.Stations[1].ID); err != nil {
					t.Fatal(err)
				}
				ended := endedRide(t, e, rider, "the ride ended by its return")
				if ended.EndStation != e.Stations[1].ID || ended.DurationSeconds > 10 {
					t.Fatalf("ride %+v; want ended at %s within seconds", ended, e.Stations[1].ID)
				}
			})
		})
	}
}

// The least delay is the clock's lag plus the quickest transit, so it reads
// a report of a clock that is right as made later than it was. A station
// whose every message takes 1.5 s to arrive has a status made a second
// before the ride started (the bike listed in its dock from before it was
// moved) delivered late: it does not end the ride. Nor does it once the
// station's clock, five minutes behind, was set right: a report stamped
// by the corrected clock before the ride, delivered late, is taken at its
// stamp, not moved by the lag learnt before.
func TestStationClockNeverMovesAReportPastTheRidesStart(t *testing.T) {
	t.Parallel()
	for _, c := range []struct {
		name   string
		behind time.Duration // as learnt, before the report
		late   time.Duration // how late the report arrives after the ride's start
	}{
		{"a right clock, 1.5 s of transit", 1500 * time.Millisecond, 10 * time.Second},
		{"a clock set right after running 5 minutes behind", 5 * time.Minute, 3 * time.Second},
	} {
		t.Run(c.name, func(t *testing.T) {
			t.Parallel()
			eachEngine(t, func(t *testing.T, r *rules) {
				r.skew(r.other, c.behind, []string{"", "", "bk-1"}, []string{"", "bk-2"})
				r.status(r.st, r.now, r.now, "bk-1", "bk-2") // bk-1 was moved to r.st
				r.now = r.now.Add(30 * time.Second)
				start := r.now
				rider, ride := r.unlock(start)
				r.now = start.Add(c.late)
				r.status(r.other, start.Add(-time.Second), r.now, "", "", "bk-1")
				if v, open := r.openRide(rider); !open || v.ID != ride.ID {
					got := r.lastRide(rider)
					t.Fatalf("ride ended at %s dock %d (fare %d) by a status made before it started", got.EndStation, got.EndDock, got.FareCents)
				}
			})
		})
	}
}

// An unlock's deadline goes out in the station's clock as learnt: a
// station five minutes behind that takes longer to open its lock than the
// hub waits refuses the command as past its deadline, instead of releasing
// a bike that has no ride (read by its own clock, the hub's deadline was
// still five minutes away).
func TestStationRunningBehindKeepsTheUnlockDeadline(t *testing.T) {
	t.Parallel()
	combos(t, false, func(t *testing.T, db store.DB, url string) {
		e := mobilitytest.New(t, db, url, mobilitytest.Options{Stations: 1, Docks: 4, UnlockTimeout: 300 * time.Millisecond,
			Sim: func(c *simulator.Config) { c.ClockBehind, c.ReplyDelay = 5*time.Minute, 600*time.Millisecond }})
		ctx := context.Background()
		rider := e.Rider(t, 10_000)
		st := e.Stations[0]
		ride, err := e.Svc.Unlock(ctx, mobilitytest.Citizen(rider), mobility.UnlockRequest{StationID: st.ID, Dock: st.Bikes[0].Dock})
		if apperr.ReasonOf(err) != "station_timeout" || ride.Status != mobility.RideFailed {
			t.Fatalf("a station slower than the deadline: %+v %v", ride, err)
		}
		var reply mobility.Reply
		testutil.Eventually(t, 10*time.Second, "the station's answer", func() bool {
			var ok bool
			reply, ok = e.Sim.Answered(ride.CommandID)
			return ok
		})
		if reply.Result != mobility.ReplyError || reply.Error != mobility.ErrCodeDeadline {
			t.Fatalf("the station answered %+v, want the error %q", reply, mobility.ErrCodeDeadline)
		}
		if got := e.Sim.BikesAt(st.ID)[st.Bikes[0].Dock]; got != st.Bikes[0].ID {
			t.Fatalf("dock %d holds %q, want %s still locked in it", st.Bikes[0].Dock, got, st.Bikes[0].ID)
		}
	})
}

// A station an hour behind that becomes empty shows empty since the hub's
// time of that status, and its occupancy sample is filed under the hub's
// hour, not an hour back.
func TestStationClockBehindStampsEmptyAndOccupancy(t *testing.T) {
	t.Parallel()
	eachEngine(t, func(t *testing.T, r *rules) {
		r.skew(r.other, time.Hour, []string{"", "", "bk-3"}, []string{"bk-1", "bk-2"})
		r.now = r.now.Add(2 * time.Minute)
		r.status(r.other, r.now.Add(-time.Hour), r.now)
		ctx := context.Background()
		ov, err := r.svc.OperatorOverview(ctx, identity.System())
		if err != nil {
			t.Fatal(err)
		}
		for _, o := range ov.Stations {
			if o.ID == r.other && (!o.Empty || !o.EmptySince.Equal(r.now)) {
				t.Fatalf("empty %v since %s, want since %s", o.Empty, o.EmptySince, r.now)
			}
		}
		occ, err := r.svc.Occupancy24h(ctx, identity.System(), r.other)
		if err != nil || len(occ) == 0 {
			t.Fatalf("occupancy %v %v", occ, err)
		}
		if last := occ[len(occ)-1]; !last.At.Equal(r.now.Truncate(mobility.SampleEvery)) || last.Bikes != 0 {
			t.Fatalf("newest sample %+v, want 0 bikes at %s", last, r.now.Truncate(mobility.SampleEvery))
		}
	})
}
