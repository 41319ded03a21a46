package mobility_test

import (
	"context"
	"testing"
	"time"

	"cityhub/mobility"
	"cityhub/mobility/mobilitytest"
	"cityhub/simulator"
	"cityhub/wallet"
)

// A ride's fare is charged on the minutes begun of its exact length, as
// the stores keep its times (to the microsecond), and what the rider reads
// back (the length in seconds begun, the fare, the wallet's charge) agree:
// a ride of 120.89 s was charged two minutes and shown as 120 s.
func TestRideFareOnItsStoredExactLength(t *testing.T) {
	t.Parallel()
	at := func(hms string, micros int) time.Time {
		t0, err := time.Parse("15:04:05", hms)
		if err != nil {
			t.Fatal(err)
		}
		return time.Date(2026, 11, 30, t0.Hour(), t0.Minute(), t0.Second(), micros*1000, time.UTC)
	}
	rides := []struct {
		name       string
		start, end time.Time
		seconds    int64
		fare       int64
	}{
		{"121.129488 s", at("09:31:55", 236817), at("09:33:56", 366305), 122, 130},
		{"120.892693 s", at("09:34:57", 809652), at("09:36:58", 702345), 121, 130},
		{"exactly 120 s", at("09:40:00", 500000), at("09:42:00", 500000), 120, 120},
		{"120.000001 s", at("09:45:00", 500000), at("09:47:00", 500001), 121, 130},
		{"119.999999 s", at("09:50:00", 500000), at("09:52:00", 499999), 120, 120},
	}
	eachEngine(t, func(t *testing.T, r *rules) {
		ctx := context.Background()
		rider := r.rider(5000)
		// bk-1 goes from dock 1 of one station to dock 3 of the other and
		// back, ride after ride.
		from, fromDock, to, toDock := r.st, 1, r.other, 3
		var charged int64
		for _, tc := range rides {
			r.now = tc.start
			r.station.mu.Lock()
			r.station.replyTS = tc.start
			r.station.mu.Unlock()
			bikes := map[string][]string{r.st: {"bk-1", "bk-2"}, r.other: {"", "", "bk-1"}}
			r.status(from, tc.start.Add(-time.Second), tc.start, bikes[from]...)
			started, err := r.svc.Unlock(ctx, mobilitytest.Citizen(rider), mobility.UnlockRequest{StationID: from, Dock: fromDock})
			if err != nil || started.Status != mobility.RideActive || !started.StartedAt.Equal(tc.start) {
				t.Fatalf("%s: unlock %+v %v", tc.name, started, err)
			}
			r.now = tc.end
			r.event(to, mobility.Event{TS: tc.end, Type: mobility.EventBikeDocked, Dock: toDock, BikeID: "bk-1"}, tc.end)
			got := r.lastRide(rider)
			if got.ID != started.ID || got.Status != mobility.RideEnded || !got.EndedAt.Equal(tc.end) || !got.StartedAt.Equal(tc.start) {
				t.Fatalf("%s: ride read back %+v; want ended at %s", tc.name, got, tc.end.Format(time.RFC3339Nano))
			}
			if got.FareCents != tc.fare || got.CostCents != tc.fare || got.DurationSeconds != tc.seconds {
				t.Errorf("%s: fare %d (cost %d) for %d s shown; want %d for %d s", tc.name, got.FareCents, got.CostCents, got.DurationSeconds, tc.fare, tc.seconds)
			}
			// The plan the ride published in GBFS charges the same.
			if want := simulator.StandardPlan.Fare(tc.end.Sub(tc.start)); got.FareCents != want {
				t.Errorf("%s: fare %d, the plan says %d", tc.name, got.FareCents, want)
			}
			charged += tc.fare
			if a, err := wallet.NewService(r.db.Wallet(), nil).Account(ctx, wallet.CitizenAccount(rider)); err != nil || a.Balance != 5000-charged {
				t.Errorf("%s: balance %d (%v), want %d", tc.name, a.Balance, err, 5000-charged)
			}
			from, fromDock, to, toDock = to, toDock, from, fromDock
		}
	})
}
