package sqlite

import (
	"context"
	"path/filepath"
	"strings"
	"testing"
)

// A page of the moderators' lists of comments, flagged or hidden, is read
// from its state's partial index in the list's order (migration 1032): no
// scan of the comments table, no sort, and after a cursor the index is
// entered at the cursor's time rather than read from its start (SQLite
// names the bound by the index's first column), among 20,000
// comments of which a hundredth are flagged and as many hidden. SQLite
// plans a statement before its values are bound, so this is the plan every
// page runs on.
func TestModeratedCommentsWalkTheirIndexes(t *testing.T) {
	db := planDB(t,
		`INSERT INTO participation_proposals (id, author_id, title, body, threshold, created_at)
			VALUES ('prp_plan', 'acc_plan', 'Benches', 'Benches by the river.', 100, 0)`,
		`WITH RECURSIVE g(n) AS (SELECT 1 UNION ALL SELECT n + 1 FROM g WHERE n < 20000)
			INSERT INTO participation_comments (id, proposal_id, author_id, body, state, flag_count, created_at)
			SELECT printf('cmt_plan%05d', n), 'prp_plan', 'acc_plan', 'Comment number ' || n,
				CASE n % 100 WHEN 0 THEN 'flagged' WHEN 1 THEN 'hidden' ELSE 'visible' END, CASE WHEN n % 100 < 2 THEN 1 ELSE 0 END,
				n * 60000000
			FROM g`,
	)
	explain := func(sql string, args ...any) string {
		t.Helper()
		return queryPlan(t, db, sql, args...)
	}
	for _, l := range []struct {
		name, index string
		sql         commentsList
	}{
		{"flagged", "participation_comments_flagged", flaggedCommentsSQL},
		{"hidden", "participation_comments_hidden", hiddenCommentsSQL},
	} {
		for what, want := range map[string]struct {
			plan, read string
		}{
			"first page":          {explain(l.sql.first, 51), "SCAN participation_comments USING INDEX " + l.index + "\n"},
			"page after a cursor": {explain(l.sql.after, "cmt_plan10001", 51), "SEARCH participation_comments USING INDEX " + l.index + " (created_at"},
		} {
			plan := want.plan
			if !strings.Contains(plan, want.read) || strings.Contains(plan, "TEMP B-TREE") {
				t.Errorf("%s comments, %s: not read in order from %s (want %q):\n%s", l.name, what, l.index, want.read, plan)
			}
		}
	}
}

// The staff's list of photos awaiting moderation is read from the pending
// photos' partial index in the list's order (migration 1035), and so is
// their count: no scan of the photos table, no sort, and after a cursor
// the index is entered at the cursor's time rather than read from its
// start (SQLite names the bound by the index's first column); a list or
// count of some offices reads each photo's report by its key, not every
// report of the offices. So among 10,000 photos of 5,000 reports, a
// hundredth of the photos pending. Before, the index was on the time
// alone, which left the ties (a report's photos share their time) to a
// sort.
func TestPendingPhotosWalkTheirIndex(t *testing.T) {
	db := planDB(t,
		`WITH RECURSIVE g(n) AS (SELECT 1 UNION ALL SELECT n + 1 FROM g WHERE n < 5000)
			INSERT INTO participation_reports (id, token, category, office_id, address, description, status, created_at, updated_at)
			SELECT printf('rep_plan%05d', n), 'tok_plan' || n, 'pothole', CASE n % 4 WHEN 0 THEN 'parks' ELSE 'roads' END,
				'Via Roma ' || n, 'A deep pothole.', 'open', n * 60000000, n * 60000000
			FROM g`,
		`WITH RECURSIVE g(n) AS (SELECT 1 UNION ALL SELECT n + 1 FROM g WHERE n < 10000)
			INSERT INTO participation_photos (id, report_id, position, state, width, height, image, thumbnail, created_at)
			SELECT printf('pho_plan%05d', n), printf('rep_plan%05d', (n + 1) / 2), (n + 1) % 2,
				CASE WHEN n % 100 = 0 THEN 'pending' WHEN n % 2 = 0 THEN 'hidden' ELSE 'approved' END, 1, 1, x'ffd8', x'ffd8',
				(n + 1) / 2 * 60000000
			FROM g`,
	)
	const index = "participation_photos_pending"
	byKey := "SEARCH r USING INDEX sqlite_autoindex_participation_reports_1 (id=?)"
	for _, offices := range [][]string{nil, {"roads"}, {"roads", "parks"}} {
		for what, want := range map[string]struct{ after, read string }{
			"first page":          {"", "SCAN p USING INDEX " + index + "\n"},
			"page after a cursor": {"pho_plan05000", "SEARCH p USING INDEX " + index + " (created_at>?)"},
		} {
			sql, args := pendingPhotosQuery(offices, want.after, 51)
			plan := queryPlan(t, db, sql, args...)
			if !strings.Contains(plan, want.read) || strings.Contains(plan, "TEMP B-TREE") || strings.Contains(plan, "SCAN r") {
				t.Errorf("pending photos of %v, %s: not read in order from %s (want %q):\n%s", offices, what, index, want.read, plan)
			}
			if offices != nil && !strings.Contains(plan, byKey) {
				t.Errorf("pending photos of %v, %s: a photo's office is not read by its report's key:\n%s", offices, what, plan)
			}
		}
	}
	sql, args := countPendingPhotosQuery(nil)
	if plan := queryPlan(t, db, sql, args...); !strings.Contains(plan, "SCAN participation_photos USING COVERING INDEX "+index) {
		t.Errorf("count of every office's pending photos: not read from %s alone:\n%s", index, plan)
	}
	sql, args = countPendingPhotosQuery([]string{"roads"})
	if plan := queryPlan(t, db, sql, args...); !strings.Contains(plan, "SCAN p USING INDEX "+index) || !strings.Contains(plan, byKey) || strings.Contains(plan, "SCAN r") {
		t.Errorf("count of one office's pending photos: not read from %s, each report by its key:\n%s", index, plan)
	}
}

// A person's flags (their data download) are read by the flags' index of
// accounts, not by a scan of every flag in the city.
func TestFlagsByReadTheirIndex(t *testing.T) {
	db := planDB(t)
	if plan := queryPlan(t, db, flagsBySQL, "acc_plan"); !strings.Contains(plan, "participation_comment_flags_account") {
		t.Fatalf("an account's flags are not read by their index:\n%s", plan)
	}
}

// A page of a buyer's orders, newest first, is read from the buyer's index
// on (account_id, created_at, id) (migration 1037), backwards: no scan of
// the orders, no sort (the index on the time alone left ties of time to
// one), and after a cursor the index is entered at the cursor's time
// rather than read from the buyer's newest order, for a buyer of 10,000
// orders among 20,000, three made at each instant. SQLite plans a
// statement before its values are bound, so this is the plan every page
// runs on.
func TestOrdersOfWalkTheBuyersIndex(t *testing.T) {
	db := planDB(t,
		`INSERT INTO ticket_venues (id, name, address, created_at) VALUES ('ven_plan', 'Teatro', 'Piazza', 0)`,
		`INSERT INTO ticket_performances (id, venue_id, title, starts_at, prices, sales_open, sales_close, status, created_at, doors_open, ends_at)
			VALUES ('prf_plan', 'ven_plan', 'La locandiera', 86400000000, '{}', 0, 86400000000, 'scheduled', 0, 79200000000, 97200000000)`,
		`WITH RECURSIVE g(n) AS (SELECT 1 UNION ALL SELECT n + 1 FROM g WHERE n < 20000)
			INSERT INTO ticket_orders (id, account_id, performance_id, seats, total_cents, status, hold_expires_at, created_at)
			SELECT printf('tord_plan%05d', n), CASE WHEN n % 2 = 0 THEN 'acc_plan' ELSE 'acc_plan' || (n % 199) END, 'prf_plan', '[]', 2500, 'cancelled',
				(n / 3) * 60000000 + 600000000, (n / 3) * 60000000
			FROM g`,
	)
	for what, want := range map[string]struct {
		plan, read string
	}{
		"first page":          {queryPlan(t, db, ordersOfSQL.first, "acc_plan", 51), "SEARCH ticket_orders USING INDEX ticket_orders_account (account_id=?)\n"},
		"page after a cursor": {queryPlan(t, db, ordersOfSQL.after, "acc_plan", "tord_plan10000", 51), "SEARCH ticket_orders USING INDEX ticket_orders_account (account_id=? AND created_at<?)"},
	} {
		if !strings.Contains(want.plan, want.read) || strings.Contains(want.plan, "TEMP B-TREE") {
			t.Errorf("a buyer's orders, %s: not read in order from ticket_orders_account (want %q):\n%s", what, want.read, want.plan)
		}
	}
}

// planDB is a new database holding what statements write, analyzed
// (ANALYZE) as a city's long-running database is, for a test of the plans
// its queries run on.
func planDB(t *testing.T, statements ...string) *DB {
	t.Helper()
	ctx := context.Background()
	db, err := Open(ctx, filepath.Join(t.TempDir(), "data", "test.db"), nil)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	err = db.InTx(ctx, func(tx *Tx) error {
		for _, st := range append(statements, `ANALYZE`) {
			if _, err := tx.q.ExecContext(ctx, st); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	return db
}

// queryPlan is SQLite's plan of sql run with args, a step a line.
func queryPlan(t *testing.T, db *DB, sql string, args ...any) string {
	t.Helper()
	var plan strings.Builder
	err := db.View(context.Background(), func(tx *Tx) error {
		rows, err := tx.q.QueryContext(context.Background(), `EXPLAIN QUERY PLAN `+sql, args...)
		if err != nil {
			return err
		}
		defer rows.Close()
		for rows.Next() {
			var id, parent, unused int
			var detail string
			if err := rows.Scan(&id, &parent, &unused, &detail); err != nil {
				return err
			}
			plan.WriteString(detail + "\n")
		}
		return rows.Err()
	})
	if err != nil {
		t.Fatal(err)
	}
	return plan.String()
}

// A station's delete counts the open reports of its docks from the
// station's own incidents, read by the incidents' unique index on (kind,
// station_id, request_id), not by a scan of every incident in the city,
// among 20,000 incidents at 500 stations, half of them citizens' reports
// (bikes' and docks', most resolved), half the stations' own.
func TestOpenDockReportsReadTheStationsIncidents(t *testing.T) {
	db := planDB(t,
		`WITH RECURSIVE g(n) AS (SELECT 1 UNION ALL SELECT n + 1 FROM g WHERE n < 20000)
			INSERT INTO mobility_incidents (id, kind, station_id, request_id, bike_id, dock, raised_at, resolved_at, resolved_by, reported_by, description)
			SELECT printf('inc_plan%05d', n), CASE WHEN n % 2 = 0 THEN 'citizen_report' ELSE 'bike_released_without_ride' END,
				'st-' || (n % 500), 'req_plan' || n, CASE WHEN n % 4 = 0 THEN 'b' || n ELSE '' END, 1 + n % 8,
				n * 60000000, CASE WHEN n % 10 < 8 THEN n * 60000000 END, CASE WHEN n % 10 < 8 THEN 'acc_op' ELSE '' END,
				CASE WHEN n % 2 = 0 THEN 'acc_plan' || n ELSE '' END, 'rotta'
			FROM g`,
	)
	const want = "SEARCH mobility_incidents USING INDEX mobility_incidents_request (kind=? AND station_id=?)"
	if plan := queryPlan(t, db, openDockReportsAtSQL, "st-2"); !strings.Contains(plan, want) {
		t.Errorf("a station's open dock reports: not read by the station's incidents (want %q):\n%s", want, plan)
	}
}
