package mobility_test

import (
	"context"
	"testing"

	"cityhub/apperr"
	"cityhub/identity"
	"cityhub/mobility"
	"cityhub/mobility/mobilitytest"
	"cityhub/simulator"
	"cityhub/store"
	"cityhub/store/storetest"
)

// A vehicle type is in use while bikes are of it, a plan while a type
// charges by it: what the deletes refuse for, so a page can say so before
// offering one. Neither answers for what does not exist.
func TestCatalogueInUse(t *testing.T) {
	t.Parallel()
	storetest.Each(t, func(t *testing.T, db store.DB) {
		svc := mobilitytest.NewService(db.Mobility(), nil)
		ctx := context.Background()
		sys := identity.System()
		if err := simulator.SeedCatalogue(ctx, svc, simulator.Layout("uso", 1, 4)); err != nil {
			t.Fatal(err)
		}
		spare, err := svc.CreatePricingPlan(ctx, sys, mobility.PricingPlan{ID: "riserva", NameIT: "Riserva", UnlockCents: 50})
		if err != nil {
			t.Fatal(err)
		}
		idle, err := svc.CreateVehicleType(ctx, sys, mobility.VehicleType{ID: "cargo", NameIT: "Cargo", Propulsion: mobility.Human, PricingPlanID: spare.ID})
		if err != nil {
			t.Fatal(err)
		}
		for _, tc := range []struct {
			name string
			in   func() (bool, error)
			want bool
		}{
			{"type with bikes", func() (bool, error) { return svc.VehicleTypeInUse(ctx, sys, "bike") }, true},
			{"type without bikes", func() (bool, error) { return svc.VehicleTypeInUse(ctx, sys, idle.ID) }, false},
			{"plan of a type", func() (bool, error) { return svc.PricingPlanInUse(ctx, sys, "standard") }, true},
			{"plan of the type without bikes", func() (bool, error) { return svc.PricingPlanInUse(ctx, sys, spare.ID) }, true},
		} {
			if got, err := tc.in(); err != nil || got != tc.want {
				t.Errorf("%s: %v %v, want %v", tc.name, got, err, tc.want)
			}
		}
		if err := svc.DeleteVehicleType(ctx, sys, idle.ID); err != nil {
			t.Fatalf("delete the type not in use: %v", err)
		}
		if used, err := svc.PricingPlanInUse(ctx, sys, spare.ID); err != nil || used {
			t.Errorf("the plan of no type left: %v %v", used, err)
		}
		if err := svc.DeletePricingPlan(ctx, sys, spare.ID); err != nil {
			t.Fatalf("delete the plan not in use: %v", err)
		}
		if _, err := svc.VehicleTypeInUse(ctx, sys, "nope"); !apperr.Has(err, apperr.NotFound) {
			t.Errorf("unknown type: %v", err)
		}
		if _, err := svc.PricingPlanInUse(ctx, sys, "nope"); !apperr.Has(err, apperr.NotFound) {
			t.Errorf("unknown plan: %v", err)
		}
	})
}
