package mobility_test

import (
	"context"
	"strings"
	"testing"

	"cityhub/apperr"
	"cityhub/identity"
	"cityhub/mobility"
	"cityhub/mobility/mobilitytest"
	"cityhub/simulator"
	"cityhub/store"
	"cityhub/store/storetest"
)

// A station's address, published in GBFS station_information, is one line
// of at most 300 characters without control characters; a dock's note is
// one line of at most 500. Both are refused otherwise (station_address,
// dock_note), whatever surface asks, and nothing is stored.
func TestStationAddressAndDockNoteAreOneLine(t *testing.T) {
	t.Parallel()
	st := mobility.Station{ID: "addr", NameIT: "Piazza", Lat: 41.13, Lon: 14.78, Capacity: 4}
	for _, c := range []struct {
		address string
		ok      bool
	}{
		{"", true},
		{"Piazza Santa Sofia 1, Benevento", true},
		{strings.Repeat("è", 300), true}, // characters, not bytes
		{strings.Repeat("a", 301), false},
		{"Via Roma\n1", false},
		{"Via Roma\r1", false},
		{"Via Roma\t1", false},
		{"Via\x1b[2J Roma", false},
		{"Via Roma\u2028 1", false},
		{"Via \u0085Roma", false},
	} {
		st.Address = c.address
		err := st.Validate()
		if c.ok && err != nil || !c.ok && (!apperr.Has(err, apperr.Invalid) || apperr.ReasonOf(err) != "station_address") {
			t.Errorf("address %q: %v", c.address, err)
		}
	}
	storetest.Each(t, func(t *testing.T, db store.DB) {
		svc := mobilitytest.NewService(db.Mobility(), nil)
		ctx := context.Background()
		if err := simulator.SeedCatalogue(ctx, svc, simulator.Layout("note", 1, 4)); err != nil {
			t.Fatal(err)
		}
		for _, note := range []string{"lock\njammed", "bell\a", "tab\there", strings.Repeat("n", 501)} {
			if _, err := svc.SetDockService(ctx, identity.System(), "note-001", 2, false, note); apperr.ReasonOf(err) != "dock_note" {
				t.Errorf("note %q: %v, want dock_note", note, err)
			}
		}
		if docks, err := svc.Docks(ctx, identity.System(), "note-001"); err != nil || len(docks) != 0 {
			t.Errorf("refused notes stored: %+v %v", docks, err)
		}
		long := strings.Repeat("è", 500)
		if _, err := svc.SetDockService(ctx, identity.System(), "note-001", 2, false, long); err != nil {
			t.Fatalf("a note of 500 characters: %v", err)
		}
		bad := mobility.Station{ID: "note-002", NameIT: "Piazza", Address: "Via Roma\n1", Lat: 41.13, Lon: 14.78, Capacity: 4}
		if _, err := svc.CreateStation(ctx, identity.System(), bad); apperr.ReasonOf(err) != "station_address" {
			t.Errorf("station with a two-line address: %v", err)
		}
		if _, err := svc.Station(ctx, identity.System(), "note-002"); !apperr.Has(err, apperr.NotFound) {
			t.Errorf("refused station stored: %v", err)
		}
	})
}

// A catalogue name refused is refused with its bound (MaxName) as the
// refusal's value, as the other catalogue bounds are, so that the words
// naming it follow the check and never a number of their own.
func TestCatalogueNameRefusalsNameTheBound(t *testing.T) {
	t.Parallel()
	long := strings.Repeat("a", mobility.MaxName+1)
	for reason, err := range map[string]error{
		"station_name":      mobility.Station{ID: "s", NameIT: long, Lat: 41.13, Lon: 14.78, Capacity: 4}.Validate(),
		"vehicle_type_name": mobility.VehicleType{ID: "t", NameIT: long, Propulsion: mobility.Human, PricingPlanID: "p"}.Validate(),
		"pricing_plan_name": mobility.PricingPlan{ID: "p", NameIT: long}.Validate(),
	} {
		if args := apperr.ArgsOf(err); apperr.ReasonOf(err) != reason || len(args) != 1 || args[0] != mobility.MaxName {
			t.Errorf("%s: %v, values %v; want %s naming %d", reason, err, args, reason, mobility.MaxName)
		}
	}
}

// The catalogue's names and a plan's descriptions are bounded in
// characters, as the refusals say: at the bound in accented letters (two
// bytes each) they pass and a station so named is kept as typed; one more
// is refused. The bounds once counted bytes, refusing half as many.
func TestCatalogueTextBoundsCountCharacters(t *testing.T) {
	t.Parallel()
	name, description := strings.Repeat("é", mobility.MaxName), strings.Repeat("è", mobility.MaxDescription)
	plan := func(nameIT, nameEN, descIT, descEN string) error {
		return mobility.PricingPlan{ID: "p", NameIT: nameIT, NameEN: nameEN, DescriptionIT: descIT, DescriptionEN: descEN}.Validate()
	}
	station := func(nameIT, nameEN string) error {
		return mobility.Station{ID: "s", NameIT: nameIT, NameEN: nameEN, Lat: 41.13, Lon: 14.78, Capacity: 4}.Validate()
	}
	vehicle := func(nameIT, nameEN string) error {
		return mobility.VehicleType{ID: "t", NameIT: nameIT, NameEN: nameEN, Propulsion: mobility.Human, PricingPlanID: "p"}.Validate()
	}
	for what, err := range map[string]error{
		"a station's names":      station(name, name),
		"a vehicle type's names": vehicle(name, name),
		"a plan's names":         plan(name, name, "", ""),
		"a plan's descriptions":  plan("Base", "", description, description),
	} {
		if err != nil {
			t.Errorf("%s at the bound in accented letters: %v", what, err)
		}
	}
	for reason, err := range map[string]error{
		"station_name":             station("Piazza", name+"é"),
		"vehicle_type_name":        vehicle(name+"é", ""),
		"pricing_plan_name":        plan(name+"é", "", "", ""),
		"pricing_plan_description": plan("Base", "", "", description+"è"),
	} {
		if apperr.ReasonOf(err) != reason {
			t.Errorf("one character over the bound: %v, want %s", err, reason)
		}
	}
	storetest.Each(t, func(t *testing.T, db store.DB) {
		svc := mobilitytest.NewService(db.Mobility(), nil)
		ctx := context.Background()
		if err := simulator.SeedCatalogue(ctx, svc, simulator.Layout("named", 1, 4)); err != nil {
			t.Fatal(err)
		}
		st := mobility.Station{ID: "named-002", NameIT: name, NameEN: name, Lat: 41.13, Lon: 14.78, Capacity: 4}
		if _, err := svc.CreateStation(ctx, identity.System(), st); err != nil {
			t.Fatalf("a station named at the bound: %v", err)
		}
		if got, err := svc.Station(ctx, identity.System(), st.ID); err != nil || got.NameIT != name || got.NameEN != name {
			t.Fatalf("the station named at the bound, read back: %q %q, %v", got.NameIT, got.NameEN, err)
		}
	})
}
