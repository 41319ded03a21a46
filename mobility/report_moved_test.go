package mobility_test

import (
	"context"
	"slices"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"cityhub/identity"
	"cityhub/mobility"
	"cityhub/mobility/mobilitytest"
	"cityhub/simulator"
	"cityhub/store"
	"cityhub/store/storetest"
)

// A citizen's open report of a bike is the report of that bike wherever the
// bike is now: reporting it again after it was ridden to another station,
// naming either station, answers the first report instead of filing a
// second one. Another citizen's report of it is their own, and a dock is
// still told apart by its station.
func TestFaultReportOfAMovedBikeIsTheSameReport(t *testing.T) {
	t.Parallel()
	storetest.Each(t, func(t *testing.T, db store.DB) {
		svc := mobilitytest.NewService(db.Mobility(), nil)
		ctx := context.Background()
		if err := simulator.SeedCatalogue(ctx, svc, simulator.Layout("mov", 2, 6)); err != nil {
			t.Fatal(err)
		}
		at := time.Now().UTC().Truncate(time.Millisecond)
		status := mobilitytest.Docked
		// mov-001-b01 at its home station, then ridden to mov-002, dock 2.
		if err := svc.Ingest(ctx, identity.System(), []mobility.Telemetry{status(at, "mov-001", "mov-001-b01"), status(at, "mov-002")}); err != nil {
			t.Fatal(err)
		}
		anna := mobilitytest.Citizen("acc_anna")
		first, created, err := svc.ReportFault(ctx, anna, mobility.FaultReport{StationID: "mov-001", Target: mobility.TargetBike, BikeID: "mov-001-b01", Description: "Il freno non tiene"})
		if err != nil || !created || first.StationID != "mov-001" {
			t.Fatalf("first report: %+v, created %v, %v", first, created, err)
		}
		later := at.Add(time.Minute)
		if err := svc.Ingest(ctx, identity.System(), []mobility.Telemetry{status(later, "mov-001", ""), status(later, "mov-002", "", "mov-001-b01")}); err != nil {
			t.Fatal(err)
		}
		for _, named := range []string{"mov-002", "mov-001"} {
			again, created, err := svc.ReportFault(ctx, anna, mobility.FaultReport{StationID: named, Target: mobility.TargetBike, BikeID: "MOV-001-B01", Description: "Il freno ancora non tiene"})
			if err != nil || created || again.ID != first.ID {
				t.Fatalf("the moved bike reported again at %s: %+v, created %v, %v; want report %s again", named, again, created, err, first.ID)
			}
		}
		ops, err := svc.CitizenReports(ctx, operatorCaller, true)
		if err != nil || len(ops) != 1 || ops[0].ID != first.ID {
			t.Fatalf("operator's list: %+v, %v; want the one report", ops, err)
		}
		// Another citizen's report of the bike goes where it is now.
		bruno, created, err := svc.ReportFault(ctx, mobilitytest.Citizen("acc_bruno"), mobility.FaultReport{StationID: "mov-001", Target: mobility.TargetBike, BikeID: "mov-001-b01", Description: "Non frena"})
		if err != nil || !created || bruno.StationID != "mov-002" || bruno.NamedStationID != "mov-001" {
			t.Fatalf("another citizen's report: %+v, created %v, %v; want a new one at mov-002 naming mov-001", bruno, created, err)
		}
		// Dock 2 of each station: two reports.
		for _, st := range []string{"mov-001", "mov-002"} {
			if _, created, err := svc.ReportFault(ctx, anna, mobility.FaultReport{StationID: st, Target: mobility.TargetDock, Dock: 2, Description: "Non si blocca"}); err != nil || !created {
				t.Fatalf("dock 2 of %s: created %v, %v", st, created, err)
			}
		}
	})
}

// Reports of one bike by one citizen arriving together, naming different
// stations while the bike is docked at none (so each would stay where it
// was named), make exactly one report; every other is answered with it.
func TestConcurrentFaultReportsOfABikeAtTwoStationsMakeOne(t *testing.T) {
	t.Parallel()
	storetest.Each(t, func(t *testing.T, db store.DB) {
		concurrentReportsAtTwoStations(t, mobilitytest.NewService(db.Mobility(), nil))
	})
}

// So they do when the citizen's reports are not held while they are
// checked: the store's unique index on open reports, keyed on the citizen
// and the bike, refuses every twin but the first, and ReportFault answers
// them with it; keyed on the station too, it let one report per station
// in. The reports' transactions are all under way, each past its check,
// before any writes (unheldReports), as they can be on PostgreSQL only:
// SQLite runs one write transaction at a time, and the store's own test
// (store.TestOpenBikeReportIsOnePerBikeInTheStore) holds its index.
func TestConcurrentFaultReportsOfABikeAtTwoStationsIndexAlone(t *testing.T) {
	t.Parallel()
	db := storetest.Open(t, "postgres")
	st := indexOnly{Store: db.Mobility(), n: reportsAtOnce}
	st.checked.Add(reportsAtOnce)
	concurrentReportsAtTwoStations(t, mobilitytest.NewService(&st, nil))
}

// indexOnly is a store whose transactions read a citizen's open reports
// without holding them; the first n reads wait for each other, so that n
// twin reports all pass the check before any is written.
type indexOnly struct {
	mobility.Store
	n       int32
	reads   atomic.Int32
	checked sync.WaitGroup
}

func (s *indexOnly) InTx(ctx context.Context, fn func(tx mobility.Tx) error) error {
	return s.Store.InTx(ctx, func(tx mobility.Tx) error { return fn(unheldReports{tx, s}) })
}

// unheldReports reads the open reports as LockOpenReportsBy does (oldest
// first), holding nothing.
type unheldReports struct {
	mobility.Tx
	s *indexOnly
}

func (tx unheldReports) LockOpenReportsBy(ctx context.Context, who string) ([]mobility.Incident, error) {
	all, err := tx.ReportsBy(ctx, who, mobility.MaxListedReports)
	var open []mobility.Incident
	for _, i := range slices.Backward(all) { // newest first: read back
		if i.ResolvedAt == nil {
			open = append(open, i)
		}
	}
	// A report run again, after the index refused it, reads on at once.
	if tx.s.reads.Add(1) <= tx.s.n {
		tx.s.checked.Done()
		tx.s.checked.Wait()
	}
	return open, err
}

// reportsAtOnce is how many reports concurrentReportsAtTwoStations files
// together.
const reportsAtOnce = 8

// concurrentReportsAtTwoStations files reportsAtOnce reports of one bike
// by one citizen at once, naming two stations, through svc.
func concurrentReportsAtTwoStations(t *testing.T, svc *mobility.Service) {
	t.Helper()
	if err := simulator.SeedCatalogue(context.Background(), svc, simulator.Layout("twin", 2, 4)); err != nil {
		t.Fatal(err)
	}
	reportTogether(t, svc, reportsAtOnce, "twin-001-b01", "twin-001", "twin-002")
}
