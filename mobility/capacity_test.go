package mobility_test

import (
	"context"
	"slices"
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

// A station's capacity cannot be lowered below a dock that holds a bike:
// the docks above it are hidden from riders and the open data, so the bike
// would vanish from the city's count. Once the bike is moved, it can.
func TestCapacityNotBelowADockWithABike(t *testing.T) {
	t.Parallel()
	storetest.Each(t, func(t *testing.T, db store.DB) {
		svc := mobilitytest.NewService(db.Mobility(), nil)
		ctx := context.Background()
		if err := simulator.SeedCatalogue(ctx, svc, simulator.Layout("cap", 1, 6)); err != nil {
			t.Fatal(err)
		}
		status := func(at time.Time, bikes ...string) mobility.Telemetry {
			return mobilitytest.Docked(at, "cap-001", bikes...)
		}
		t0 := time.Now().UTC().Truncate(time.Millisecond)
		if err := svc.Ingest(ctx, identity.System(), []mobility.Telemetry{status(t0, "", "", "", "", "x5", "x6")}); err != nil {
			t.Fatal(err)
		}
		st, err := svc.Station(ctx, identity.System(), "cap-001")
		if err != nil {
			t.Fatal(err)
		}
		smaller := st
		smaller.Capacity = 4
		_, err = svc.UpdateStation(ctx, identity.System(), smaller)
		if apperr.ReasonOf(err) != "docks_hold_bikes" || !apperr.Has(err, apperr.Conflict) {
			t.Fatalf("capacity 4 with bikes in docks 5 and 6: %v, want 409 docks_hold_bikes", err)
		}
		if got, _ := svc.Station(ctx, identity.System(), "cap-001"); got.Capacity != 6 {
			t.Fatalf("the refused edit wrote capacity %d", got.Capacity)
		}
		smaller.Capacity = 5
		if _, err := svc.UpdateStation(ctx, identity.System(), smaller); apperr.ReasonOf(err) != "docks_hold_bikes" {
			t.Fatalf("capacity 5 with a bike in dock 6: %v", err)
		}
		// The bikes moved to the lower docks: the capacity may go down.
		if err := svc.Ingest(ctx, identity.System(), []mobility.Telemetry{status(t0.Add(time.Second), "x5", "x6", "", "", "", "")}); err != nil {
			t.Fatal(err)
		}
		smaller.Capacity = 4
		if got, err := svc.UpdateStation(ctx, identity.System(), smaller); err != nil || got.Capacity != 4 {
			t.Fatalf("capacity 4 once the docks above are empty: %+v, %v", got, err)
		}
	})
}

// A bike a station reports in a dock above its capacity (kept for the
// operator) does not stop an edit that keeps or raises the capacity: the
// station can be renamed or moved; only a lower capacity is refused.
func TestStationEditedWithABikeAboveItsCapacity(t *testing.T) {
	t.Parallel()
	storetest.Each(t, func(t *testing.T, db store.DB) {
		svc := mobilitytest.NewService(db.Mobility(), nil)
		ctx := context.Background()
		if err := simulator.SeedCatalogue(ctx, svc, simulator.Layout("over", 1, 4)); err != nil {
			t.Fatal(err)
		}
		t0 := time.Now().UTC().Truncate(time.Millisecond)
		if err := svc.Ingest(ctx, identity.System(), []mobility.Telemetry{mobilitytest.Docked(t0, "over-001", "", "", "", "", "z5")}); err != nil {
			t.Fatal(err)
		}
		st, err := svc.Station(ctx, identity.System(), "over-001")
		if err != nil {
			t.Fatal(err)
		}
		renamed := st
		renamed.NameIT, renamed.NameEN = "Stazione rinominata", "Renamed station"
		if got, err := svc.UpdateStation(ctx, identity.System(), renamed); err != nil || got.NameIT != renamed.NameIT || got.Capacity != 4 {
			t.Fatalf("renaming a station of 4 with a bike reported in dock 5: %+v, %v", got, err)
		}
		renamed.Capacity = 3
		if _, err := svc.UpdateStation(ctx, identity.System(), renamed); apperr.ReasonOf(err) != "docks_hold_bikes" {
			t.Fatalf("capacity 3 with a bike in dock 5: %v, want 409 docks_hold_bikes", err)
		}
		if got, _ := svc.Station(ctx, identity.System(), "over-001"); got.Capacity != 4 || got.NameIT != "Stazione rinominata" {
			t.Fatalf("after the refused edit: %+v", got)
		}
	})
}

// A station's registered docks are 1 to its capacity, and no other.
func TestRegisteredDocks(t *testing.T) {
	st := mobility.Station{Capacity: 12}
	for dock, want := range map[int]bool{-1: false, 0: false, 1: true, 12: true, 13: false} {
		if got := st.Registered(dock); got != want {
			t.Errorf("dock %d of a station of 12: %v, want %v", dock, got, want)
		}
	}
}

// A capacity below the number of bikes the station holds is refused for
// that, naming both numbers: moving the bikes would not make it fit.
func TestCapacityNotBelowTheBikesDocked(t *testing.T) {
	t.Parallel()
	storetest.Each(t, func(t *testing.T, db store.DB) {
		svc := mobilitytest.NewService(db.Mobility(), nil)
		ctx := context.Background()
		if err := simulator.SeedCatalogue(ctx, svc, simulator.Layout("few", 1, 6)); err != nil {
			t.Fatal(err)
		}
		r := &mobility.StatusReport{TS: time.Now().UTC().Truncate(time.Millisecond), Online: true}
		for i, b := range []string{"y1", "y2", "y3", "y4", "y5", ""} {
			r.Docks = append(r.Docks, mobility.DockState{Dock: i + 1, BikeID: b, Locked: b != ""})
		}
		if err := svc.Ingest(ctx, identity.System(), []mobility.Telemetry{{StationID: "few-001", Kind: mobility.KindStatus, Status: r, Received: time.Now()}}); err != nil {
			t.Fatal(err)
		}
		st, err := svc.Station(ctx, identity.System(), "few-001")
		if err != nil {
			t.Fatal(err)
		}
		st.Capacity = 4
		_, err = svc.UpdateStation(ctx, identity.System(), st)
		if apperr.ReasonOf(err) != "capacity_below_docked" || !apperr.Has(err, apperr.Conflict) || !slices.Equal(apperr.ArgsOf(err), []any{5, 4}) {
			t.Fatalf("capacity 4 with 5 bikes docked: %v (args %v), want 409 capacity_below_docked naming 5 and 4", err, apperr.ArgsOf(err))
		}
		st.Capacity = 5
		if got, err := svc.UpdateStation(ctx, identity.System(), st); err != nil || got.Capacity != 5 {
			t.Fatalf("capacity 5 with 5 bikes in docks 1 to 5: %+v, %v", got, err)
		}
	})
}
