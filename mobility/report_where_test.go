package mobility_test

import (
	"context"
	"testing"
	"time"

	"cityhub/identity"
	"cityhub/mobility"
	"cityhub/mobility/mobilitytest"
	"cityhub/simulator"
	"cityhub/store"
	"cityhub/store/storetest"
)

// A report of a bike the hub sees docked at another station than the one
// the citizen named is kept, and goes to the station the bike is at, with
// the one named beside it: the operator goes where the bike is, and the
// citizen's own list shows what they reported. A bike at the named
// station, or in none, leaves the report where it was named.
func TestFaultReportGoesWhereTheBikeIs(t *testing.T) {
	t.Parallel()
	storetest.Each(t, func(t *testing.T, db store.DB) {
		svc := mobilitytest.NewService(db.Mobility(), nil)
		ctx := context.Background()
		if err := simulator.SeedCatalogue(ctx, svc, simulator.Layout("far", 2, 6)); err != nil {
			t.Fatal(err)
		}
		// far-001-b01 ridden to far-002, dock 3; far-001-b02 at home.
		at := time.Now().UTC().Truncate(time.Millisecond)
		status := func(station string, bikes ...string) mobility.Telemetry {
			return mobilitytest.Docked(at, station, bikes...)
		}
		if err := svc.Ingest(ctx, identity.System(), []mobility.Telemetry{status("far-001", "", "far-001-b02"), status("far-002", "", "", "far-001-b01")}); err != nil {
			t.Fatal(err)
		}
		anna := mobilitytest.Citizen("acc_anna")
		inc, created, err := svc.ReportFault(ctx, anna, mobility.FaultReport{StationID: "far-001", Target: mobility.TargetBike, BikeID: "far-001-b01", Description: "La catena è rotta"})
		if err != nil || !created {
			t.Fatalf("report: %v, created %v", err, created)
		}
		if inc.StationID != "far-002" || inc.NamedStationID != "far-001" || inc.BikeID != "far-001-b01" || inc.Description != "La catena è rotta" {
			t.Fatalf("incident %+v: want it at far-002, where the bike is, naming far-001", inc)
		}
		ops, err := svc.CitizenReports(ctx, operatorCaller, true)
		if err != nil || len(ops) != 1 || ops[0].StationID != "far-002" || ops[0].NamedStationID != "far-001" {
			t.Fatalf("operator's list: %+v, %v", ops, err)
		}
		mine, err := svc.MyReports(ctx, anna)
		if err != nil || len(mine) != 1 || mine[0].StationID != "far-001" {
			t.Fatalf("the citizen's list: %+v, %v; want the station they named", mine, err)
		}
		// The same bike reported at the station it is at is the same report.
		again, created, err := svc.ReportFault(ctx, anna, mobility.FaultReport{StationID: "far-002", Target: mobility.TargetBike, BikeID: "far-001-b01", Description: "Ancora rotta"})
		if err != nil || created || again.ID != inc.ID {
			t.Fatalf("the same bike at its station: %+v, created %v, %v; want report %s again", again, created, err, inc.ID)
		}
		for _, c := range []struct{ bike, named string }{{"far-001-b02", "far-001"}, {"far-002-b01", "far-001"}} {
			inc, _, err := svc.ReportFault(ctx, anna, mobility.FaultReport{StationID: c.named, Target: mobility.TargetBike, BikeID: c.bike, Description: "Il campanello non suona"})
			if err != nil || inc.StationID != c.named || inc.NamedStationID != "" {
				t.Errorf("bike %s named at %s: %+v, %v; want it where named", c.bike, c.named, inc, err)
			}
		}
	})
}
