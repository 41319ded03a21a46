package mobility_test

import (
	"context"
	"sync/atomic"
	"testing"
	"time"

	"cityhub/identity"
	"cityhub/mobility"
	"cityhub/mobility/mobilitytest"
)

// heldStation answers every unlock with ok at once, except the unlock of
// bike held: that one it reports on asked and answers with what the test
// sends on answer, however late (as a reply that reached the hub just
// before the deadline, while another replica's clock already said it had
// passed).
type heldStation struct {
	held   string
	asked  chan mobility.UnlockCommand
	answer chan mobility.Reply
}

func (h *heldStation) Unlock(_ context.Context, cmd mobility.UnlockCommand) (mobility.Reply, error) {
	if cmd.BikeID != h.held {
		return mobility.Reply{RequestID: cmd.RequestID, StationID: cmd.StationID, Result: mobility.ReplyOK, TS: time.Now()}, nil
	}
	h.asked <- cmd
	return <-h.answer, nil
}

func (h *heldStation) Connected() bool { return true }

// Review: when the station's ok came for an unlock that another request had
// meanwhile expired (its deadline passed by the hub's clock), the hub
// answered the stored failure and nothing else: the reply was consumed, so
// no late-ok path saw it, and a bike was out of its dock with no ride and no
// incident. Now that ok raises the incident "bike released without a ride",
// naming the ride and the bike, as a late ok does.
func TestOKForAnExpiredUnlockRaisesIncident(t *testing.T) {
	t.Parallel()
	eachEngine(t, func(t *testing.T, r *rules) {
		ctx := context.Background()
		var clock atomic.Int64
		clock.Store(r.now.UnixNano())
		r.svc.SetClock(func() time.Time { return time.Unix(0, clock.Load()).UTC() })
		station := &heldStation{held: "bk-1", asked: make(chan mobility.UnlockCommand), answer: make(chan mobility.Reply)}
		r.svc.SetCommander(station)
		r.svc.UnlockTimeout = time.Minute

		first := r.rider(5000)
		type outcome struct {
			ride mobility.Ride
			err  error
		}
		done := make(chan outcome, 1)
		go func() {
			ride, err := r.svc.Unlock(ctx, mobilitytest.Citizen(first), mobility.UnlockRequest{StationID: r.st, Dock: 1})
			done <- outcome{ride, err}
		}()
		cmd := <-station.asked
		// Past the deadline, another rider's unlock expires the pending one.
		clock.Add(int64(2 * time.Minute))
		second := r.rider(5000)
		if _, err := r.svc.Unlock(ctx, mobilitytest.Citizen(second), mobility.UnlockRequest{StationID: r.st, Dock: 2}); err != nil {
			t.Fatalf("the second rider's unlock: %v", err)
		}
		// Then the station says it opened the lock.
		station.answer <- mobility.Reply{RequestID: cmd.RequestID, StationID: r.st, Result: mobility.ReplyOK, TS: time.Unix(0, clock.Load())}
		got := <-done
		if got.err == nil || got.ride.Status != mobility.RideFailed {
			t.Fatalf("unlock of an expired ride: %+v %v; want it failed", got.ride, got.err)
		}
		open, err := r.svc.Incidents(ctx, operatorCaller, true, mobility.IncidentReleasedWithoutRide)
		if err != nil {
			t.Fatal(err)
		}
		if len(open) != 1 || open[0].RideID != got.ride.ID || open[0].BikeID != "bk-1" || open[0].StationID != r.st ||
			open[0].RequestID != cmd.RequestID || open[0].Dock != 1 {
			t.Fatalf("incidents %+v; want one naming ride %s, bike bk-1 at %s dock 1", open, got.ride.ID, r.st)
		}
		// The station repeating its ok (a late delivery) raises no second one.
		if raised, err := r.svc.UnlockConfirmedLate(ctx, identity.System(), r.st, cmd.RequestID, time.Now()); err != nil || raised {
			t.Errorf("the repeated ok: raised=%v %v; want nothing more", raised, err)
		}
	})
}
