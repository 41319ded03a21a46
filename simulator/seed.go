package simulator

import (
	"context"
	"fmt"

	"cityhub/identity"
	"cityhub/mobility"
	"cityhub/money"
)

// Plans and vehicle types SeedCatalogue creates.
var (
	StandardPlan = mobility.PricingPlan{ID: "standard", NameIT: "Bici muscolare", NameEN: "Pedal bike",
		DescriptionIT: fmt.Sprintf("%s di sblocco, %s al minuto per 30 minuti, poi %s ogni mezz'ora.", eur(100, "it"), eur(10, "it"), eur(200, "it")),
		DescriptionEN: fmt.Sprintf("%s to unlock, %s a minute for 30 minutes, then %s every half hour.", eur(100, "en"), eur(10, "en"), eur(200, "en")),
		UnlockCents:   100, PerMin: []mobility.Segment{{StartMin: 0, RateCents: 10, IntervalMin: 1, EndMin: 30}, {StartMin: 30, RateCents: 200, IntervalMin: 30}}}
	EBikePlan = mobility.PricingPlan{ID: "ebike", NameIT: "Bici elettrica", NameEN: "E-bike",
		DescriptionIT: fmt.Sprintf("%s di sblocco, %s al minuto.", eur(150, "it"), eur(20, "it")),
		DescriptionEN: fmt.Sprintf("%s to unlock, %s a minute.", eur(150, "en"), eur(20, "en")),
		UnlockCents:   150, PerMin: []mobility.Segment{{StartMin: 0, RateCents: 20, IntervalMin: 1}}}
	MechanicalType = mobility.VehicleType{ID: "bike", NameIT: "Bicicletta", NameEN: "Bicycle", Propulsion: mobility.Human, PricingPlanID: "standard"}
	ElectricType   = mobility.VehicleType{ID: "ebike", NameIT: "Bicicletta elettrica", NameEN: "E-bike", Propulsion: mobility.ElectricAssist,
		MaxRangeMeters: 60_000, PricingPlanID: "ebike"}
)

// eur writes an amount of the plans' descriptions as the hub writes money
// in lang ("1,00 €", "€1.00"), as every other page of that language does.
func eur(cents int64, lang string) string { return money.Cents(cents).Format(lang) }

// SeedCatalogue registers the plans, vehicle types, stations and bikes of a
// layout through the mobility service, so the hub knows what the simulator
// plays. It is idempotent (everything is created or replaced). It writes as
// the hub itself (identity.System): seeding is the hub's own process.
func SeedCatalogue(ctx context.Context, svc *mobility.Service, stations []StationSpec) error {
	sys := identity.System()
	for _, p := range []mobility.PricingPlan{StandardPlan, EBikePlan} {
		if _, err := svc.PutPricingPlan(ctx, sys, p); err != nil {
			return fmt.Errorf("seed plan %s: %w", p.ID, err)
		}
	}
	for _, v := range []mobility.VehicleType{MechanicalType, ElectricType} {
		if _, err := svc.PutVehicleType(ctx, sys, v); err != nil {
			return fmt.Errorf("seed vehicle type %s: %w", v.ID, err)
		}
	}
	for _, st := range stations {
		if _, err := svc.PutStation(ctx, sys, mobility.Station{ID: st.ID, NameIT: st.NameIT, NameEN: st.NameEN, Address: st.Address,
			Lat: st.Lat, Lon: st.Lon, Capacity: st.Docks, Open: true}); err != nil {
			return fmt.Errorf("seed station %s: %w", st.ID, err)
		}
		for _, b := range st.Bikes {
			vt := MechanicalType.ID
			if b.Electric {
				vt = ElectricType.ID
			}
			if _, err := svc.PutBike(ctx, sys, mobility.Bike{ID: b.ID, VehicleTypeID: vt, Active: true}); err != nil {
				return fmt.Errorf("seed bike %s: %w", b.ID, err)
			}
		}
	}
	return nil
}
