package mobility_test

import (
	"context"
	"fmt"
	"sync"
	"testing"
	"time"

	"cityhub/apperr"
	"cityhub/identity"
	"cityhub/mobility"
	"cityhub/mobility/mobilitytest"
	"cityhub/simulator"
	"cityhub/store"
	"cityhub/store/storetest"
)

// race runs create from n goroutines released together and returns the index
// of the only one that succeeded; every other must be a Conflict with reason.
func race(t *testing.T, n int, reason string, create func(i int) error) int {
	t.Helper()
	start := make(chan struct{})
	errs := make([]error, n)
	var wg sync.WaitGroup
	for i := range n {
		wg.Add(1)
		go func() {
			defer wg.Done()
			<-start
			errs[i] = create(i)
		}()
	}
	close(start)
	wg.Wait()
	winner := -1
	for i, err := range errs {
		switch {
		case err == nil:
			if winner >= 0 {
				t.Fatalf("creators %d and %d both succeeded", winner, i)
			}
			winner = i
		case !apperr.Has(err, apperr.Conflict) || apperr.ReasonOf(err) != reason:
			t.Errorf("creator %d: %v (reason %q), want Conflict %s", i, err, apperr.ReasonOf(err), reason)
		}
	}
	if winner < 0 {
		t.Fatal("no creator succeeded")
	}
	return winner
}

func TestConcurrentCreatesOfOneStationHaveOneWinner(t *testing.T) {
	t.Parallel()
	storetest.Each(t, func(t *testing.T, db store.DB) {
		svc := mobilitytest.NewService(db.Mobility(), nil)
		ctx := context.Background()
		const n = 16
		want := func(i int) mobility.Station {
			return mobility.Station{ID: "piazza", NameIT: fmt.Sprintf("Piazza %d", i), NameEN: fmt.Sprintf("Square %d", i),
				Address: fmt.Sprintf("Via %d", i), Lat: 41 + float64(i)/100, Lon: 14 + float64(i)/100, Capacity: i + 1, Open: i%2 == 0}
		}
		v0 := svc.Version()
		w := race(t, n, "station_exists", func(i int) error { _, err := svc.CreateStation(ctx, identity.System(), want(i)); return err })
		got, err := svc.Station(ctx, identity.System(), "piazza")
		if err != nil {
			t.Fatal(err)
		}
		exp := want(w)
		exp.CreatedAt, exp.UpdatedAt = got.CreatedAt, got.UpdatedAt
		if got != exp || got.CreatedAt.IsZero() {
			t.Errorf("stored %+v, want the winner's %+v", got, exp)
		}
		if d := svc.Version() - v0; d != 1 {
			t.Errorf("version moved %d times for one create", d)
		}
		all, _ := svc.Stations(ctx, identity.System())
		if len(all) != 1 {
			t.Errorf("%d stations", len(all))
		}
	})
}

func TestConcurrentCreatesOfOnePricingPlanHaveOneWinner(t *testing.T) {
	t.Parallel()
	storetest.Each(t, func(t *testing.T, db store.DB) {
		svc := mobilitytest.NewService(db.Mobility(), nil)
		ctx := context.Background()
		const n = 16
		want := func(i int) mobility.PricingPlan {
			return mobility.PricingPlan{ID: "notte", NameIT: fmt.Sprintf("Notte %d", i), DescriptionIT: fmt.Sprintf("Piano %d", i),
				UnlockCents: int64(100 + i), PerMin: []mobility.Segment{{StartMin: 0, RateCents: int64(10 + i), IntervalMin: 1, EndMin: 30 + i}, {StartMin: 30 + i, RateCents: int64(200 + i), IntervalMin: 30}}}
		}
		w := race(t, n, "pricing_plan_exists", func(i int) error { _, err := svc.CreatePricingPlan(ctx, identity.System(), want(i)); return err })
		got, err := svc.PricingPlan(ctx, identity.System(), "notte")
		if err != nil {
			t.Fatal(err)
		}
		exp := want(w)
		if got.NameIT != exp.NameIT || got.DescriptionIT != exp.DescriptionIT || got.UnlockCents != exp.UnlockCents ||
			fmt.Sprint(got.PerMin) != fmt.Sprint(exp.PerMin) {
			t.Errorf("stored %+v, want the winner's %+v", got, exp)
		}
	})
}

func TestCreateRefusesATakenCodeAndUpdateAMissingOne(t *testing.T) {
	t.Parallel()
	storetest.Each(t, func(t *testing.T, db store.DB) {
		svc := mobilitytest.NewService(db.Mobility(), nil)
		ctx := context.Background()
		plan := mobility.PricingPlan{ID: "base", NameIT: "Base", UnlockCents: 100}
		vt := mobility.VehicleType{ID: "city", NameIT: "Città", Propulsion: mobility.Human, PricingPlanID: "base"}
		bike := mobility.Bike{ID: "b-1", VehicleTypeID: "city", Active: true}
		if _, err := svc.CreateBike(ctx, identity.System(), bike); !apperr.Has(err, apperr.Invalid) || apperr.ReasonOf(err) != "unknown_vehicle_type" {
			t.Errorf("bike of unknown type: %v", err)
		}
		if _, err := svc.CreateVehicleType(ctx, identity.System(), vt); !apperr.Has(err, apperr.Invalid) || apperr.ReasonOf(err) != "unknown_pricing_plan" {
			t.Errorf("type of unknown plan: %v", err)
		}
		if _, err := svc.CreateStation(ctx, identity.System(), mobility.Station{ID: "x", Capacity: 0}); !apperr.Has(err, apperr.Invalid) {
			t.Errorf("invalid station: %v", err)
		}
		if _, err := svc.CreatePricingPlan(ctx, identity.System(), plan); err != nil {
			t.Fatal(err)
		}
		if _, err := svc.CreateVehicleType(ctx, identity.System(), vt); err != nil {
			t.Fatal(err)
		}
		if _, err := svc.CreateBike(ctx, identity.System(), bike); err != nil {
			t.Fatal(err)
		}
		for _, c := range []struct {
			reason string
			err    error
		}{
			{"pricing_plan_exists", func() error {
				_, err := svc.CreatePricingPlan(ctx, identity.System(), mobility.PricingPlan{ID: "base", NameIT: "Altro", UnlockCents: 5})
				return err
			}()},
			{"vehicle_type_exists", func() error {
				_, err := svc.CreateVehicleType(ctx, identity.System(), mobility.VehicleType{ID: "city", NameIT: "Altro", Propulsion: mobility.Human, PricingPlanID: "base"})
				return err
			}()},
			{"bike_exists", func() error {
				_, err := svc.CreateBike(ctx, identity.System(), mobility.Bike{ID: "b-1", VehicleTypeID: "city"})
				return err
			}()},
		} {
			if !apperr.Has(c.err, apperr.Conflict) || apperr.ReasonOf(c.err) != c.reason {
				t.Errorf("second create: %v, want Conflict %s", c.err, c.reason)
			}
		}
		if p, _ := svc.PricingPlan(ctx, identity.System(), "base"); p.NameIT != "Base" || p.UnlockCents != 100 {
			t.Errorf("a refused create changed the plan: %+v", p)
		}
		if b, _ := svc.Bike(ctx, identity.System(), "b-1"); !b.Active {
			t.Errorf("a refused create changed the bike: %+v", b)
		}
		plan.UnlockCents = 150
		if _, err := svc.UpdatePricingPlan(ctx, identity.System(), plan); err != nil {
			t.Fatal(err)
		}
		if p, _ := svc.PricingPlan(ctx, identity.System(), "base"); p.UnlockCents != 150 {
			t.Errorf("edit lost: %+v", p)
		}
		// An edit of what is gone is NotFound and brings nothing back.
		if err := svc.DeleteBike(ctx, identity.System(), "b-1"); err != nil {
			t.Fatal(err)
		}
		st := mobility.Station{ID: "ghost", NameIT: "Fantasma", Lat: 41, Lon: 14, Capacity: 2}
		for _, c := range []struct {
			reason string
			err    error
		}{
			{"no_bike", func() error { _, err := svc.UpdateBike(ctx, identity.System(), bike); return err }()},
			{"no_station", func() error { _, err := svc.UpdateStation(ctx, identity.System(), st); return err }()},
			{"no_pricing_plan", func() error {
				_, err := svc.UpdatePricingPlan(ctx, identity.System(), mobility.PricingPlan{ID: "gone", NameIT: "X"})
				return err
			}()},
			{"no_vehicle_type", func() error {
				_, err := svc.UpdateVehicleType(ctx, identity.System(), mobility.VehicleType{ID: "gone", NameIT: "X", Propulsion: mobility.Human, PricingPlanID: "base"})
				return err
			}()},
		} {
			if !apperr.Has(c.err, apperr.NotFound) || apperr.ReasonOf(c.err) != c.reason {
				t.Errorf("edit of a missing object: %v, want NotFound %s", c.err, c.reason)
			}
		}
		if _, err := svc.Bike(ctx, identity.System(), "b-1"); !apperr.Has(err, apperr.NotFound) {
			t.Errorf("an edit brought a deleted bike back: %v", err)
		}
		if _, err := svc.Station(ctx, identity.System(), "ghost"); !apperr.Has(err, apperr.NotFound) {
			t.Errorf("an edit created a station: %v", err)
		}
		created, err := svc.CreateStation(ctx, identity.System(), mobility.Station{ID: "real", NameIT: "Vera", Lat: 41, Lon: 14, Capacity: 2})
		if err != nil {
			t.Fatal(err)
		}
		edited, err := svc.UpdateStation(ctx, identity.System(), mobility.Station{ID: "real", NameIT: "Vera 2", Lat: 41, Lon: 14, Capacity: 4})
		if err != nil || edited.NameIT != "Vera 2" || edited.Capacity != 4 || !edited.CreatedAt.Equal(created.CreatedAt) {
			t.Errorf("edited %+v (%v), created %+v", edited, err, created)
		}
	})
}

// Opening or closing a station changes only its open flag: an admin's edit
// made meanwhile survives, and a deleted station is not brought back.
func TestSetStationOpenTouchesOnlyTheFlag(t *testing.T) {
	t.Parallel()
	storetest.Each(t, func(t *testing.T, db store.DB) {
		ctx := context.Background()
		svc := mobilitytest.NewService(db.Mobility(), nil)
		st := mobility.Station{ID: "flag-1", NameIT: "Piazza Roma", Lat: 41.13, Lon: 14.78, Capacity: 4, Open: true}
		if _, err := svc.CreateStation(ctx, identity.System(), st); err != nil {
			t.Fatal(err)
		}
		edited := st
		edited.NameIT = "Piazza Roma (nuova)"
		if _, err := svc.UpdateStation(ctx, identity.System(), edited); err != nil {
			t.Fatal(err)
		}
		got, err := svc.SetStationOpen(ctx, identity.System(), "flag-1", false)
		if err != nil {
			t.Fatal(err)
		}
		if got.Open || got.NameIT != "Piazza Roma (nuova)" {
			t.Fatalf("after closing: %+v, want closed with the edited name", got)
		}
		if err := svc.DeleteStation(ctx, identity.System(), "flag-1"); err != nil {
			t.Fatal(err)
		}
		if _, err := svc.SetStationOpen(ctx, identity.System(), "flag-1", true); !apperr.Has(err, apperr.NotFound) {
			t.Fatalf("opening a deleted station: %v, want not found", err)
		}
		if _, err := svc.Station(ctx, identity.System(), "flag-1"); !apperr.Has(err, apperr.NotFound) {
			t.Fatalf("the deleted station came back: %v", err)
		}
	})
}

func TestCatalogueRules(t *testing.T) {
	t.Parallel()
	storetest.Each(t, func(t *testing.T, db store.DB) {
		svc := mobilitytest.NewService(db.Mobility(), nil)
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
