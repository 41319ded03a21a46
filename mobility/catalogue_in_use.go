package mobility

import (
	"context"

	"cityhub/identity"
)

// What the catalogue pages ask before they offer a delete: a vehicle type
// that bikes are of, or a plan that a vehicle type charges by, is in use,
// and DeleteVehicleType and DeletePricingPlan refuse to delete it
// (vehicle_type_in_use, pricing_plan_in_use): both ask the store's one
// check (Tx.VehicleTypeInUse, Tx.PricingPlanInUse). The pages say why instead of offering a delete that would be
// refused.

// VehicleTypeInUse reports whether bikes of vehicle type id exist.
// Forbidden unless c may manage the catalogue; NotFound for an unknown
// type.
func (s *Service) VehicleTypeInUse(ctx context.Context, c identity.Caller, id string) (bool, error) {
	if err := MayManageCatalogue(c); err != nil {
		return false, err
	}
	var used bool
	err := s.store.View(ctx, func(tx Tx) error {
		if _, err := tx.VehicleType(ctx, id); err != nil {
			return err
		}
		var err error
		used, err = tx.VehicleTypeInUse(ctx, id)
		return err
	})
	return used, err
}

// PricingPlanInUse reports whether a vehicle type charges by plan id.
// Forbidden unless c may manage the catalogue; NotFound for an unknown
// plan.
func (s *Service) PricingPlanInUse(ctx context.Context, c identity.Caller, id string) (bool, error) {
	if err := MayManageCatalogue(c); err != nil {
		return false, err
	}
	var used bool
	err := s.store.View(ctx, func(tx Tx) error {
		if _, err := tx.PricingPlan(ctx, id); err != nil {
			return err
		}
		var err error
		used, err = tx.PricingPlanInUse(ctx, id)
		return err
	})
	return used, err
}
