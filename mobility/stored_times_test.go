package mobility_test

import (
	"context"
	"testing"
	"time"

	"cityhub/identity"
	"cityhub/mobility"
	"cityhub/mobility/mobilitytest"
	"cityhub/store"
	"cityhub/store/storetest"
)

// What a catalogue write answers carries the times a later read of the
// same record gives: the clock reads nanoseconds, which the stores do not
// keep, and a station, a bike, a vehicle type, a pricing plan or a dock
// answered with them named a time no read gives.
func TestCatalogueAnswersGiveTheStoredTimes(t *testing.T) {
	t.Parallel()
	at := time.Date(2027, 3, 4, 10, 11, 12, 866379657, time.UTC)
	storetest.Each(t, func(t *testing.T, db store.DB) {
		svc := mobilitytest.NewService(db.Mobility(), nil)
		svc.SetClock(func() time.Time { return at })
		ctx, sys := context.Background(), identity.System()
		same := func(what string, answered, read time.Time) {
			t.Helper()
			if !answered.Equal(read) || answered.IsZero() {
				t.Errorf("%s: answered %s, read back %s", what, answered.Format(time.RFC3339Nano), read.Format(time.RFC3339Nano))
			}
		}

		plan, err := svc.CreatePricingPlan(ctx, sys, mobility.PricingPlan{ID: "base", NameIT: "Base", UnlockCents: 100})
		if err != nil {
			t.Fatal(err)
		}
		readPlan, err := svc.PricingPlan(ctx, sys, plan.ID)
		if err != nil {
			t.Fatal(err)
		}
		same("pricing plan", plan.UpdatedAt, readPlan.UpdatedAt)

		vt, err := svc.CreateVehicleType(ctx, sys, mobility.VehicleType{ID: "city", NameIT: "Città", Propulsion: mobility.Human, PricingPlanID: plan.ID})
		if err != nil {
			t.Fatal(err)
		}
		readVT, err := svc.VehicleType(ctx, sys, vt.ID)
		if err != nil {
			t.Fatal(err)
		}
		same("vehicle type", vt.UpdatedAt, readVT.UpdatedAt)

		st, err := svc.CreateStation(ctx, sys, mobility.Station{ID: "piazza", NameIT: "Piazza", Address: "Piazza Roma 1", Lat: 41.13, Lon: 14.78, Capacity: 4, Open: true})
		if err != nil {
			t.Fatal(err)
		}
		readSt, err := svc.Station(ctx, sys, st.ID)
		if err != nil {
			t.Fatal(err)
		}
		same("station created", st.CreatedAt, readSt.CreatedAt)
		same("station updated", st.UpdatedAt, readSt.UpdatedAt)

		b, err := svc.CreateBike(ctx, sys, mobility.Bike{ID: "b1", VehicleTypeID: vt.ID, Active: true})
		if err != nil {
			t.Fatal(err)
		}
		readB, err := svc.Bike(ctx, sys, b.ID)
		if err != nil {
			t.Fatal(err)
		}
		same("bike", b.UpdatedAt, readB.UpdatedAt)

		d, err := svc.SetDockService(ctx, sys, st.ID, 2, false, "lock jammed")
		if err != nil {
			t.Fatal(err)
		}
		docks, err := svc.Docks(ctx, sys, st.ID)
		if err != nil {
			t.Fatal(err)
		}
		found := false
		for _, read := range docks {
			if read.Number == d.Number {
				found = true
				same("dock", d.UpdatedAt, read.UpdatedAt)
			}
		}
		if !found {
			t.Fatalf("dock %d not read back: %+v", d.Number, docks)
		}
	})
}
