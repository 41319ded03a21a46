package bench

import (
	"context"
	"fmt"
	"math/rand/v2"
	"net/http"
	"strings"
	"testing"
	"time"

	"cityhub/identity"
	"cityhub/store/postgres"
	"cityhub/store/sqlite"
	"cityhub/wallet"
)

// ledgerPageEntries is the size of the ledger the page benchmark reads.
const ledgerPageEntries = 1_000_000

// historySQL is the history query of store/postgres/wallet.go and
// store/sqlite/wallet.go (History), explained below on the benchmark's
// million entries for a citizen's account.
var historySQL = map[string]string{
	"postgres": `SELECT e.id, e.transaction_id, t.kind, t.memo, t.ref_type, t.ref_id, e.amount, e.created_at
		FROM ledger_accounts a
		CROSS JOIN LATERAL (
			(SELECT e.id, e.transaction_id, e.amount, e.created_at FROM ledger_entries e
				WHERE e.account_id = a.id AND e.id < %[2]s ORDER BY e.id DESC LIMIT 21)
			UNION ALL
			(SELECT l.from_entry, l.id, -l.transfer_amount, l.created_at FROM ledger_transactions l
				WHERE l.from_account = a.id AND l.from_entry < %[2]s ORDER BY l.from_entry DESC LIMIT 21)
			UNION ALL
			(SELECT l.to_entry, l.id, l.transfer_amount, l.created_at FROM ledger_transactions l
				WHERE l.to_account = a.id AND l.to_entry < %[2]s ORDER BY l.to_entry DESC LIMIT 21)
			ORDER BY 1 DESC LIMIT 21) e
		JOIN ledger_transactions t ON t.id = e.transaction_id
		WHERE a.id = %[1]s ORDER BY e.id DESC`,
	"sqlite": `SELECT e.id, e.transaction_id, t.kind, t.memo, t.ref_type, t.ref_id, e.amount, e.created_at
		FROM ledger_entries e INDEXED BY ledger_entries_account JOIN ledger_transactions t ON t.id = e.transaction_id
		WHERE e.account_id = %s AND e.id < %s ORDER BY e.id DESC LIMIT 21`,
}

// BenchmarkLedgerPages fills the ledger with a million entries (half of
// them on the city's funding account, the rest over a thousand citizens;
// on PostgreSQL half of the transfers are stored as one row each, as
// ledger_post writes them)
// and reads pages through the API, one client at a time: the admin ledger
// page of the funding account at random depths, and a citizen's own wallet
// history. It fails unless the history query walks the account index
// (EXPLAIN), and reports the p99 of each page and how long the whole
// ledger check took (ledger_check_ms, once). Run with -benchtime=1x.
func BenchmarkLedgerPages(b *testing.B) {
	for _, engine := range benchEngines {
		b.Run(engine, func(b *testing.B) { ledgerPages(b, engine) })
	}
}

func ledgerPages(b *testing.B, engine string) {
	ctx := context.Background()
	h := newBenchHub(b, engine)
	_, admins := h.accounts(b, 1, "admin", identity.RoleAdmin, nil)
	citizens, bearers := h.accounts(b, 1, "citizen", identity.RoleCitizen, nil)
	h.credit(b, 100, citizens)
	mine := string(wallet.CitizenAccount(citizens[0]))
	half := ledgerPageEntries / 2
	var plan string
	switch db := h.db.(type) {
	case *postgres.DB:
		_, err := db.Pool().Exec(ctx, `INSERT INTO ledger_accounts (id, kind, owner_id, floor) SELECT 'citizen:gen' || g, 'citizen_credit', 'gen' || g, 0 FROM generate_series(1, 999) g;
			INSERT INTO ledger_transactions (id, idem_key, kind, created_at) SELECT 'ltx_gen' || g, 'gen-' || g, 'bench.gen', now() FROM generate_series(1, `+fmt.Sprint(half/2)+`) g;
			INSERT INTO ledger_entries (transaction_id, account_id, amount, created_at)
				SELECT 'ltx_gen' || g, a, m, now() FROM generate_series(1, `+fmt.Sprint(half/2)+`) g,
				LATERAL (VALUES ('city:funding', -100), (CASE WHEN g % 1000 = 0 THEN '`+mine+`' ELSE 'citizen:gen' || (g % 1000) END, 100)) AS v(a, m);
			INSERT INTO ledger_transactions (id, idem_key, kind, created_at, from_account, to_account, transfer_amount, from_entry, to_entry)
				SELECT 'ltx_gen' || g, 'gen-' || g, 'bench.gen', now(), 'city:funding',
					CASE WHEN g % 1000 = 0 THEN '`+mine+`' ELSE 'citizen:gen' || (g % 1000) END, 100,
					nextval('ledger_entries_id_seq'), nextval('ledger_entries_id_seq')
				FROM generate_series(`+fmt.Sprint(half/2+1)+`, `+fmt.Sprint(half)+`) g;
			UPDATE ledger_accounts a SET balance = a.balance + s.total
				FROM (SELECT account_id, SUM(amount) AS total FROM ledger_lines WHERE transaction_id LIKE 'ltx_gen%' GROUP BY account_id) s WHERE a.id = s.account_id;
			ANALYZE`)
		if err != nil {
			b.Fatalf("fill ledger: %v", err)
		}
		// A citizen's few entries, and the funding account's half of the
		// ledger, both come from the account index.
		plan = pgPlan(b, db, fmt.Sprintf(historySQL[engine], "'citizen:gen7'", "400000")) +
			pgPlan(b, db, fmt.Sprintf(historySQL[engine], "'city:funding'", "400000"))
	case *sqlite.DB:
		// The balance trigger of migration 0200 keeps the balances.
		_, err := db.Writer().ExecContext(ctx, `BEGIN;
			WITH RECURSIVE g(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM g WHERE i < 999)
				INSERT INTO ledger_accounts (id, kind, owner_id, floor, created_at) SELECT 'citizen:gen' || i, 'citizen_credit', 'gen' || i, 0, 0 FROM g;
			WITH RECURSIVE g(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM g WHERE i < `+fmt.Sprint(half)+`)
				INSERT INTO ledger_transactions (id, idem_key, kind, created_at) SELECT 'ltx_gen' || i, 'gen-' || i, 'bench.gen', 0 FROM g;
			WITH RECURSIVE g(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM g WHERE i < `+fmt.Sprint(half)+`)
				INSERT INTO ledger_entries (transaction_id, account_id, amount, created_at)
				SELECT 'ltx_gen' || i,
					CASE WHEN v.k = 0 THEN 'city:funding' WHEN i % 1000 = 0 THEN '`+mine+`' ELSE 'citizen:gen' || (i % 1000) END,
					CASE WHEN v.k = 0 THEN -100 ELSE 100 END, 0
				FROM g, (SELECT 0 AS k UNION ALL SELECT 1) v;
			COMMIT; ANALYZE`)
		if err != nil {
			b.Fatalf("fill ledger: %v", err)
		}
		rows, err := db.Writer().QueryContext(ctx, "EXPLAIN QUERY PLAN "+fmt.Sprintf(historySQL[engine], "'citizen:gen7'", "400000"))
		if err != nil {
			b.Fatal(err)
		}
		for rows.Next() {
			var id, parent, unused int
			var detail string
			if err := rows.Scan(&id, &parent, &unused, &detail); err != nil {
				b.Fatal(err)
			}
			plan += detail + "\n"
		}
		rows.Close()
	}
	checkStart := time.Now()
	c := h.checkLedgerCount(b)
	checkTook := time.Since(checkStart)
	if c < ledgerPageEntries {
		b.Fatalf("the ledger holds %d entries, want %d", c, ledgerPageEntries)
	}
	b.Logf("history plan on %s:\n%s", engine, plan)
	// The page must walk the account index, not filter another index's
	// rows by account (the primary key was the id's until migration 1013,
	// the transaction's and account's since; neither serves a page).
	// On PostgreSQL half the transfers are one row each (migration 1025),
	// whose legs have their own account indexes.
	if !strings.Contains(plan, "ledger_entries_account") || strings.Contains(plan, "Filter: (account_id") || strings.Contains(plan, "ledger_entries_pkey") || strings.Contains(plan, "rowid<") {
		b.Fatalf("the history query does not use ledger_entries_account:\n%s", plan)
	}
	if _, ok := h.db.(*postgres.DB); ok && (!strings.Contains(plan, "ledger_transactions_from") || !strings.Contains(plan, "ledger_transactions_to") || strings.Contains(plan, "Seq Scan") || strings.Contains(plan, "->  Sort")) {
		b.Fatalf("the history query does not read the transfers' legs by their account indexes:\n%s", plan)
	}
	var top int64
	if err := h.db.Wallet().View(ctx, func(tx wallet.Tx) error {
		lines, err := tx.History(ctx, wallet.CityFunding, 0, 1)
		if len(lines) == 1 {
			top = lines[0].EntryID
		}
		return err
	}); err != nil || top == 0 {
		b.Fatalf("newest funding entry: %d %v", top, err)
	}
	// Pages from random depths of the history, each cursor an entry of the
	// account as its pages give them (a cursor of no entry of its is
	// refused, bad_cursor): the entry just below a random id.
	rng := rand.New(rand.NewPCG(7, 11))
	cursors := make([]int64, 0, 300)
	if err := h.db.Wallet().View(ctx, func(tx wallet.Tx) error {
		for len(cursors) < cap(cursors) {
			lines, err := tx.History(ctx, wallet.CityFunding, 2+rng.Int64N(top), 1)
			if err != nil {
				return err
			}
			if len(lines) == 1 {
				cursors = append(cursors, lines[0].EntryID)
			}
		}
		return nil
	}); err != nil {
		b.Fatalf("cursors: %v", err)
	}
	var adminPage, walletPage latencies
	get := func(lat *latencies, path, bearer string) {
		t0 := time.Now()
		status, body, err := h.call("GET", path, bearer, "", nil)
		lat.add(time.Since(t0))
		if err != nil || status != http.StatusOK {
			b.Fatalf("GET %s: %d %s %v", path, status, body, err)
		}
	}
	b.ResetTimer()
	for _, cursor := range cursors {
		get(&adminPage, fmt.Sprintf("/api/v1/admin/ledger/accounts/city:funding?cursor=%d&limit=20", cursor), admins[0])
		get(&walletPage, "/api/v1/wallet/history?limit=20", bearers[0])
	}
	b.StopTimer()
	b.ReportMetric(adminPage.ms(0.99), "admin_page_p99_ms")
	b.ReportMetric(walletPage.ms(0.99), "wallet_page_p99_ms")
	b.ReportMetric(adminPage.ms(0.5), "admin_page_p50_ms")
	// Every hub runs the whole check every 10 minutes, and on request.
	b.ReportMetric(float64(checkTook.Microseconds())/1000, "ledger_check_ms")
}

// checkLedgerCount runs the ledger check and returns how many entries it saw.
func (h *benchHub) checkLedgerCount(b testing.TB) int64 {
	b.Helper()
	c, err := h.wallet.Check(context.Background())
	if err != nil || !c.OK() {
		b.Fatalf("ledger check: %+v %v", c, err)
	}
	return c.Entries
}

// pgPlan is PostgreSQL's EXPLAIN of query, one line of the plan a line.
func pgPlan(b testing.TB, db *postgres.DB, query string, args ...any) string {
	b.Helper()
	rows, err := db.Pool().Query(context.Background(), "EXPLAIN "+query, args...)
	if err != nil {
		b.Fatalf("explain: %v", err)
	}
	defer rows.Close()
	var plan strings.Builder
	for rows.Next() {
		var line string
		if err := rows.Scan(&line); err != nil {
			b.Fatalf("explain: %v", err)
		}
		plan.WriteString(line + "\n")
	}
	if err := rows.Err(); err != nil {
		b.Fatalf("explain: %v", err)
	}
	return plan.String()
}
