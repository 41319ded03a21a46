package bench

import (
	"context"
	"flag"
	"fmt"
	"os"
	"strings"
	"testing"
	"time"

	"cityhub/store/postgres"
	"cityhub/ticketing"
	"cityhub/vouchers"
)

// cityVouchers is how many vouchers a past campaign of the city left
// behind in addCityHistory, cityRedeemed how many of them were redeemed.
const (
	cityVouchers = ledgerPopulation
	cityRedeemed = 60_000
	cityShops    = 50
)

// addCityHistory gives a PostgreSQL benchmark hub a year of a city's voucher
// history besides its own rows: a past campaign of cityVouchers vouchers
// claimed by the city's citizens, cityRedeemed of them redeemed at
// cityShops shops, with their ledger postings, audit entries and kept API
// answers, and fresh statistics. A benchmark on empty tables measures plans
// made for empty tables (see addCityAccounts). CITY_HISTORY=0 leaves it
// out, to compare. It takes about 20 s on a 2-core machine, so it is left
// out of the one-iteration run that go test makes before a -benchtime=Nx
// run (probeRun): that run is not reported.
func addCityHistory(b *testing.B, h *benchHub) {
	b.Helper()
	db, ok := h.db.(*postgres.DB)
	if !ok || os.Getenv("CITY_HISTORY") == "0" || probeRun(b) {
		return
	}
	ctx := context.Background()
	camp, err := h.vouchers.CreateCampaign(ctx, benchAdmin, vouchers.Campaign{
		Name: "Past", BudgetCents: cityVouchers * 1000, FaceValueCents: 1000, PerCitizenLimit: 1,
		ValidFrom: time.Now().Add(-365 * 24 * time.Hour), ValidUntil: time.Now().Add(24 * time.Hour),
	})
	if err != nil {
		b.Fatal(err)
	}
	if _, err := h.vouchers.SetCampaignStatus(ctx, benchAdmin, camp.ID, vouchers.StatusOpen); err != nil {
		b.Fatal(err)
	}
	shops := h.shops(b, cityShops, "Bottega")
	// A campaign is created with its validity ahead; this one is then moved
	// into the past, as a year gone by would have.
	if _, err := db.Pool().Exec(ctx, `UPDATE voucher_campaigns SET status = 'closed', valid_until = now() - interval '1 day' WHERE id = $1`, camp.ID); err != nil {
		b.Fatal(err)
	}
	// Voucher g was claimed by citizen pop<g> (addCityAccounts); vouchers
	// g <= cityRedeemed were redeemed at shop g % cityShops. Each claim and
	// each redemption is a ledger transaction of two entries, as the
	// service posts them, and so is the close's release of what was left
	// held; the balances are then brought to their entries.
	quoted := make([]string, len(shops))
	for i, id := range shops {
		quoted[i] = "'" + id + "'"
	}
	fill := strings.NewReplacer("$1", "'"+camp.ID+"'", "$2", "ARRAY["+strings.Join(quoted, ",")+"]",
		"$3", fmt.Sprint(cityVouchers), "$4", fmt.Sprint(cityRedeemed), "$5", fmt.Sprint(cityShops))
	fillTables(b, db, "the city's voucher history", fill,
		`CREATE TEMP TABLE past_shops AS SELECT ord - 1 AS n, id FROM unnest($2::text[]) WITH ORDINALITY AS s(id, ord)`,
		`INSERT INTO vouchers (id, campaign_id, account_id, value_cents, remaining_cents, status, code, code_hash, claimed_at, expires_at)
				SELECT 'vch_past' || g, $1, 'pop' || g, 1000, CASE WHEN g <= $4 THEN 0 ELSE 1000 END,
					CASE WHEN g <= $4 THEN 'used' ELSE 'active' END, 'PAST' || g, md5('past' || g),
					now() - interval '300 days' + g * interval '1 minute', now() - interval '1 day'
				FROM generate_series(1, $3::int) g`,
		`INSERT INTO voucher_redemptions (id, voucher_id, campaign_id, shop_id, purchase_cents, amount_cents, staff_id, at)
				SELECT 'red_past' || g, 'vch_past' || g, $1, s.id, 2500, 1000, 'staff_past', now() - interval '200 days' + g * interval '1 minute'
				FROM generate_series(1, $4::int) g JOIN past_shops s ON s.n = g % $5`,
		`INSERT INTO ledger_transactions (id, idem_key, kind, ref_type, ref_id, created_at)
				SELECT 'ltx_pastc' || g, 'voucher.claim:vch_past' || g, 'voucher.claim', 'voucher', 'vch_past' || g, now() - interval '300 days'
				FROM generate_series(1, $3::int) g
				UNION ALL
				SELECT 'ltx_pastr' || g, 'voucher.redeem:red_past' || g, 'voucher.redeem', 'redemption', 'red_past' || g, now() - interval '200 days'
				FROM generate_series(1, $4::int) g`,
		`INSERT INTO ledger_entries (transaction_id, account_id, amount, created_at)
				SELECT 'ltx_pastc' || g, a, m, now() - interval '300 days' FROM generate_series(1, $3::int) g,
					LATERAL (VALUES ('campaign:' || $1 || ':budget', -1000), ('campaign:' || $1 || ':held', 1000)) AS v(a, m)
				UNION ALL
				SELECT 'ltx_pastr' || g, a, m, now() - interval '200 days' FROM generate_series(1, $4::int) g JOIN past_shops s ON s.n = g % $5,
					LATERAL (VALUES ('campaign:' || $1 || ':held', -1000), ('shop:' || s.id || ':payable', 1000)) AS v(a, m)`,
		// Closed, the campaign released what its unspent vouchers held.
		`INSERT INTO ledger_transactions (id, idem_key, kind, ref_type, ref_id, created_at)
				VALUES ('ltx_pastrel', 'voucher.release:' || $1, 'voucher.release', 'campaign', $1, now() - interval '1 day')`,
		`INSERT INTO ledger_entries (transaction_id, account_id, amount, created_at)
				VALUES ('ltx_pastrel', 'campaign:' || $1 || ':held', -1000 * ($3::int - $4::int), now() - interval '1 day'),
					('ltx_pastrel', 'campaign:' || $1 || ':budget', 1000 * ($3::int - $4::int), now() - interval '1 day')`,
		`UPDATE ledger_accounts a SET balance = a.balance + t.total
				FROM (SELECT account_id, SUM(amount) AS total FROM ledger_entries
					WHERE transaction_id LIKE 'ltx_past%' GROUP BY account_id) t WHERE a.id = t.account_id`,
		`INSERT INTO audit_log (at, actor_id, action, object_type, object_id, shop_id, detail)
				SELECT now() - interval '200 days', 'staff_past', 'voucher.redeem', 'voucher', 'vch_past' || g, s.id, '{"amount_cents": 1000}'
				FROM generate_series(1, $4::int) g JOIN past_shops s ON s.n = g % $5`,
		`INSERT INTO request_answers (scope, key, request_hash, committed, done, status, body, claimed_at)
				SELECT 'staff_past POST /api/v1/merchant/vouchers/redeem', 'past-' || g, md5('r' || g), true, true, 201, '{}', now() - interval '200 days'
				FROM generate_series(1, $4::int) g`,
		`INSERT INTO idempotency_keys (scope, key, request_hash, status, response, created_at)
			SELECT 'voucher.redeem:' || s.id, 'past-' || g, md5('r' || g), 1, '{}', now() - interval '200 days'
			FROM generate_series(1, $4::int) g JOIN past_shops s ON s.n = g % $5`,
		`INSERT INTO accounts (id, email, email_norm, name, locale, password_hash, created_at)
			SELECT 'pop' || g, 'pop' || g || '@example.org', 'pop' || g || '@example.org', 'Cittadino ' || g, 'it', '', now() - interval '300 days'
			FROM generate_series(1, $3::int) g`,
		`INSERT INTO account_grants (account_id, role) SELECT 'pop' || g, 'citizen' FROM generate_series(1, $3::int) g`,
		`DROP TABLE past_shops`)
}

// probeRun is true in the first, one-iteration call that go test makes of a
// benchmark whose -benchtime asks for more iterations: its result is
// replaced by the full run's.
func probeRun(b *testing.B) bool {
	if b.N != 1 {
		return false
	}
	f := flag.Lookup("test.benchtime")
	return f != nil && f.Value.String() != "1x"
}

// citySeasons is how many past performances addTicketHistory sells out:
// with a 500-seat theatre, a few seasons of a city's theatre.
const citySeasons = 200

// addTicketHistory gives a PostgreSQL benchmark hub a theatre's past
// seasons in venue (whose seats are seats): citySeasons performances, each
// sold out to the city's citizens (addCityAccounts) by card, one seat an
// order, with their claims, tickets, orders and ledger postings, and fresh
// statistics; it reports whether it added them. CITY_HISTORY=0 leaves it
// out, to compare.
func addTicketHistory(b *testing.B, h *benchHub, venueID string, seats []ticketing.Seat) bool {
	b.Helper()
	db, ok := h.db.(*postgres.DB)
	if !ok || os.Getenv("CITY_HISTORY") == "0" || probeRun(b) {
		return false
	}
	ids := make([]string, len(seats))
	for i, s := range seats {
		ids[i] = s.ID
	}
	// Performance p's seat s (the seat's 1-based place n in seats) was sold
	// as order p*seats+n to citizen pop<that number mod the population>.
	fill := strings.NewReplacer("$1", "'"+venueID+"'", "$2", "ARRAY['"+strings.Join(ids, "','")+"']",
		"$3", fmt.Sprint(citySeasons), "$4", fmt.Sprint(len(seats)), "$5", fmt.Sprint(ledgerPopulation))
	fillTables(b, db, "the theatre's past seasons", fill,
		`CREATE TEMP TABLE past_seats AS SELECT ord AS n, id FROM unnest($2::text[]) WITH ORDINALITY AS s(id, ord)`,
		`INSERT INTO ticket_performances (id, venue_id, title, starts_at, doors_open, ends_at, prices, sales_open, sales_close, status, created_at)
			SELECT 'prf_past' || p, $1, 'Stagione ' || p, now() - (p + 1) * interval '1 day',
				now() - (p + 1) * interval '1 day' - interval '1 hour', now() - (p + 1) * interval '1 day' + interval '2 hours', '{"stalls": 2500, "balcony": 1500}',
				now() - (p + 60) * interval '1 day', now() - (p + 1) * interval '1 day', 'scheduled', now() - (p + 60) * interval '1 day'
			FROM generate_series(1, $3::int) p`,
		`CREATE TEMP TABLE past_sales AS SELECT p, s.n, s.id AS seat, 'ord_past' || (p * $4 + s.n) AS ord,
				'pop' || ((p * $4 + s.n) % $5 + 1) AS buyer, now() - (p + 2) * interval '1 day' AS at
			FROM generate_series(1, $3::int) p, past_seats s`,
		`INSERT INTO ticket_orders (id, account_id, performance_id, seats, total_cents, status, method, hold_expires_at, created_at, paid_at, transaction_id)
			SELECT ord, buyer, 'prf_past' || p, jsonb_build_array(jsonb_build_object('seat_id', seat, 'category', 'balcony', 'price_cents', 1500)), 1500,
				'paid', 'card', at, at, at, 'ltx_' || ord FROM past_sales`,
		`INSERT INTO ticket_claims (performance_id, seat_id, order_id, state, expires_at)
			SELECT 'prf_past' || p, seat, ord, 'sold', at FROM past_sales`,
		`INSERT INTO tickets (id, order_id, performance_id, venue_id, seat_id, account_id, price_cents, status, code, code_hash, issued_at)
			SELECT 'tkt_' || ord, ord, 'prf_past' || p, $1, seat, buyer, 1500, 'checked_in', 'T' || ord, md5('t' || ord), at FROM past_sales`,
		`INSERT INTO ledger_transactions (id, idem_key, kind, memo, ref_type, ref_id, created_at)
			SELECT 'ltx_' || ord, 'ticket:sale:' || ord, 'ticket.sale.card', 'Stagione ' || p, 'ticket_order', ord, at FROM past_sales`,
		`INSERT INTO ledger_entries (transaction_id, account_id, amount, created_at)
			SELECT 'ltx_' || ord, a, m, at FROM past_sales, LATERAL (VALUES ('stripe:clearing', -1500), ('revenue:theatre', 1500)) AS v(a, m)`,
		`UPDATE ledger_accounts a SET balance = a.balance + t.total
			FROM (SELECT account_id, SUM(amount) AS total FROM ledger_entries
				WHERE transaction_id LIKE 'ltx_ord_past%' GROUP BY account_id) t WHERE a.id = t.account_id`,
		`DROP TABLE past_seats, past_sales`)
	return true
}

// fillTables runs stmts, their $n written by values (the benchmark's own
// generated ids and numbers: a temporary table cannot be made with
// parameters), in one transaction, then analyzes the database.
func fillTables(b *testing.B, db *postgres.DB, what string, values *strings.Replacer, stmts ...string) {
	b.Helper()
	ctx := context.Background()
	start := time.Now()
	tx, err := db.Pool().Begin(ctx)
	if err != nil {
		b.Fatal(err)
	}
	defer tx.Rollback(ctx)
	for _, stmt := range stmts {
		if _, err := tx.Exec(ctx, values.Replace(stmt)); err != nil {
			b.Fatalf("add %s: %v", what, err)
		}
	}
	if err := tx.Commit(ctx); err != nil {
		b.Fatalf("add %s: %v", what, err)
	}
	if _, err := db.Pool().Exec(ctx, `ANALYZE`); err != nil {
		b.Fatalf("analyze %s: %v", what, err)
	}
	b.Logf("%s added in %v", what, time.Since(start).Round(time.Millisecond))
}
