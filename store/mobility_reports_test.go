package store_test

import (
	"context"
	"strconv"
	"sync"
	"testing"
	"time"

	"cityhub/apperr"
	"cityhub/mobility"
	"cityhub/store"
	"cityhub/store/postgres"
	"cityhub/store/storetest"
)

// report is an open citizen's report of bike (or, without one, of dock) at
// station by who, numbered n.
func report(n int, who, station, bike string, dock int) mobility.Incident {
	id := "inc_r" + strconv.Itoa(n)
	return mobility.Incident{ID: id, Kind: mobility.IncidentCitizenReport, StationID: station, RequestID: id, BikeID: bike, Dock: dock,
		RaisedAt: time.Date(2026, 1, 1, 10, 0, n, 0, time.UTC), ReportedBy: who, Description: "rotta"}
}

// insertReport writes r in a transaction of its own.
func insertReport(ctx context.Context, db store.DB, r mobility.Incident) error {
	return db.Mobility().InTx(ctx, func(tx mobility.Tx) error {
		_, err := tx.InsertIncident(ctx, r)
		return err
	})
}

// The database itself holds one open report per citizen and bike, at
// whichever station each report went to: transactions racing to write one
// citizen's reports of one bike at as many stations, with no check of the
// open reports before (the domain's lock and check are not there), leave
// exactly one, and every other insert is refused as a conflict, the error
// ReportFault turns into answering the first. The unique index keyed the
// station too, and let all of them in. On PostgreSQL every transaction is
// under way (it has read the open reports) before any writes, so the
// losers' inserts wait for the winner's commit; SQLite runs one write
// transaction at a time, and each later insert meets the committed row.
func TestOpenBikeReportIsOnePerBikeInTheStore(t *testing.T) {
	t.Parallel()
	storetest.Each(t, func(t *testing.T, db store.DB) {
		ctx := context.Background()
		const n = 8
		_, together := db.(*postgres.DB)
		var begun sync.WaitGroup
		begun.Add(n)
		start := make(chan struct{})
		errs := make([]error, n)
		var wg sync.WaitGroup
		for i := range n {
			wg.Add(1)
			go func() {
				defer wg.Done()
				<-start
				var once sync.Once
				errs[i] = db.Mobility().InTx(ctx, func(tx mobility.Tx) error {
					if _, err := tx.Incidents(ctx, true, mobility.IncidentCitizenReport, 100); err != nil {
						return err
					}
					if together {
						once.Do(func() { begun.Done(); begun.Wait() })
					}
					_, err := tx.InsertIncident(ctx, report(i, "acc_anna", "st-"+strconv.Itoa(i), "b1", 0))
					return err
				})
			}()
		}
		close(start)
		wg.Wait()
		written := 0
		for i, err := range errs {
			switch {
			case err == nil:
				written++
			case !apperr.Has(err, apperr.Conflict):
				t.Errorf("report %d: %v, want a conflict", i, err)
			}
		}
		var open []mobility.Incident
		err := db.Mobility().View(ctx, func(tx mobility.Tx) error {
			var err error
			open, err = tx.Incidents(ctx, true, mobility.IncidentCitizenReport, 100)
			return err
		})
		if err != nil || written != 1 || len(open) != 1 {
			t.Fatalf("%d reports written, %d open (%v); want one", written, len(open), err)
		}
	})
}

// What the index leaves to the station: a dock is told apart by its
// station (dock 3 of two stations is two reports, twice at one station
// one), and a bike's report keys on the bike alone for its citizen, while
// another citizen's report, an erased citizen's (reported by nobody) and a
// resolved one stand beside it.
func TestOpenReportUniquenessKeepsDocksByStation(t *testing.T) {
	t.Parallel()
	storetest.Each(t, func(t *testing.T, db store.DB) {
		ctx := context.Background()
		for _, tc := range []struct {
			r        mobility.Incident
			conflict bool
		}{
			{report(1, "acc_anna", "st-1", "b1", 0), false},
			{report(2, "acc_anna", "st-2", "b1", 0), true},
			{report(3, "acc_bruno", "st-2", "b1", 0), false},
			{report(4, "", "st-1", "b1", 0), false},
			{report(5, "", "st-2", "b1", 0), false},
			{report(6, "acc_anna", "st-1", "b2", 0), false},
			{report(7, "acc_anna", "st-1", "", 3), false},
			{report(8, "acc_anna", "st-2", "", 3), false},
			{report(9, "acc_anna", "st-1", "", 3), true},
			{report(10, "acc_anna", "st-1", "", 4), false},
		} {
			err := insertReport(ctx, db, tc.r)
			if got := apperr.Has(err, apperr.Conflict); got != tc.conflict || (err != nil && !got) {
				t.Errorf("%s (%s at %s, bike %q, dock %d): %v, want a conflict: %v", tc.r.ID, tc.r.ReportedBy, tc.r.StationID, tc.r.BikeID, tc.r.Dock, err, tc.conflict)
			}
		}
		// Once resolved, the bike may be reported again, at another station.
		err := db.Mobility().InTx(ctx, func(tx mobility.Tx) error {
			_, err := tx.ResolveIncident(ctx, "inc_r1", "acc_op", time.Date(2026, 1, 1, 11, 0, 0, 0, time.UTC))
			return err
		})
		if err != nil {
			t.Fatal(err)
		}
		if err := insertReport(ctx, db, report(11, "acc_anna", "st-3", "b1", 0)); err != nil {
			t.Errorf("the bike reported again once its report was resolved: %v", err)
		}
		// A resolved incident is still known, as an open one is; an id
		// that names none is not.
		for id, want := range map[string]bool{"inc_r1": true, "inc_r11": true, "inc_nope": false} {
			var known bool
			err := db.Mobility().View(ctx, func(tx mobility.Tx) error {
				var err error
				known, err = tx.IncidentExists(ctx, id)
				return err
			})
			if err != nil || known != want {
				t.Errorf("IncidentExists(%s) = %v, %v; want %v", id, known, err, want)
			}
		}
	})
}
