package mobility_test

import (
	"context"
	"testing"
	"time"

	"cityhub/apperr"
	"cityhub/identity"
	"cityhub/mobility"
	"cityhub/mobility/mobilitytest"
	"cityhub/store"
	"cityhub/store/storetest"
)

// Rides are counted on the day they started in the city's zone, quiet days
// included; rides that never started are not; riders may not read it.
func TestRidesPerDay(t *testing.T) {
	t.Parallel()
	storetest.Each(t, func(t *testing.T, db store.DB) {
		ctx := context.Background()
		svc := mobilitytest.NewService(db.Mobility(), nil)
		rome, err := time.LoadLocation("Europe/Rome")
		if err != nil {
			t.Fatal(err)
		}
		day := time.Date(2026, 11, 20, 0, 0, 0, 0, rome)
		plan := mobility.PricingPlan{ID: "base", NameIT: "Base", UnlockCents: 100, PerMin: []mobility.Segment{{StartMin: 0, RateCents: 10, IntervalMin: 1}}}
		// Two rides on the 20th (one at 23:30 Rome time, the 20th in UTC
		// too), one on the 22nd at 00:30 Rome time (the 21st in UTC), and a
		// failed unlock that never started.
		starts := []time.Time{day.Add(9 * time.Hour), day.Add(23*time.Hour + 30*time.Minute), day.Add(48*time.Hour + 30*time.Minute), {}}
		err = db.Mobility().InTx(ctx, func(tx mobility.Tx) error {
			for i, at := range starts {
				r := mobility.Ride{ID: "ride_" + string(rune('a'+i)), CommandID: "cmd_" + string(rune('a'+i)), RiderID: "acc_" + string(rune('a'+i)),
					BikeID: "b-" + string(rune('a'+i)), StartStation: "duomo", StartDock: 1, Status: mobility.RideEnded, PricingPlanID: plan.ID, Plan: plan,
					Deadline: day.UTC(), CreatedAt: day.UTC(), StartedAt: at.UTC(), EndedAt: at.UTC().Add(10 * time.Minute)}
				if at.IsZero() {
					r.Status, r.StartedAt, r.EndedAt, r.FailureReason = mobility.RideFailed, time.Time{}, time.Time{}, "timeout"
				}
				// A ride is written when the unlock starts and updated as it
				// goes, as the service does.
				if err := tx.InsertRide(ctx, r); err != nil {
					return err
				}
				if err := tx.UpdateRide(ctx, r); err != nil {
					return err
				}
			}
			return nil
		})
		if err != nil {
			t.Fatal(err)
		}
		op := identity.Caller{AccountID: "acc_op", Grants: []identity.Grant{{Role: identity.RoleOperator}}}
		got, err := svc.RidesPerDay(ctx, op, day.Add(-24*time.Hour), day.Add(72*time.Hour), rome)
		if err != nil {
			t.Fatal(err)
		}
		want := []int{0, 2, 0, 1, 0}
		if len(got) != len(want) {
			t.Fatalf("days %+v", got)
		}
		for i, w := range want {
			if got[i].Count != w || !got[i].Day.Equal(day.AddDate(0, 0, i-1)) {
				t.Errorf("day %d: %+v, want %d rides on %v", i, got[i], w, day.AddDate(0, 0, i-1))
			}
		}
		rider := identity.Caller{AccountID: "acc_a", Grants: []identity.Grant{{Role: identity.RoleCitizen}}}
		if _, err := svc.RidesPerDay(ctx, rider, day, day, rome); !apperr.Has(err, apperr.Forbidden) {
			t.Fatalf("a rider reading the report: %v", err)
		}
	})
}
