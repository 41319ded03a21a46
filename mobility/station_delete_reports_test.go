package mobility_test

import (
	"context"
	"sync"
	"testing"
	"time"

	"cityhub/apperr"
	"cityhub/internal/testutil"
	"cityhub/mobility"
	"cityhub/mobility/mobilitytest"
	"cityhub/simulator"
	"cityhub/store"
	"cityhub/store/postgres"
	"cityhub/store/sqlite"
	"cityhub/store/storetest"
)

// dockReport is a rider's report of dock at station.
func dockReport(station string, dock int) mobility.FaultReport {
	return mobility.FaultReport{StationID: station, Target: mobility.TargetDock, Dock: dock, Description: "lo stallo non aggancia"}
}

// noOpenReportOfAGoneStation fails t for each open dock report whose
// station no longer exists: a dock no operator can find, and a report
// that counts against its rider's limit for good.
func noOpenReportOfAGoneStation(t *testing.T, svc *mobility.Service) {
	t.Helper()
	ctx := context.Background()
	open, err := svc.CitizenReports(ctx, operatorCaller, true)
	if err != nil {
		t.Fatal(err)
	}
	for _, r := range open {
		if r.BikeID != "" {
			continue
		}
		if _, err := svc.Station(ctx, adminCaller, r.StationID); apperr.Has(err, apperr.NotFound) {
			t.Errorf("report %s of dock %d is open at station %s, which was deleted", r.ID, r.Dock, r.StationID)
		} else if err != nil {
			t.Fatal(err)
		}
	}
}

// A station whose docks have open reports is not deleted: the delete is
// refused (dock_reports_open), as bikes in its docks or rides behind it
// refuse it, and changes nothing; an erased rider's open report (reported
// by nobody) keeps it as well. Once the operator has resolved them, the
// delete goes, and the rider's list shows the report resolved.
func TestStationWithOpenDockReportsIsNotDeleted(t *testing.T) {
	t.Parallel()
	storetest.Each(t, func(t *testing.T, db store.DB) {
		svc := mobilitytest.NewService(db.Mobility(), nil)
		ctx := context.Background()
		if err := simulator.SeedCatalogue(ctx, svc, simulator.Layout("sdel", 2, 4)); err != nil {
			t.Fatal(err)
		}
		anna := mobilitytest.Citizen("acc_anna")
		inc, _, err := svc.ReportFault(ctx, anna, dockReport("sdel-001", 1))
		if err != nil {
			t.Fatal(err)
		}
		err = svc.DeleteStation(ctx, adminCaller, "sdel-001")
		testutil.WantReason(t, err, apperr.Conflict, "dock_reports_open")
		if _, err := svc.Station(ctx, adminCaller, "sdel-001"); err != nil {
			t.Fatalf("the refused delete deleted the station: %v", err)
		}
		if open, _ := svc.CitizenReports(ctx, operatorCaller, true); len(open) != 1 || open[0].ID != inc.ID {
			t.Fatalf("the refused delete changed the open reports: %+v", open)
		}

		// The report of a rider since erased is open all the same.
		if err := svc.ResolveIncident(ctx, operatorCaller, inc.ID); err != nil {
			t.Fatal(err)
		}
		err = db.Mobility().InTx(ctx, func(tx mobility.Tx) error {
			_, err := tx.InsertIncident(ctx, mobility.Incident{ID: "inc_erased", Kind: mobility.IncidentCitizenReport, StationID: "sdel-001",
				RequestID: "inc_erased", Dock: 2, RaisedAt: time.Now().UTC().Truncate(time.Microsecond), Description: "rotto"})
			return err
		})
		if err != nil {
			t.Fatal(err)
		}
		err = svc.DeleteStation(ctx, adminCaller, "sdel-001")
		testutil.WantReason(t, err, apperr.Conflict, "dock_reports_open")

		if err := svc.ResolveIncident(ctx, operatorCaller, "inc_erased"); err != nil {
			t.Fatal(err)
		}
		if err := svc.DeleteStation(ctx, adminCaller, "sdel-001"); err != nil {
			t.Fatalf("delete once the reports are resolved: %v", err)
		}
		mine, err := svc.MyReports(ctx, anna)
		if err != nil || len(mine) != 1 || mine[0].ID != inc.ID || mine[0].ResolvedAt == nil {
			t.Errorf("the rider's reports after the delete: %+v, %v", mine, err)
		}
	})
}

// A station whose dock reports are all resolved is deleted: they stay in
// the rider's list, resolved. A rider's open report of a bike, which went
// to that station (the bike was docked nowhere), does not keep it: it is
// of the bike, which stays, and it stays open for the operator.
func TestStationWithOnlyClosedDockReportsIsDeleted(t *testing.T) {
	t.Parallel()
	storetest.Each(t, func(t *testing.T, db store.DB) {
		svc := mobilitytest.NewService(db.Mobility(), nil)
		ctx := context.Background()
		if err := simulator.SeedCatalogue(ctx, svc, simulator.Layout("sclo", 2, 4)); err != nil {
			t.Fatal(err)
		}
		anna := mobilitytest.Citizen("acc_anna")
		dock, _, err := svc.ReportFault(ctx, anna, dockReport("sclo-001", 3))
		if err != nil {
			t.Fatal(err)
		}
		if err := svc.ResolveIncident(ctx, operatorCaller, dock.ID); err != nil {
			t.Fatal(err)
		}
		bike, _, err := svc.ReportFault(ctx, mobilitytest.Citizen("acc_bruno"), mobility.FaultReport{StationID: "sclo-001", Target: mobility.TargetBike,
			BikeID: "sclo-001-b01", Description: "la catena salta"})
		if err != nil || bike.StationID != "sclo-001" {
			t.Fatalf("the bike's report: %+v, %v", bike, err)
		}
		if err := svc.DeleteStation(ctx, adminCaller, "sclo-001"); err != nil {
			t.Fatalf("delete with its dock's report resolved: %v", err)
		}
		if _, err := svc.Station(ctx, adminCaller, "sclo-001"); !apperr.Has(err, apperr.NotFound) {
			t.Errorf("the station after its delete: %v", err)
		}
		mine, err := svc.MyReports(ctx, anna)
		if err != nil || len(mine) != 1 || mine[0].ID != dock.ID || mine[0].ResolvedAt == nil {
			t.Errorf("the rider's reports after the delete: %+v, %v", mine, err)
		}
		if open, _ := svc.CitizenReports(ctx, operatorCaller, true); len(open) != 1 || open[0].ID != bike.ID {
			t.Errorf("open reports after the delete: %+v, want the bike's", open)
		}
	})
}

// hookStore is a store whose transactions run a hook in the named step:
// before the rider's open reports are read (a report, its station read
// already), or before the station's row is deleted (a delete, its checks
// done).
type hookStore struct {
	mobility.Store
	beforeReports func()
	beforeDelete  func()
}

func (s hookStore) InTx(ctx context.Context, fn func(mobility.Tx) error) error {
	return s.Store.InTx(ctx, func(tx mobility.Tx) error { return fn(hookTx{tx, s}) })
}

type hookTx struct {
	mobility.Tx
	s hookStore
}

func (tx hookTx) LockOpenReportsBy(ctx context.Context, who string) ([]mobility.Incident, error) {
	if tx.s.beforeReports != nil {
		tx.s.beforeReports()
	}
	return tx.Tx.LockOpenReportsBy(ctx, who)
}

func (tx hookTx) DeleteStation(ctx context.Context, id string) error {
	if tx.s.beforeDelete != nil {
		tx.s.beforeDelete()
	}
	return tx.Tx.DeleteStation(ctx, id)
}

// waitingOn returns a check that another transaction now waits for the
// one in flight: on PostgreSQL, a lock waited for on a station's row (the
// waiter's tuple lock on the table); on SQLite, the writer connection
// waited for since the check was made.
func waitingOn(t *testing.T, db store.DB) func() bool {
	ctx := context.Background()
	switch db := db.(type) {
	case *postgres.DB:
		return func() bool {
			var n int
			err := db.Pool().QueryRow(ctx, `SELECT count(*) FROM pg_locks WHERE locktype = 'tuple' AND relation = 'mobility_stations'::regclass`).Scan(&n)
			if err != nil {
				t.Errorf("read the locks waited for: %v", err)
				return true
			}
			return n > 0
		}
	case *sqlite.DB:
		before := db.Writer().Stats().WaitCount
		return func() bool { return db.Writer().Stats().WaitCount > before }
	}
	t.Fatalf("no way to see waits on %T", db)
	return nil
}

// A rider's report of a dock and the station's delete, run at the same
// moment, never leave an open report of a dock of a deleted station,
// whichever goes first. Each is held in its transaction, past the point
// where it has read what it decides on, until the other waits for it (or
// has ended, which fails the test): the report once it has read its
// station, the delete once it has found no open report. The report that
// holds its station first is seen by the delete, which is refused
// (dock_reports_open); the delete that holds it first leaves the report
// no station to report (no_station).
func TestDockReportAndStationDeleteRace(t *testing.T) {
	t.Parallel()
	storetest.Each(t, func(t *testing.T, db store.DB) {
		svc := mobilitytest.NewService(db.Mobility(), nil)
		ctx := context.Background()
		if err := simulator.SeedCatalogue(ctx, svc, simulator.Layout("srace", 2, 4)); err != nil {
			t.Fatal(err)
		}
		anna := mobilitytest.Citizen("acc_anna")

		// hold runs other beside the transaction in flight and holds that
		// transaction until other waits for it; other's error is in *err
		// once wg is done.
		hold := func(t *testing.T, wg *sync.WaitGroup, other func() error, err *error) func() {
			var once sync.Once
			return func() {
				once.Do(func() {
					waiting := waitingOn(t, db)
					done := make(chan struct{})
					wg.Go(func() { defer close(done); *err = other() })
					testutil.Eventually(t, 30*time.Second, "the other transaction to wait, or to end", func() bool {
						select {
						case <-done:
							return true
						default:
							return waiting()
						}
					})
					select {
					case <-done:
						t.Errorf("the other transaction ended while this one was in flight: %v", *err)
					default:
					}
				})
			}
		}

		t.Run("report first", func(t *testing.T) {
			var wg sync.WaitGroup
			var deleteErr error
			reporting := mobilitytest.NewService(hookStore{Store: db.Mobility(),
				beforeReports: hold(t, &wg, func() error { return svc.DeleteStation(ctx, adminCaller, "srace-001") }, &deleteErr)}, nil)
			inc, created, err := reporting.ReportFault(ctx, anna, dockReport("srace-001", 1))
			wg.Wait()
			noOpenReportOfAGoneStation(t, svc)
			if err != nil || !created {
				t.Fatalf("the report: %v, created %v", err, created)
			}
			testutil.WantReason(t, deleteErr, apperr.Conflict, "dock_reports_open")
			if _, err := svc.Station(ctx, adminCaller, "srace-001"); err != nil {
				t.Errorf("the reported station: %v", err)
			}
			if open, _ := svc.CitizenReports(ctx, operatorCaller, true); len(open) != 1 || open[0].ID != inc.ID {
				t.Errorf("open reports: %+v, want the report", open)
			}
		})

		t.Run("delete first", func(t *testing.T) {
			var wg sync.WaitGroup
			var reportErr error
			deleting := mobilitytest.NewService(hookStore{Store: db.Mobility(),
				beforeDelete: hold(t, &wg, func() error {
					_, _, err := svc.ReportFault(ctx, anna, dockReport("srace-002", 2))
					return err
				}, &reportErr)}, nil)
			err := deleting.DeleteStation(ctx, adminCaller, "srace-002")
			wg.Wait()
			noOpenReportOfAGoneStation(t, svc)
			if err != nil {
				t.Fatalf("the delete: %v", err)
			}
			testutil.WantReason(t, reportErr, apperr.NotFound, "no_station")
			if _, err := svc.Station(ctx, adminCaller, "srace-002"); !apperr.Has(err, apperr.NotFound) {
				t.Errorf("the deleted station: %v", err)
			}
			mine, _ := svc.MyReports(ctx, anna)
			for _, r := range mine {
				if r.StationID == "srace-002" {
					t.Errorf("a report of the deleted station was written: %+v", r)
				}
			}
		})
	})
}
