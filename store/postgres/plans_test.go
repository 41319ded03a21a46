package postgres_test

import (
	"context"
	"fmt"
	"strings"
	"testing"
	"time"

	"cityhub/store/postgres"
	"cityhub/store/storetest"
	"cityhub/wallet"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"
)

// openOneConn opens a freshly migrated schema on one connection: a plan
// test's statements, and the statements it prepares, are all the
// connection runs.
func openOneConn(t *testing.T) *postgres.DB {
	t.Helper()
	db, err := postgres.Open(context.Background(), storetest.MigratedPostgresURL(t)+"&pool_max_conns=1", storetest.Logger(t))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	return db
}

// A posting in a transaction (wallet.Post) is one large statement, which
// on a ledger of a city's size the planner would plan anew for every
// posting's own parameters: it runs on its generic plan instead, and a
// statement after it in the same transaction is planned as the planner
// chooses again. The postings at COMMIT (wallet.PostAtCommit, and
// wallet.Service.Post) of a transfer call ledger_transfer (ledger_post for
// other postings): that call, whose plan is the call alone, is the one
// statement prepared for them whatever their accounts
// (the statements inside the function are PL/pgSQL's, each a row by its
// key, and cannot be seen from here).
func TestPostingsRunOnTheirGenericPlan(t *testing.T) {
	ctx := context.Background()
	// One connection, so that its prepared statements are all there is.
	db := openOneConn(t)
	svc := wallet.NewService(db.Wallet(), storetest.Logger(t))
	if err := svc.Setup(ctx); err != nil {
		t.Fatal(err)
	}
	alice := wallet.CitizenAccount("alice")
	if err := db.Wallet().InTx(ctx, func(tx wallet.Tx) error { return wallet.OpenCitizen(ctx, tx, "alice") }); err != nil {
		t.Fatal(err)
	}
	pay := func(key string, from, to wallet.AccountID) wallet.Transaction {
		return wallet.Transaction{Key: key, Kind: "test.transfer", Entries: []wallet.Entry{{Account: from, Amount: -1}, {Account: to, Amount: 1}}}
	}
	if _, err := svc.Post(ctx, wallet.Transaction{Key: "fund", Kind: "test.fund", Entries: []wallet.Entry{
		{Account: wallet.TestPayments, Amount: -100}, {Account: alice, Amount: 100}}}); err != nil {
		t.Fatal(err)
	}
	// More than the five executions after which the planner may settle on
	// a generic plan by itself.
	for i := range 8 {
		if _, err := svc.Post(ctx, pay(fmt.Sprint("service-", i), alice, wallet.RevenueTheatre)); err != nil {
			t.Fatal(err)
		}
		if _, err := svc.Post(ctx, pay(fmt.Sprint("unbounded-", i), wallet.TestPayments, wallet.RevenueTheatre)); err != nil {
			t.Fatal(err)
		}
		err := db.Wallet().InTx(ctx, func(tx wallet.Tx) error {
			if _, err := wallet.Post(ctx, tx, pay(fmt.Sprint("in-tx-", i), alice, wallet.RevenueBikeshare), time.Now()); err != nil {
				return err
			}
			if _, err := tx.SumEntries(ctx, alice); err != nil {
				return err
			}
			return wallet.PostAtCommit(ctx, tx, pay(fmt.Sprint("at-commit-", i), alice, wallet.RevenueBikeshare), time.Now())
		})
		if err != nil {
			t.Fatal(err)
		}
	}
	rows, err := db.Pool().Query(ctx, `SELECT statement, generic_plans, custom_plans FROM pg_prepared_statements
		WHERE statement LIKE '%INSERT INTO ledger_transactions%' OR statement LIKE 'SELECT ledger_post(%' OR statement LIKE 'SELECT ledger_transfer(%'`)
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	inTx, atCommit, transfers := 0, 0, 0
	for rows.Next() {
		var st string
		var generic, custom int64
		if err := rows.Scan(&st, &generic, &custom); err != nil {
			t.Fatal(err)
		}
		if strings.HasPrefix(st, "SELECT ledger_transfer(") {
			transfers++
		}
		if strings.HasPrefix(st, "SELECT ledger_post(") || strings.HasPrefix(st, "SELECT ledger_transfer(") {
			// A call, whose plan is the call alone: the planner may plan
			// it for its parameters while it learns that, as with any
			// statement. ledger_post's own statements are planned by
			// PL/pgSQL, each a row by its key.
			atCommit++
			continue
		}
		inTx++
		if custom != 0 || generic == 0 {
			t.Errorf("a posting statement was planned %d times for its parameters and ran %d times on its generic plan:\n%s", custom, generic, st)
		}
	}
	if err := rows.Err(); err != nil {
		t.Fatal(err)
	}
	// Every posting at COMMIT here is a transfer: once its accounts are
	// read, it goes to ledger_transfer (the first too, whose floors the
	// store read as it locked them).
	if transfers != 1 || atCommit != 1 {
		t.Fatalf("%d statements prepared for postings at COMMIT, %d of them ledger_transfer's, want that one", atCommit, transfers)
	}
	if inTx == 0 {
		t.Fatal("no posting statement prepared for postings in a transaction")
	}
	// The first five runs of a statement are planned for their parameters
	// unless the plan's mode is forced.
	var custom int64
	if err := db.Pool().QueryRow(ctx, `SELECT custom_plans FROM pg_prepared_statements
		WHERE statement = 'SELECT COALESCE(SUM(amount), 0)::bigint FROM ledger_lines WHERE account_id = $1'`).Scan(&custom); err != nil || custom < 5 {
		t.Fatalf("the read after a posting was planned for its parameters %d times (%v), want at least 5", custom, err)
	}
}

// The rides started in a period come from an index, not from every ride
// ever: with sequential scans off, the plan of RideStarts still finds a
// way, and it is the index.
func TestRideStartsHaveAnIndex(t *testing.T) {
	db := openOneConn(t)
	if plan := explainIndexed(t, db, postgres.RideStartsSQL, time.Now().AddDate(0, 0, -30)); !strings.Contains(plan, "mobility_rides_started") {
		t.Fatalf("the rides started in a period are not read by their index:\n%s", plan)
	}
}

// explainIndexed is explain with sequential scans off: the plan still
// finds a way, and a test asks whether it is the index it wants.
func explainIndexed(t *testing.T, db *postgres.DB, query string, args ...any) string {
	t.Helper()
	ctx := context.Background()
	conn, err := db.Pool().Acquire(ctx)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Release()
	if _, err := conn.Exec(ctx, `SET enable_seqscan = off`); err != nil {
		t.Fatal(err)
	}
	defer conn.Exec(ctx, `RESET enable_seqscan`) //nolint:errcheck
	return explain(t, conn, query, args...)
}

// explain is PostgreSQL's plan of query, one line of it a line.
func explain(t *testing.T, q interface {
	Query(context.Context, string, ...any) (pgx.Rows, error)
}, query string, args ...any) string {
	t.Helper()
	rows, err := q.Query(context.Background(), "EXPLAIN "+query, args...)
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	var plan strings.Builder
	for rows.Next() {
		var line string
		if err := rows.Scan(&line); err != nil {
			t.Fatal(err)
		}
		plan.WriteString(line + "\n")
	}
	if err := rows.Err(); err != nil {
		t.Fatal(err)
	}
	return plan.String()
}

// A page of an account's history walks the account index, also for an
// account that holds half the ledger and whose entries are all older than
// the rest (a past campaign's): walking an index on id backwards (the
// primary key until migration 1013) and filtering by account would read
// every entry written since.
func TestHistoryWalksTheAccountIndex(t *testing.T) {
	ctx := context.Background()
	db := openOneConn(t)
	_, err := db.Pool().Exec(ctx, `INSERT INTO ledger_accounts (id, kind, owner_id)
			SELECT 'revenue:plan' || g, 'revenue', '' FROM generate_series(1, 50) g
			UNION ALL SELECT 'campaign:past:held', 'campaign_held', '';
		INSERT INTO ledger_transactions (id, idem_key, kind, created_at)
			SELECT 'ltx_plan' || g, 'plan-' || g, 'test.plan', now() FROM generate_series(1, 10000) g;
		INSERT INTO ledger_entries (transaction_id, account_id, amount, created_at)
			SELECT 'ltx_plan' || g, CASE WHEN g <= 5000 THEN 'campaign:past:held' ELSE 'revenue:plan' || (g % 50 + 1) END, 1, now()
			FROM generate_series(1, 10000) g ORDER BY g;
		INSERT INTO ledger_transactions (id, idem_key, kind, created_at, from_account, to_account, transfer_amount, from_entry, to_entry)
			SELECT 'ltx_move' || g, 'move-' || g, 'test.plan', now(), CASE WHEN g <= 5000 THEN 'campaign:past:held' ELSE 'revenue:plan' || (g % 50 + 1) END,
				CASE WHEN g BETWEEN 5001 AND 6000 THEN 'campaign:past:held' ELSE 'revenue:other' END, 1, 100000 + 2 * g, 100001 + 2 * g
			FROM generate_series(1, 10000) g ORDER BY g;
		ANALYZE ledger_entries;
		ANALYZE ledger_transactions`)
	if err != nil {
		t.Fatal(err)
	}
	// Entries of their own and transfers' legs (migration 1025), each
	// walked by its account's index.
	plan := explain(t, db.Pool(), postgres.HistorySQL, "campaign:past:held", int64(1)<<62, 21)
	for _, index := range []string{"ledger_entries_account", "ledger_transactions_from", "ledger_transactions_to"} {
		if !strings.Contains(plan, index) {
			t.Errorf("a page of a past campaign's history does not walk %s:\n%s", index, plan)
		}
	}
	// Each kind read in order, a page at most: no filter, no scan of a
	// table of lines, no sort of an account's legs.
	if strings.Contains(plan, "Filter: (account_id") || strings.Contains(plan, "Seq Scan on ledger_entries") ||
		strings.Contains(plan, "Seq Scan on ledger_transactions") || strings.Contains(plan, "->  Sort") {
		t.Fatalf("a page of a past campaign's history filters, scans or sorts:\n%s", plan)
	}
}

// A roll-up reads each pending row a few times, not once for every other
// row it takes. The pending table churns (every posting to an account
// without a floor adds a row, every roll-up deletes them), so its
// statistics are mostly of a table near empty: here, as under load, they
// say one live row when 3,000 wait. The roll-up then moves them all, in
// one statement whose buffers grow with the rows it moves.
func TestRollUpReadsEachPendingRowOnce(t *testing.T) {
	ctx := context.Background()
	db := openOneConn(t)
	const pending = 3000
	for _, sql := range []string{
		`INSERT INTO ledger_accounts (id, kind, owner_id) SELECT 'revenue:roll' || g, 'revenue', '' FROM generate_series(0, 49) g`,
		// Statistics of a churned table: many pages, one live row.
		`INSERT INTO ledger_pending (entry_id, account_id, amount) SELECT g, 'revenue:roll' || (g % 50), 1 FROM generate_series(1, 3000) g`,
		`DELETE FROM ledger_pending WHERE entry_id > 1`,
		`VACUUM ANALYZE ledger_pending`,
		`INSERT INTO ledger_pending (entry_id, account_id, amount) SELECT g, 'revenue:roll' || (g % 50), 1 FROM generate_series(2, 3000) g`,
	} {
		if _, err := db.Pool().Exec(ctx, sql); err != nil {
			t.Fatalf("%s: %v", sql, err)
		}
	}
	var estimate float64
	if err := db.Pool().QueryRow(ctx, `SELECT reltuples FROM pg_class WHERE oid = 'ledger_pending'::regclass`).Scan(&estimate); err != nil || estimate > 10 {
		t.Fatalf("the statistics say %v pending rows (%v), want those of a table near empty", estimate, err)
	}
	// EXPLAIN ANALYZE runs the roll-up; its transaction is rolled back.
	tx, err := db.Pool().Begin(ctx)
	if err != nil {
		t.Fatal(err)
	}
	var plan []map[string]any
	err = tx.QueryRow(ctx, `EXPLAIN (ANALYZE, BUFFERS, FORMAT JSON) `+postgres.RollUpSQL, postgres.RollUpBatch).Scan(&plan)
	tx.Rollback(ctx) //nolint:errcheck
	if err != nil || len(plan) != 1 {
		t.Fatalf("explain the roll-up: %v (%d plans)", err, len(plan))
	}
	top, _ := plan[0]["Plan"].(map[string]any)
	hit, _ := top["Shared Hit Blocks"].(float64)
	read, _ := top["Shared Read Blocks"].(float64)
	if hit+read == 0 || hit+read > 20*pending {
		t.Fatalf("a roll-up of %d pending rows read %v buffers, want fewer than %d", pending, hit+read, 20*pending)
	}
	t.Logf("a roll-up of %d pending rows read %v buffers", pending, hit+read)
	var moved int
	if err := db.Wallet().InTx(ctx, func(tx wallet.Tx) error {
		var err error
		moved, err = tx.RollUp(ctx, postgres.RollUpBatch)
		return err
	}); err != nil || moved != pending {
		t.Fatalf("rolled up %d of %d pending rows (%v)", moved, pending, err)
	}
	var left, total int64
	if err := db.Pool().QueryRow(ctx, `SELECT (SELECT count(*) FROM ledger_pending),
			(SELECT SUM(balance) FROM ledger_accounts WHERE id LIKE 'revenue:roll%')`).Scan(&left, &total); err != nil || left != 0 || total != pending {
		t.Fatalf("after the roll-up %d rows are pending and the balances hold %d of %d (%v)", left, total, pending, err)
	}
}

// A redemption changes a voucher's remaining value and status, and no
// index of the vouchers names either, in its columns, its expressions or
// its predicate: the change is then written beside the old row, in the
// room its page keeps (migration 1006), with no new index entry. The
// vouchers to remind are still found by an index.
func TestRedemptionChangesNoIndexedColumnOfAVoucher(t *testing.T) {
	ctx := context.Background()
	db := openOneConn(t)
	// An index's definition names its columns, expressions and predicate.
	rows, err := db.Pool().Query(ctx, `SELECT pg_get_indexdef(indexrelid) FROM pg_index WHERE indrelid = 'vouchers'::regclass`)
	if err != nil {
		t.Fatal(err)
	}
	defs, err := pgx.CollectRows(rows, pgx.RowTo[string])
	if err != nil {
		t.Fatal(err)
	}
	if len(defs) < 4 {
		t.Fatalf("read %d indexes of the vouchers, want all: %v", len(defs), defs)
	}
	for _, def := range defs {
		if strings.Contains(def, "status") || strings.Contains(def, "remaining_cents") {
			t.Errorf("an index names what every redemption changes: %s", def)
		}
	}
	if plan := explainIndexed(t, db, postgres.VouchersToRemindSQL, time.Now(), time.Now().AddDate(0, 0, 7), 100); !strings.Contains(plan, "vouchers_expiry_reminder") {
		t.Fatalf("the vouchers to remind are not read by their index:\n%s", plan)
	}
}

// Every voucher of a page has room for the change a redemption makes
// (migration 1010): 48 vouchers claimed together, three pages' worth, each
// then redeemed in full, all in one transaction so that no old version can
// be pruned to make room, are all updated in place (heap-only), as the
// transaction's own statistics count them. With a quarter of each page
// free, half of them were not.
func TestRedemptionUpdatesAVoucherInPlace(t *testing.T) {
	ctx := context.Background()
	db := openOneConn(t)
	tx, err := db.Pool().Begin(ctx)
	if err != nil {
		t.Fatal(err)
	}
	defer tx.Rollback(ctx)
	now := time.Now().UTC()
	for _, sql := range []string{
		`INSERT INTO voucher_campaigns (id, name, budget_cents, face_value_cents, per_citizen_limit, valid_from, valid_until, mode, status, created_at)
			VALUES ('cmp_06h38n1psa8r98crvpf1bgkaqc', 'Bench', 100000, 1000, 10, $1::timestamptz - interval '1 hour', $1::timestamptz + interval '1 day', 'partial', 'open', $1)`,
		// Ids, codes and hashes as long as the hub's.
		`INSERT INTO vouchers (id, campaign_id, account_id, value_cents, remaining_cents, status, code, code_hash, claimed_at, expires_at)
			SELECT 'vch_06h38n1psa8r98crvpf1b' || lpad(n::text, 5, '0'), 'cmp_06h38n1psa8r98crvpf1bgkaqc', 'acc_06h38n1psa8r98crvpf1' || lpad(n::text, 6, '0'),
				1000, 1000, 'active', 'K7QX-' || lpad(n::text, 4, '0') || '-M2PD', encode(sha256(n::text::bytea), 'hex'), $1, $1::timestamptz + interval '90 days'
			FROM generate_series(1, 48) AS n`,
		`UPDATE vouchers SET remaining_cents = 0, status = 'used' WHERE $1::timestamptz IS NOT NULL`,
	} {
		if _, err := tx.Exec(ctx, sql, now); err != nil {
			t.Fatal(err)
		}
	}
	var pages, updated, inPlace int
	if err := tx.QueryRow(ctx, `SELECT count(DISTINCT (ctid::text::point)[0]) FROM vouchers`).Scan(&pages); err != nil {
		t.Fatal(err)
	}
	if err := tx.QueryRow(ctx, `SELECT n_tup_upd, n_tup_hot_upd FROM pg_stat_xact_user_tables WHERE relid = 'vouchers'::regclass`).Scan(&updated, &inPlace); err != nil {
		t.Fatal(err)
	}
	if updated != 48 || inPlace != updated || pages < 3 {
		t.Fatalf("%d of %d vouchers' updates in place, on %d pages; want all 48, on 3 or more", inPlace, updated, pages)
	}
}

// A page of the moderators' lists of comments, flagged or hidden, is read
// from its state's partial index in the list's order (migration 1032): no
// scan of the comments table, no sort, and after a cursor the index is
// entered at the cursor (the bound is the scan's index condition, not a
// filter over every comment before it). So on the plan made for a page's
// values and on the statement's generic plan alike, among 20,000 comments
// of which a hundredth are flagged and as many hidden. Before, the hidden
// comments had no index, and the flagged ones' (on the time alone) left
// the ties to a sort.
func TestModeratedCommentsWalkTheirIndexes(t *testing.T) {
	conn := planConn(t, `INSERT INTO participation_proposals (id, author_id, title, body, threshold, created_at)
			VALUES ('prp_plan', 'acc_plan', 'Benches', 'Benches by the river.', 100, now());
		INSERT INTO participation_comments (id, proposal_id, author_id, body, state, flag_count, created_at)
			SELECT 'cmt_plan' || lpad(g::text, 5, '0'), 'prp_plan', 'acc_plan', 'Comment number ' || g,
				CASE g % 100 WHEN 0 THEN 'flagged' WHEN 1 THEN 'hidden' ELSE 'visible' END, CASE g % 100 WHEN 0 THEN 1 WHEN 1 THEN 1 ELSE 0 END,
				now() - (20000 - g) * interval '1 minute'
			FROM generate_series(1, 20000) g;
		ANALYZE participation_comments`)
	for _, l := range []struct {
		name, index, cursor string
		sql                 [2]string
	}{
		{"flagged", "participation_comments_flagged", "cmt_plan10000", postgres.FlaggedCommentsSQL},
		{"hidden", "participation_comments_hidden", "cmt_plan10001", postgres.HiddenCommentsSQL},
	} {
		for _, page := range []struct {
			what, plan string
			after      bool
		}{
			{"first page, planned for its values", explain(t, conn, l.sql[0], 51), false},
			{"first page, generic plan", genericPlan(t, conn, l.sql[0], "51"), false},
			{"page after a cursor, planned for its values", explain(t, conn, l.sql[1], l.cursor, 51), true},
			{"page after a cursor, generic plan", genericPlan(t, conn, l.sql[1], "'"+l.cursor+"', 51"), true},
		} {
			plan := page.plan
			if !strings.Contains(plan, "Index Scan using "+l.index+" on participation_comments") ||
				strings.Contains(plan, "Seq Scan on participation_comments") || strings.Contains(plan, "Sort") {
				t.Errorf("%s comments, %s: not read in order from %s:\n%s", l.name, page.what, l.index, plan)
			}
			if page.after && (!strings.Contains(plan, "Index Cond: (ROW(created_at, id) > ROW(") || strings.Contains(plan, "Filter")) {
				t.Errorf("%s comments, %s: the cursor is not where the index scan starts:\n%s", l.name, page.what, plan)
			}
		}
	}
}

// planConn is the one connection of a freshly migrated schema
// (openOneConn) holding what seed writes, for a test of the plans its
// queries run on: seed analyzes the tables it fills, as a city's
// long-running database is, and the plans are read on the connection
// (explain, genericPlan).
func planConn(t *testing.T, seed string) *pgxpool.Conn {
	t.Helper()
	ctx := context.Background()
	db := openOneConn(t)
	if _, err := db.Pool().Exec(ctx, seed); err != nil {
		t.Fatal(err)
	}
	conn, err := db.Pool().Acquire(ctx)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(conn.Release)
	return conn
}

// genericPlan is the generic plan of sql run with args (SQL literals, ""
// for none): prepared by name, as the store's statements are, and executed
// with the plan's mode forced (EXPLAIN of a statement given values plans
// it for them).
func genericPlan(t *testing.T, conn *pgxpool.Conn, sql string, args string) string {
	t.Helper()
	ctx := context.Background()
	for _, st := range []string{`PREPARE planned AS ` + sql, `SET plan_cache_mode = force_generic_plan`} {
		if _, err := conn.Exec(ctx, st, pgx.QueryExecModeSimpleProtocol); err != nil {
			t.Fatal(err)
		}
	}
	defer conn.Exec(ctx, `DEALLOCATE planned; RESET plan_cache_mode`, pgx.QueryExecModeSimpleProtocol) //nolint:errcheck
	if args != "" {
		args = "(" + args + ")"
	}
	return explain(t, conn, `EXECUTE planned`+args)
}

// The staff's list of photos awaiting moderation is read from the pending
// photos' partial index in the list's order (migration 1035), and so is
// their count: no scan of the photos table, no sort, and after a cursor
// the index is entered at the cursor (the bound is the scan's index
// condition, not a filter over every photo before it); a list or count of
// some offices reads each photo's report by its key, not every report of
// the offices. So on the plan made for a page's values and on the
// statement's generic plan alike, among 20,000 photos of 10,000 reports,
// a hundredth of the photos pending. Before, the index was on the time
// alone, which left the ties (a report's photos share their time) to a
// sort.
func TestPendingPhotosWalkTheirIndex(t *testing.T) {
	conn := planConn(t, `INSERT INTO participation_reports (id, token, category, office_id, address, description, status, created_at, updated_at)
			SELECT 'rep_plan' || lpad(g::text, 5, '0'), 'tok_plan' || g, 'pothole', CASE g % 4 WHEN 0 THEN 'parks' ELSE 'roads' END,
				'Via Roma ' || g, 'A deep pothole.', 'open', now() - (10000 - g) * interval '1 minute', now()
			FROM generate_series(1, 10000) g;
		INSERT INTO participation_photos (id, report_id, position, state, width, height, image, thumbnail, created_at)
			SELECT 'pho_plan' || lpad(g::text, 5, '0'), 'rep_plan' || lpad(((g + 1) / 2)::text, 5, '0'), (g + 1) % 2,
				CASE WHEN g % 100 = 0 THEN 'pending' WHEN g % 2 = 0 THEN 'hidden' ELSE 'approved' END, 1, 1, '\xffd8', '\xffd8',
				now() - (10000 - (g + 1) / 2) * interval '1 minute'
			FROM generate_series(1, 20000) g;
		ANALYZE participation_reports;
		ANALYZE participation_photos`)
	const cursor = "pho_plan10000"
	for _, o := range []struct {
		name    string
		offices []string
		literal string
	}{{"every office", nil, "NULL"}, {"one office", []string{"roads"}, "'{roads}'"}} {
		sql := postgres.PendingPhotosSQL
		for _, page := range []struct {
			what, plan string
			after      bool
		}{
			{"first page, planned for its values", explain(t, conn, sql[0], o.offices, 51), false},
			{"first page, generic plan", genericPlan(t, conn, sql[0], o.literal+", 51"), false},
			{"page after a cursor, planned for its values", explain(t, conn, sql[1], o.offices, cursor, 51), true},
			{"page after a cursor, generic plan", genericPlan(t, conn, sql[1], o.literal+", '"+cursor+"', 51"), true},
		} {
			plan := page.plan
			if !strings.Contains(plan, "Index Scan using participation_photos_pending on participation_photos p") ||
				strings.Contains(plan, "Seq Scan") || strings.Contains(plan, "Sort") {
				t.Errorf("pending photos of %s, %s: not read in order from participation_photos_pending:\n%s", o.name, page.what, plan)
			}
			if page.after && !strings.Contains(plan, "Index Cond: (ROW(created_at, id) > ROW(") {
				t.Errorf("pending photos of %s, %s: the cursor is not where the index scan starts:\n%s", o.name, page.what, plan)
			}
			if o.offices != nil && !strings.Contains(plan, "Index Scan using participation_reports_pkey on participation_reports r") {
				t.Errorf("pending photos of %s, %s: a photo's office is not read by its report's key:\n%s", o.name, page.what, plan)
			}
		}
	}
	count := postgres.CountPendingPhotosSQL
	for what, plan := range map[string]string{
		"planned for its values": explain(t, conn, count[0]),
		"generic plan":           genericPlan(t, conn, count[0], ""),
	} {
		if !strings.Contains(plan, "Index Only Scan using participation_photos_pending on participation_photos") || strings.Contains(plan, "Seq Scan") {
			t.Errorf("count of every office's pending photos, %s: not read from participation_photos_pending alone:\n%s", what, plan)
		}
	}
	for what, plan := range map[string]string{
		"planned for its values": explain(t, conn, count[1], []string{"roads"}),
		"generic plan":           genericPlan(t, conn, count[1], "'{roads}'"),
	} {
		if !strings.Contains(plan, "Index Scan using participation_photos_pending on participation_photos p") ||
			!strings.Contains(plan, "Index Scan using participation_reports_pkey on participation_reports r") || strings.Contains(plan, "Seq Scan") {
			t.Errorf("count of one office's pending photos, %s: not read from participation_photos_pending, each report by its key:\n%s", what, plan)
		}
	}
}

// A person's flags (their data download) are read by the flags' index of
// accounts, not by a scan of every flag in the city.
func TestFlagsByReadTheirIndex(t *testing.T) {
	db := openOneConn(t)
	if plan := explainIndexed(t, db, postgres.FlagsBySQL, "acc_plan"); !strings.Contains(plan, "participation_comment_flags_account") {
		t.Fatalf("an account's flags are not read by their index:\n%s", plan)
	}
}

// A page of a buyer's orders, newest first, is read backwards from the
// buyer's index on (account_id, created_at, id) (migration 1037): no sort
// of the buyer's orders (the index on the time alone left ties of time to
// one), and after a cursor the index is entered at the cursor (the bound
// is the scan's index condition, not a filter over every newer order). So
// on the plan made for a page's values and on the statement's generic plan
// alike, for a buyer of 10,000 orders among 20,000, three made at each
// instant.
func TestOrdersOfWalkTheBuyersIndex(t *testing.T) {
	conn := planConn(t, `INSERT INTO ticket_venues (id, name, address, created_at) VALUES ('ven_plan', 'Teatro', 'Piazza', now());
		INSERT INTO ticket_performances (id, venue_id, title, starts_at, prices, sales_open, sales_close, status, created_at, doors_open, ends_at)
			VALUES ('prf_plan', 'ven_plan', 'La locandiera', now() + interval '1 day', '{}', now(), now() + interval '1 day', 'scheduled', now(),
				now() + interval '22 hours', now() + interval '27 hours');
		INSERT INTO ticket_orders (id, account_id, performance_id, seats, total_cents, status, hold_expires_at, created_at)
			SELECT 'tord_plan' || lpad(g::text, 5, '0'), CASE WHEN g % 2 = 0 THEN 'acc_plan' ELSE 'acc_plan' || (g % 199) END, 'prf_plan', '[]', 2500, 'cancelled',
				now() - (20000 - g / 3) * interval '1 minute' + interval '10 minutes', now() - (20000 - g / 3) * interval '1 minute'
			FROM generate_series(1, 20000) g;
		ANALYZE ticket_orders`)
	sql := postgres.OrdersOfSQL
	for _, page := range []struct {
		what, plan string
		after      bool
	}{
		{"first page, planned for its values", explain(t, conn, sql[0], "acc_plan", 51), false},
		{"first page, generic plan", genericPlan(t, conn, sql[0], "'acc_plan', 51"), false},
		{"page after a cursor, planned for its values", explain(t, conn, sql[1], "acc_plan", "tord_plan10000", 51), true},
		{"page after a cursor, generic plan", genericPlan(t, conn, sql[1], "'acc_plan', 'tord_plan10000', 51"), true},
	} {
		plan := page.plan
		if !strings.Contains(plan, "Index Scan Backward using ticket_orders_account on ticket_orders") ||
			strings.Contains(plan, "Seq Scan on ticket_orders") || strings.Contains(plan, "Sort") {
			t.Errorf("a buyer's orders, %s: not read in order from ticket_orders_account:\n%s", page.what, plan)
		}
		if page.after && (!strings.Contains(plan, "Index Cond: ((account_id = ") || !strings.Contains(plan, "ROW(created_at, id) < ROW(") || strings.Contains(plan, "Filter")) {
			t.Errorf("a buyer's orders, %s: the cursor is not where the index scan starts:\n%s", page.what, plan)
		}
	}
}

// A station's delete counts the open reports of its docks from the
// station's own incidents, read by the incidents' unique index on (kind,
// station_id, request_id), not by a scan of every incident in the city:
// so on the plan made for a station and on the statement's generic plan
// alike, among 20,000 incidents at 500 stations, half of them citizens'
// reports (bikes' and docks', most resolved), half the stations' own.
func TestOpenDockReportsReadTheStationsIncidents(t *testing.T) {
	conn := planConn(t, `INSERT INTO mobility_incidents (id, kind, station_id, request_id, bike_id, dock, raised_at, resolved_at, resolved_by, reported_by, description)
			SELECT 'inc_plan' || lpad(g::text, 5, '0'), CASE WHEN g % 2 = 0 THEN 'citizen_report' ELSE 'bike_released_without_ride' END,
				'st-' || (g % 500), 'req_plan' || g, CASE WHEN g % 4 = 0 THEN 'b' || g ELSE '' END, 1 + g % 8,
				now() - g * interval '1 minute', CASE WHEN g % 10 < 8 THEN now() END, CASE WHEN g % 10 < 8 THEN 'acc_op' ELSE '' END,
				CASE WHEN g % 2 = 0 THEN 'acc_plan' || g ELSE '' END, 'rotta'
			FROM generate_series(1, 20000) g;
		ANALYZE mobility_incidents`)
	for what, plan := range map[string]string{
		"planned for its station": explain(t, conn, postgres.OpenDockReportsAtSQL, "st-2"),
		"generic plan":            genericPlan(t, conn, postgres.OpenDockReportsAtSQL, "'st-2'"),
	} {
		if !strings.Contains(plan, "mobility_incidents_request") || strings.Contains(plan, "Seq Scan") {
			t.Errorf("a station's open dock reports, %s: not read by the station's incidents in mobility_incidents_request:\n%s", what, plan)
		}
	}
}

// Whether a comment was ever flagged or shown again (Audited, for the
// moderators' lists' cursors) is read by the audit log's index on the
// object (audit_log_object), not by a scan of the log, which holds every
// action in the city: so on the plan made for a comment and on the
// statement's generic plan alike, among 50,000 entries on 10,000 objects
// of five kinds, each comment's few among them.
func TestAuditedReadsTheObjectsIndex(t *testing.T) {
	conn := planConn(t, `INSERT INTO audit_log (actor_id, action, object_type, object_id, at)
			SELECT 'acc_plan' || (g % 300), (ARRAY['comment.flag', 'comment.moderate', 'voucher.redeem', 'report.status', 'order.refund'])[1 + g % 5],
				(ARRAY['comment', 'comment', 'voucher', 'report', 'order'])[1 + g % 5], 'obj_plan' || lpad((g % 10000)::text, 5, '0'),
				now() - g * interval '1 minute'
			FROM generate_series(1, 50000) g;
		ANALYZE audit_log`)
	for what, plan := range map[string]string{
		"planned for its comment": explain(t, conn, postgres.AuditedSQL, "comment", "obj_plan00005", "comment.flag"),
		"generic plan":            genericPlan(t, conn, postgres.AuditedSQL, "'comment', 'obj_plan00005', 'comment.flag'"),
	} {
		if !strings.Contains(plan, "audit_log_object") || strings.Contains(plan, "Seq Scan on audit_log") {
			t.Errorf("whether a comment was flagged, %s: not read by audit_log_object:\n%s", what, plan)
		}
	}
}
