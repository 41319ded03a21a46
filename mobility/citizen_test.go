package mobility_test

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"

	"cityhub/apperr"
	"cityhub/identity"
	"cityhub/internal/testutil"
	"cityhub/mobility"
	"cityhub/mobility/mobilitytest"
	"cityhub/simulator"
	"cityhub/store"
	"cityhub/store/storetest"
)

// Favourites are the caller's own: marking one is invisible to anyone else,
// unmarking twice is harmless, a missing station is refused, and only
// citizens have them.
func TestFavouriteStationsAreOwn(t *testing.T) {
	t.Parallel()
	storetest.Each(t, func(t *testing.T, db store.DB) {
		svc := mobilitytest.NewService(db.Mobility(), nil)
		ctx := context.Background()
		if err := simulator.SeedCatalogue(ctx, svc, simulator.Layout("fav", 3, 4)); err != nil {
			t.Fatal(err)
		}
		anna, bruno := mobilitytest.Citizen("acc_anna"), mobilitytest.Citizen("acc_bruno")
		for _, id := range []string{"fav-002", "fav-003", "fav-002"} {
			if err := svc.SetFavourite(ctx, anna, id, true); err != nil {
				t.Fatalf("mark %s: %v", id, err)
			}
		}
		if got, err := svc.Favourites(ctx, anna); err != nil || !slices.Equal(got, []string{"fav-002", "fav-003"}) {
			t.Fatalf("anna's favourites = %v, %v", got, err)
		}
		if got, err := svc.Favourites(ctx, bruno); err != nil || len(got) != 0 {
			t.Fatalf("bruno sees %v, %v: favourites must be per account", got, err)
		}
		// Bruno unmarking anna's favourite touches only his own (none).
		if err := svc.SetFavourite(ctx, bruno, "fav-002", false); err != nil {
			t.Fatal(err)
		}
		if got, _ := svc.Favourites(ctx, anna); len(got) != 2 {
			t.Fatalf("anna's favourites after bruno's unmark = %v", got)
		}
		for i := 0; i < 2; i++ {
			if err := svc.SetFavourite(ctx, anna, "fav-003", false); err != nil {
				t.Fatalf("unmark %d: %v", i, err)
			}
		}
		if got, _ := svc.Favourites(ctx, anna); !slices.Equal(got, []string{"fav-002"}) {
			t.Fatalf("after unmark = %v", got)
		}
		if err := svc.SetFavourite(ctx, anna, "no-such", true); !apperr.Has(err, apperr.NotFound) {
			t.Fatalf("missing station: %v, want NotFound", err)
		}
		if err := svc.SetFavourite(ctx, anna, "Bad ID!", true); !apperr.Has(err, apperr.Invalid) {
			t.Fatalf("bad id: %v, want Invalid", err)
		}
		if err := svc.SetFavourite(ctx, identity.Caller{}, "fav-001", true); !apperr.Has(err, apperr.Unauthenticated) {
			t.Fatalf("anonymous: %v", err)
		}
		if _, err := svc.Favourites(ctx, operatorCaller); !apperr.Has(err, apperr.Forbidden) {
			t.Fatalf("operator: %v, want Forbidden", err)
		}
	})
}

// A citizen's fault report is an open incident the operators list and
// resolve; the same report while it is open is not a second one; bad input
// is refused with nothing written; an account has at most MaxOpenReports
// open.
func TestFaultReportReachesOperator(t *testing.T) {
	t.Parallel()
	storetest.Each(t, func(t *testing.T, db store.DB) {
		svc := mobilitytest.NewService(db.Mobility(), nil)
		ctx := context.Background()
		if err := simulator.SeedCatalogue(ctx, svc, simulator.Layout("rep", 2, 6)); err != nil {
			t.Fatal(err)
		}
		anna := mobilitytest.Citizen("acc_anna")
		inc, created, err := svc.ReportFault(ctx, anna, mobility.FaultReport{StationID: "rep-001", Target: mobility.TargetBike,
			BikeID: " REP-001-B01 ", Description: "  I freni non funzionano  "})
		if err != nil || !created {
			t.Fatalf("report: %v, created %v", err, created)
		}
		if inc.Kind != mobility.IncidentCitizenReport || inc.BikeID != "rep-001-b01" || inc.ReportedBy != "acc_anna" ||
			inc.Description != "I freni non funzionano" || inc.RaisedAt.IsZero() {
			t.Fatalf("incident = %+v", inc)
		}
		again, created, err := svc.ReportFault(ctx, anna, mobility.FaultReport{StationID: "rep-001", Target: mobility.TargetBike,
			BikeID: "rep-001-b01", Description: "still broken"})
		if err != nil || created || again.ID != inc.ID {
			t.Fatalf("second report: %v, created %v, id %s want %s", err, created, again.ID, inc.ID)
		}
		list, err := svc.CitizenReports(ctx, operatorCaller, true)
		if err != nil || len(list) != 1 || list[0].ID != inc.ID || list[0].Description != inc.Description || list[0].ReportedBy != "acc_anna" {
			t.Fatalf("operator's list = %+v, %v", list, err)
		}
		all, _ := svc.Incidents(ctx, operatorCaller, true, "")
		if len(all) != 1 || all[0].ID != inc.ID {
			t.Fatalf("incidents = %+v", all)
		}
		if _, err := svc.CitizenReports(ctx, anna, true); !apperr.Has(err, apperr.Forbidden) {
			t.Fatalf("citizen listing reports: %v, want Forbidden", err)
		}
		if err := svc.ResolveIncident(ctx, anna, inc.ID); !apperr.Has(err, apperr.Forbidden) {
			t.Fatalf("citizen resolving: %v, want Forbidden", err)
		}

		for _, tc := range []struct {
			name   string
			r      mobility.FaultReport
			code   apperr.Code
			reason string
		}{
			{"no target", mobility.FaultReport{StationID: "rep-001", Description: "broken"}, apperr.Invalid, "report_target"},
			{"short text", mobility.FaultReport{StationID: "rep-001", Target: mobility.TargetDock, Dock: 2, Description: " x "}, apperr.Invalid, "report_text"},
			{"long text", mobility.FaultReport{StationID: "rep-001", Target: mobility.TargetDock, Dock: 2, Description: strings.Repeat("a", 501)}, apperr.Invalid, "report_text"},
			{"control", mobility.FaultReport{StationID: "rep-001", Target: mobility.TargetDock, Dock: 2, Description: "bad\x00text"}, apperr.Invalid, "report_text_invisible_characters"},
			{"bidi override", mobility.FaultReport{StationID: "rep-001", Target: mobility.TargetDock, Dock: 2, Description: "freno \u202erotto"}, apperr.Invalid, "report_text_invisible_characters"},
			{"only an override", mobility.FaultReport{StationID: "rep-001", Target: mobility.TargetDock, Dock: 2, Description: "\u202e"}, apperr.Invalid, "report_text_invisible_characters"},
			{"dock zero", mobility.FaultReport{StationID: "rep-001", Target: mobility.TargetDock, Dock: 0, Description: "broken"}, apperr.Invalid, "report_dock"},
			{"dock past capacity", mobility.FaultReport{StationID: "rep-001", Target: mobility.TargetDock, Dock: 7, Description: "broken"}, apperr.Invalid, "report_dock"},
			{"unknown bike", mobility.FaultReport{StationID: "rep-001", Target: mobility.TargetBike, BikeID: "zz-9", Description: "broken"}, apperr.NotFound, "report_no_bike"},
			{"unknown station", mobility.FaultReport{StationID: "nowhere", Target: mobility.TargetDock, Dock: 1, Description: "broken"}, apperr.NotFound, ""},
		} {
			_, _, err := svc.ReportFault(ctx, anna, tc.r)
			if !apperr.Has(err, tc.code) || (tc.reason != "" && apperr.ReasonOf(err) != tc.reason) {
				t.Errorf("%s: %v, want %s %s", tc.name, err, tc.code, tc.reason)
			}
		}
		if _, _, err := svc.ReportFault(ctx, operatorCaller, mobility.FaultReport{StationID: "rep-001", Target: mobility.TargetDock, Dock: 1, Description: "broken"}); !apperr.Has(err, apperr.Forbidden) {
			t.Errorf("operator reporting: %v, want Forbidden", err)
		}
		if list, _ := svc.CitizenReports(ctx, operatorCaller, true); len(list) != 1 {
			t.Fatalf("refused reports wrote something: %+v", list)
		}

		// Up to MaxOpenReports open, then refused until one is resolved.
		for d := 1; d < mobility.MaxOpenReports; d++ {
			if _, created, err := svc.ReportFault(ctx, anna, mobility.FaultReport{StationID: "rep-002", Target: mobility.TargetDock, Dock: d, Description: "non si blocca"}); err != nil || !created {
				t.Fatalf("dock %d: %v %v", d, err, created)
			}
		}
		over := mobility.FaultReport{StationID: "rep-002", Target: mobility.TargetDock, Dock: 5, Description: "non si blocca"}
		if _, _, err := svc.ReportFault(ctx, anna, over); !apperr.Has(err, apperr.RateLimited) {
			t.Fatalf("over the limit: %v, want RateLimited", err)
		}
		if _, created, err := svc.ReportFault(ctx, mobilitytest.Citizen("acc_bruno"), over); err != nil || !created {
			t.Fatalf("another citizen's report: %v %v", err, created)
		}
		if err := svc.ResolveIncident(ctx, operatorCaller, inc.ID); err != nil {
			t.Fatal(err)
		}
		if _, created, err := svc.ReportFault(ctx, anna, over); err != nil || !created {
			t.Fatalf("after one resolved: %v %v", err, created)
		}
		// The resolved report's bike can be reported afresh.
		if _, _, err := svc.ReportFault(ctx, anna, mobility.FaultReport{StationID: "rep-001", Target: mobility.TargetBike, BikeID: "rep-001-b01", Description: "di nuovo"}); !apperr.Has(err, apperr.RateLimited) {
			t.Fatalf("fourth open report: %v, want RateLimited", err)
		}
	})
}

// Erasing an account forgets its favourite stations and who made its fault
// reports; the reports stay for the operators.
func TestErasureForgetsFavouritesAndReporter(t *testing.T) {
	t.Parallel()
	storetest.Each(t, func(t *testing.T, db store.DB) {
		svc := mobilitytest.NewService(db.Mobility(), nil)
		ctx := context.Background()
		if err := simulator.SeedCatalogue(ctx, svc, simulator.Layout("era", 1, 4)); err != nil {
			t.Fatal(err)
		}
		anna := mobilitytest.Citizen("acc_erased")
		// Carla reported the same dock: once both are erased, the two open
		// reports belong to nobody, which the one-open-report index allows.
		carla := mobilitytest.Citizen("acc_erased_too")
		for _, c := range []identity.Caller{anna, carla} {
			if err := db.Identity().InTx(ctx, func(tx identity.Tx) error {
				return tx.InsertAccount(ctx, identity.Account{ID: c.AccountID, Email: c.AccountID + "@example.org", Name: "Anna", Locale: "it",
					PasswordHash: "x", CreatedAt: time.Now().UTC()})
			}); err != nil {
				t.Fatal(err)
			}
		}
		if err := svc.SetFavourite(ctx, anna, "era-001", true); err != nil {
			t.Fatal(err)
		}
		if _, _, err := svc.ReportFault(ctx, anna, mobility.FaultReport{StationID: "era-001", Target: mobility.TargetDock, Dock: 1, Description: "non si blocca"}); err != nil {
			t.Fatal(err)
		}
		if _, _, err := svc.ReportFault(ctx, carla, mobility.FaultReport{StationID: "era-001", Target: mobility.TargetDock, Dock: 1, Description: "rotto"}); err != nil {
			t.Fatal(err)
		}
		for _, c := range []identity.Caller{anna, carla} {
			if err := db.Identity().InTx(ctx, func(tx identity.Tx) error { return identity.EraseTx(ctx, tx, c.AccountID, time.Now()) }); err != nil {
				t.Fatalf("erase %s: %v", c.AccountID, err)
			}
		}
		if got, err := svc.Favourites(ctx, anna); err != nil || len(got) != 0 {
			t.Fatalf("favourites after erasure: %v, %v", got, err)
		}
		reports, err := svc.CitizenReports(ctx, identity.Caller{AccountID: "acc_op", Grants: []identity.Grant{{Role: identity.RoleOperator}}}, false)
		if err != nil || len(reports) != 2 || reports[0].ReportedBy != "" || reports[1].ReportedBy != "" {
			t.Fatalf("reports after erasure: %+v, %v", reports, err)
		}
	})
}

// Reports of one bike by one citizen racing each other (a double tap, two
// devices) all pass the check that reads the citizen's open reports, so the
// store's unique index on open reports decides: exactly one incident is
// created, and every other report is answered with it, as a report made
// after it would be.
func TestConcurrentFaultReportsMakeOne(t *testing.T) {
	t.Parallel()
	storetest.Each(t, func(t *testing.T, db store.DB) {
		svc := mobilitytest.NewService(db.Mobility(), nil)
		if err := simulator.SeedCatalogue(context.Background(), svc, simulator.Layout("race", 1, 4)); err != nil {
			t.Fatal(err)
		}
		reportTogether(t, svc, 16, "race-001-b01", "race-001")
	})
}

// reportTogether files n reports of bike by one citizen at once through
// svc, naming stations in turn, and fails t unless exactly one report was
// created and every one of them was answered with it.
func reportTogether(t *testing.T, svc *mobility.Service, n int, bike string, stations ...string) {
	t.Helper()
	ctx := context.Background()
	anna := mobilitytest.Citizen("acc_anna")
	start := make(chan struct{})
	var wg sync.WaitGroup
	var created atomic.Int32
	ids := make([]string, n)
	for i := range n {
		wg.Go(func() {
			<-start
			named := stations[i%len(stations)]
			inc, made, err := svc.ReportFault(ctx, anna, mobility.FaultReport{StationID: named, Target: mobility.TargetBike,
				BikeID: bike, Description: "la catena salta"})
			if err != nil {
				t.Errorf("report %d at %s: %v", i, named, err)
				return
			}
			if made {
				created.Add(1)
			}
			ids[i] = inc.ID
		})
	}
	close(start)
	wg.Wait()
	if created.Load() != 1 {
		t.Fatalf("%d reports created, want 1", created.Load())
	}
	list, err := svc.CitizenReports(ctx, operatorCaller, true)
	if err != nil || len(list) != 1 {
		t.Fatalf("open reports = %+v, %v", list, err)
	}
	for i, id := range ids {
		if id != list[0].ID {
			t.Errorf("report %d answered with %q, want the one created (%s)", i, id, list[0].ID)
		}
	}
}

// The operators' list of citizens' reports holds them however many of the
// stations' own incidents are open and newer; a list of one kind refuses a
// kind the hub does not raise.
func TestCitizenReportsListedBesideManyStationIncidents(t *testing.T) {
	t.Parallel()
	storetest.Each(t, func(t *testing.T, db store.DB) {
		svc := mobilitytest.NewService(db.Mobility(), nil)
		ctx := context.Background()
		if err := simulator.SeedCatalogue(ctx, svc, simulator.Layout("crowd", 1, 4)); err != nil {
			t.Fatal(err)
		}
		inc, _, err := svc.ReportFault(ctx, mobilitytest.Citizen("acc_anna"), mobility.FaultReport{StationID: "crowd-001", Target: mobility.TargetDock, Dock: 1,
			Description: "Il dock non aggancia"})
		if err != nil {
			t.Fatal(err)
		}
		if err := db.Mobility().InTx(ctx, func(tx mobility.Tx) error {
			for i := range mobility.MaxIncidentList + 5 {
				if _, err := tx.InsertIncident(ctx, mobility.Incident{ID: fmt.Sprintf("inc_crowd_%03d", i), Kind: mobility.IncidentReleasedWithoutRide,
					StationID: "crowd-001", RequestID: fmt.Sprintf("req_%03d", i), RaisedAt: inc.RaisedAt.Add(time.Duration(i+1) * time.Second)}); err != nil {
					return err
				}
			}
			return nil
		}); err != nil {
			t.Fatal(err)
		}
		if all, err := svc.Incidents(ctx, operatorCaller, true, ""); err != nil || len(all) != mobility.MaxIncidentList || all[0].ID != "inc_crowd_204" {
			t.Fatalf("all open incidents: %d, %v", len(all), err)
		}
		list, err := svc.CitizenReports(ctx, operatorCaller, true)
		if err != nil || len(list) != 1 || list[0].ID != inc.ID {
			t.Fatalf("citizens' reports beside %d newer incidents: %+v, %v", mobility.MaxIncidentList+5, list, err)
		}
		_, err = svc.Incidents(ctx, operatorCaller, true, "flat_tyre")
		testutil.WantReason(t, err, apperr.Invalid, "bad_kind")
	})
}

// A citizen with two reports open sends a dozen distinct ones at once (one
// per dock): the limit of three open reports holds. On PostgreSQL the
// reports are held at their insert (a transaction holding the incidents
// table in SHARE mode) until every one of them waits in the database, so
// that each has counted the open reports it would count alone: without a
// lock on the citizen's reports, all of them pass the limit. One is
// created, every other is refused report_limit.
func TestConcurrentDistinctReportsKeepTheLimit(t *testing.T) {
	t.Parallel()
	storetest.Each(t, func(t *testing.T, db store.DB) {
		svc := mobilitytest.NewService(db.Mobility(), nil)
		ctx := context.Background()
		if err := simulator.SeedCatalogue(ctx, svc, simulator.Layout("lim", 1, 24)); err != nil {
			t.Fatal(err)
		}
		anna := mobilitytest.Citizen("acc_anna_limit")
		report := func(dock int) (bool, error) {
			_, made, err := svc.ReportFault(ctx, anna, mobility.FaultReport{StationID: "lim-001", Target: mobility.TargetDock,
				Dock: dock, Description: "il blocco non si apre"})
			return made, err
		}
		for dock := 1; dock <= mobility.MaxOpenReports-1; dock++ {
			if _, err := report(dock); err != nil {
				t.Fatal(err)
			}
		}
		// Fewer than the pool's connections, the gate's included.
		const n = 12
		var gate pgx.Tx
		if pg, ok := db.(interface{ Pool() *pgxpool.Pool }); ok {
			var err error
			if gate, err = pg.Pool().Begin(ctx); err != nil {
				t.Fatal(err)
			}
			defer func() { _ = gate.Rollback(context.Background()) }()
			if _, err := gate.Exec(ctx, `LOCK TABLE mobility_incidents IN SHARE MODE`); err != nil {
				t.Fatal(err)
			}
		}
		start := make(chan struct{})
		var wg sync.WaitGroup
		var created, limited atomic.Int32
		for i := range n {
			wg.Add(1)
			go func() {
				defer wg.Done()
				<-start
				made, err := report(mobility.MaxOpenReports + i)
				switch {
				case err == nil && made:
					created.Add(1)
				case apperr.ReasonOf(err) == "report_limit":
					limited.Add(1)
				default:
					t.Errorf("report of dock %d: made %v, %v", mobility.MaxOpenReports+i, made, err)
				}
			}()
		}
		close(start)
		if gate != nil {
			// Every report's transaction has read the station (its
			// ACCESS SHARE on the table lasts until it ends) and waits on
			// a lock: the gate's, or one a report holds.
			testutil.Eventually(t, 30*time.Second, "every report waiting in the database", func() bool {
				var waiting int
				err := gate.QueryRow(ctx, `SELECT count(*) FROM pg_locks w WHERE NOT w.granted AND w.pid IN (
					SELECT pid FROM pg_locks WHERE locktype = 'relation' AND relation = 'mobility_stations'::regclass AND granted)`).Scan(&waiting)
				return err == nil && waiting == n
			})
			if err := gate.Commit(ctx); err != nil {
				t.Fatal(err)
			}
		}
		wg.Wait()
		if created.Load() != 1 || limited.Load() != n-1 {
			t.Errorf("%d reports created and %d refused, want 1 and %d", created.Load(), limited.Load(), n-1)
		}
		mine, err := svc.MyReports(ctx, anna)
		if err != nil || len(mine) != mobility.MaxOpenReports {
			t.Errorf("the citizen has %d reports (%v), want %d", len(mine), err, mobility.MaxOpenReports)
		}
	})
}
