package web

import (
	"context"
	"encoding/json"
	"fmt"
	"html"
	"net/http"
	"net/http/httptest"
	"net/url"
	"regexp"
	"strings"
	"testing"
	"time"

	"cityhub/cardpay"
	"cityhub/identity"
	"cityhub/store/sqlite"
	"cityhub/vouchers"
	"cityhub/web/ui"
	"cityhub/web/webtest"
)

// fieldError is the message shown next to a form field, "" when none.
func fieldError(body, field string) string {
	m := regexp.MustCompile(`data-field-error="` + regexp.QuoteMeta(field) + `">([^<]*)<`).FindStringSubmatch(body)
	if m == nil {
		return ""
	}
	return m[1]
}

// The voucher forms come back with the mistake next to its field and every
// value as typed; Italian amounts and dates are read; a shop registered
// twice is refused with words saying so, and nothing is stored.
func TestVoucherAdminFormsKeepWhatWasTyped(t *testing.T) {
	t.Parallel()
	_, env := newTestServer(t, "sqlite", func(env *testEnv, d *Deps) {
		d.Vouchers = vouchers.NewService(env.DB.Vouchers(), env.Keys, nil)
	})
	ctx := context.Background()
	svc := env.Deps.Vouchers
	adminAcct, _ := env.account(t, identity.RoleAdmin)
	srv := httptest.NewServer(env.Server)
	defer srv.Close()
	pc := webtest.SignedIn(t, srv.URL, adminAcct.Email, testPassword)
	tok := pc.CSRF("/admin/vouchers")
	// The audit log for a spreadsheet is linked, and the link answers it
	// to the signed-in administrator.
	if _, body := pc.Get("/admin/vouchers"); !strings.Contains(body, `href="/api/v1/admin/voucher-audit?format=csv&amp;dialect=excel" data-testid="audit-sheet"`) {
		t.Fatal("the vouchers page does not link the audit log for a spreadsheet")
	}
	if res, body := pc.Get("/api/v1/admin/voucher-audit?format=csv&dialect=excel"); res.StatusCode != http.StatusOK || !strings.HasPrefix(body, "\ufeffid;time (") {
		t.Fatalf("the audit log for a spreadsheet: %d %.80q", res.StatusCode, body)
	}
	post := func(path string, form url.Values) (*http.Response, string) {
		form.Set("csrf_token", tok)
		return pc.Post(path, form)
	}

	// A wrong amount: the form again, status 400, the message next to the
	// budget, the rest as typed.
	res, body := post("/admin/vouchers/campaigns", url.Values{"name": {"Natale in centro"}, "budget": {"mille"}, "face_value": {"10,00"},
		"valid_from": {"01/12/2026"}, "valid_until": {"31/12/2099"}, "districts": {"centro"}, "mode": {"partial"}})
	if res.StatusCode != http.StatusBadRequest || fieldError(body, "budget") == "" || fieldError(body, "name") != "" ||
		!strings.Contains(body, `value="mille"`) || !strings.Contains(body, `value="Natale in centro"`) || !strings.Contains(body, `value="31/12/2099"`) ||
		!strings.Contains(body, `<option value="partial" selected>`) || !strings.Contains(body, `aria-invalid="true"`) {
		t.Fatalf("wrong budget: %d\n%s", res.StatusCode, body)
	}
	if camps, _ := svc.Campaigns(ctx); len(camps) != 0 {
		t.Fatalf("a refused form created %+v", camps)
	}
	// A refusal of the domain (face value above the budget) lands next to
	// its field too.
	res, body = post("/admin/vouchers/campaigns", url.Values{"name": {"Natale"}, "budget": {"5,00"}, "face_value": {"10,00"},
		"valid_from": {"2026-12-01"}, "valid_until": {"2099-12-31"}})
	if res.StatusCode != http.StatusBadRequest || fieldError(body, "face_value") == "" {
		t.Fatalf("face value above the budget: %d\n%s", res.StatusCode, body)
	}
	// Italian thousands and a typed Italian date are accepted.
	res, _ = post("/admin/vouchers/campaigns", url.Values{"name": {"Natale"}, "budget": {"1.000,00"}, "face_value": {"10,00"}, "min_spend": {"15"},
		"valid_from": {"01/12/2026"}, "valid_until": {"31/12/2099"}, "mode": {"single_use"}})
	if res.StatusCode != http.StatusSeeOther {
		t.Fatalf("create campaign: %d", res.StatusCode)
	}
	camps, _ := svc.Campaigns(ctx)
	if len(camps) != 1 || camps[0].BudgetCents != 100000 || camps[0].MinSpendCents != 1500 || camps[0].ValidFrom.In(time.UTC).Month() != time.November && camps[0].ValidFrom.Month() != time.December {
		t.Fatalf("created %+v", camps)
	}

	shop := url.Values{"name": {"Forno Traiano"}, "address": {"Via Traiano 3"}, "district": {"centro"}, "category": {"food"}, "iban": {"IT60 X054 2811 1010 0000 0123 456"}}
	if res, _ := post("/admin/vouchers/shops", shop); res.StatusCode != http.StatusSeeOther {
		t.Fatalf("create shop: %d", res.StatusCode)
	}
	again := url.Values{"name": {"forno  traiano"}, "address": {"via traiano 3"}, "district": {"centro"}, "category": {"food"}, "iban": {"IT60 X054 2811 1010 0000 0123 456"}}
	res, body = post("/admin/vouchers/shops", again)
	if res.StatusCode != http.StatusConflict || !strings.Contains(fieldError(body, "name"), "già registrato") || !strings.Contains(body, `value="forno  traiano"`) {
		t.Fatalf("duplicate shop: %d\n%s", res.StatusCode, body)
	}
	// A missing field is named, not a page of its own.
	res, body = post("/admin/vouchers/shops", url.Values{"name": {"Bar Santa Sofia"}, "address": {""}, "district": {"centro"}, "category": {"food"}, "iban": {"IT60X0542811101000000123456"}})
	if res.StatusCode != http.StatusBadRequest || fieldError(body, "address") == "" || !strings.Contains(body, `value="Bar Santa Sofia"`) {
		t.Fatalf("missing address: %d\n%s", res.StatusCode, body)
	}
	if shops, _ := svc.Shops(ctx, vouchers.ShopFilter{}); len(shops) != 1 {
		t.Fatalf("shops after the refusals: %+v", shops)
	}
	// The dashboard reaches every area that is on, the accounts included.
	_, body = pc.Get("/admin")
	for _, href := range []string{"/admin/vouchers#campaigns", "/admin/accounts", "/admin/reports"} {
		if !strings.Contains(body, `href="`+href+`"`) {
			t.Errorf("the dashboard has no link to %s", href)
		}
	}
}

// The theatre forms keep what was typed; a performance priced only for the
// stalls leaves the gallery out of the seat picker instead of showing it
// sold.
func TestTheatreAdminFormsAndUnpricedRows(t *testing.T) {
	t.Parallel()
	_, env := newTestServer(t, "sqlite", withWallet(true), withTicketing)
	admin, _ := env.account(t, identity.RoleAdmin)
	srv := httptest.NewServer(env.Server)
	defer srv.Close()
	pc := webtest.SignedIn(t, srv.URL, admin.Email, testPassword)
	csrf := pc.CSRF("/admin/theatre")
	post := func(path string, form url.Values) (*http.Response, string) {
		form.Set("csrf_token", csrf)
		return pc.Post(path, form)
	}
	if res, body := post("/admin/theatre/venues", url.Values{"name": {"Teatro Comunale"}, "address": {""}}); res.StatusCode != http.StatusBadRequest ||
		fieldError(body, "address") == "" || !strings.Contains(body, `value="Teatro Comunale"`) {
		t.Fatalf("venue without address: %d\n%s", res.StatusCode, body)
	}
	// The form's key: pressed twice, it makes one venue.
	_, page := pc.Get("/admin/theatre")
	venueKey := regexp.MustCompile(`id="new-venue"(?s:.*?)name="key" value="([^"]+)"`).FindStringSubmatch(page)
	if venueKey == nil {
		t.Fatalf("the new venue form has no key:\n%s", page)
	}
	for range 2 {
		if res, _ := post("/admin/theatre/venues", url.Values{"key": {venueKey[1]}, "name": {"Teatro Comunale"}, "address": {"Corso Garibaldi"}}); res.StatusCode != http.StatusSeeOther {
			t.Fatalf("create venue: %d", res.StatusCode)
		}
	}
	_, body := pc.Get("/admin/theatre")
	if n := len(regexp.MustCompile(`data-venue="(ven_[a-z0-9]+)"`).FindAllString(body, -1)); n != 1 {
		t.Fatalf("%d venues after the form was pressed twice", n)
	}
	venue := regexp.MustCompile(`data-venue="(ven_[a-z0-9]+)"`).FindStringSubmatch(body)[1]
	res, body := post("/admin/theatre/venues/"+venue+"/seats", url.Values{"rows": {"Platea A 1-x platea"}})
	if res.StatusCode != http.StatusBadRequest || fieldError(body, "rows") == "" || !strings.Contains(body, "Platea A 1-x platea</textarea>") {
		t.Fatalf("bad seat line: %d\n%s", res.StatusCode, body)
	}
	post("/admin/theatre/venues/"+venue+"/seats", url.Values{"rows": {"Platea A 1-10 platea\nGalleria A 1-6 galleria"}})
	// "1.000" reads two ways: refused next to the prices, title kept.
	res, body = post("/admin/theatre/performances", url.Values{"venue_id": {venue}, "title": {"Natale in casa Cupiello"}, "starts_at": {"24/12/2099 21:00"},
		"prices": {"platea 1.000"}})
	if res.StatusCode != http.StatusBadRequest || !strings.Contains(fieldError(body, "prices"), "1.000,00") ||
		!strings.Contains(body, `value="Natale in casa Cupiello"`) || !strings.Contains(body, "platea 1.000</textarea>") {
		t.Fatalf("ambiguous price: %d\n%s", res.StatusCode, body)
	}
	// The Italian way of writing the time and a price with thousands;
	// the form pressed twice schedules one performance.
	perfKey := regexp.MustCompile(`id="new-performance"(?s:.*?)name="key" value="([^"]+)"`).FindStringSubmatch(body)
	if perfKey == nil {
		t.Fatalf("the new performance form has no key:\n%s", body)
	}
	for range 2 {
		if res, body := post("/admin/theatre/performances", url.Values{"key": {perfKey[1]}, "venue_id": {venue}, "title": {"Natale in casa Cupiello"}, "starts_at": {"24/12/2099 21:00"},
			"prices": {"platea 1.000,00"}}); res.StatusCode != http.StatusSeeOther {
			t.Fatalf("create performance: %d\n%s", res.StatusCode, body)
		}
	}
	ps, _ := env.Deps.Ticketing.Performances(t.Context())
	if len(ps) != 1 || ps[0].Prices["platea"] != 100000 || ps[0].StartsAt.In(env.Deps.TimeZone).Hour() != 21 && ps[0].StartsAt.Hour() != 21 {
		t.Fatalf("performances %+v", ps)
	}
	citizen, _ := env.account(t, identity.RoleCitizen)
	cc := webtest.SignedIn(t, srv.URL, citizen.Email, testPassword)
	_, body = cc.Get("/theatre/performances/" + ps[0].ID)
	if !strings.Contains(body, "Platea") || strings.Contains(body, "Galleria") || strings.Contains(body, `class="seat seat-sold"`) || strings.Contains(body, "seat-not_on_sale") {
		t.Fatalf("seat picker of a stalls-only performance:\n%s", body)
	}
}

// At the till, "Verifica" shows the voucher, the discount on this amount
// and what the customer pays, and changes nothing; "Riscatta" redeems. A
// purchase below the minimum is refused naming the minimum.
func TestVoucherScanPreviewThenRedeem(t *testing.T) {
	t.Parallel()
	_, env := newTestServer(t, "sqlite", func(env *testEnv, d *Deps) {
		d.Vouchers = vouchers.NewService(env.DB.Vouchers(), env.Keys, nil)
		d.ScanTargets = map[identity.Role]ui.ScanTarget{identity.RoleMerchant: {Endpoint: ui.VoucherScanEndpoint, AskAmount: true}}
	})
	ctx := context.Background()
	svc := env.Deps.Vouchers
	admin := identity.Caller{AccountID: "acc_admin", Grants: []identity.Grant{{Role: identity.RoleAdmin}}}
	shop, _ := svc.CreateShop(ctx, admin, vouchers.Shop{Name: "Libreria", Address: "Corso Garibaldi 1", District: "centro", Category: "books", IBAN: "IT60X0542811101000000123456"})
	camp, err := svc.CreateCampaign(ctx, admin, vouchers.Campaign{Name: "Libri d'estate", BudgetCents: 10000, FaceValueCents: 1000, MinSpendCents: 1500, PerCitizenLimit: 1,
		ValidFrom: time.Now().Add(-time.Hour), ValidUntil: time.Now().Add(time.Hour)})
	if err != nil {
		t.Fatal(err)
	}
	svc.SetCampaignStatus(ctx, admin, camp.ID, vouchers.StatusOpen)
	anna := identity.Caller{AccountID: "acc_anna", Grants: []identity.Grant{{Role: identity.RoleCitizen}}}
	v, _ := svc.Claim(ctx, anna, camp.ID)
	staff, _ := env.account(t, identity.RoleMerchant, shop.ID)
	srv := httptest.NewServer(env.Server)
	defer srv.Close()
	pc := webtest.SignedIn(t, srv.URL, staff.Email, testPassword)
	csrf := pc.CSRF("/staff/scan")
	scan := func(body string) (int, map[string]any) {
		req, _ := http.NewRequest("POST", srv.URL+ui.VoucherScanEndpoint, strings.NewReader(body))
		req.Header.Set("Content-Type", "application/json")
		req.Header.Set("X-CSRF-Token", csrf)
		res, err := pc.Client.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		defer res.Body.Close()
		out := map[string]any{}
		_ = json.NewDecoder(res.Body).Decode(&out)
		return res.StatusCode, out
	}
	status, out := scan(`{"code":"` + v.TypedCode + `","amount_cents":1200,"preview":true}`)
	if status != http.StatusBadRequest || out["heading"] != "Buono non accettato" || !strings.Contains(out["detail"].(string), "15,00") {
		t.Fatalf("below the minimum: %d %v", status, out)
	}
	status, out = scan(`{"code":"` + v.TypedCode + `","amount_cents":1200}`)
	if status != http.StatusBadRequest || !strings.Contains(out["detail"].(string), "15,00") {
		t.Fatalf("redeem below the minimum: %d %v", status, out)
	}
	status, out = scan(`{"code":"` + v.TypedCode + `","amount_cents":2350,"preview":true}`)
	if status != http.StatusOK || out["outcome"] != "preview" || !strings.Contains(out["title"].(string), "Libri d'estate") ||
		out["discount_text"] != "10,00\u00a0€" || out["pay_text"] != "13,50\u00a0€" || out["confirm"] != "Riscatta" {
		t.Fatalf("preview: %d %v", status, out)
	}
	if mine, _ := svc.MyVoucher(ctx, anna, v.ID); mine.Status != vouchers.VoucherActive || len(mine.Redemptions) != 0 {
		t.Fatalf("a preview changed the voucher: %+v", mine)
	}
	status, out = scan(`{"code":"` + v.TypedCode + `","amount_cents":2350}`)
	if status != http.StatusOK || out["outcome"] != "ok" {
		t.Fatalf("redeem: %d %v", status, out)
	}
	status, out = scan(`{"code":"` + v.TypedCode + `","amount_cents":2350,"preview":true}`)
	if status != http.StatusConflict || out["detail"] != "Questo buono è già stato usato." {
		t.Fatalf("preview of a used voucher: %d %v", status, out)
	}
	// Past the wrong codes a shop may try, even a right one is not
	// checked: the heading says so, not that the code is wrong.
	for i := range vouchers.MaxCodeFailuresPerShop + 1 {
		if status, out = scan(`{"code":"WXYZ-WXYZ-WX` + string(rune('A'+i%26)) + `","amount_cents":2350,"preview":true}`); status == http.StatusTooManyRequests {
			break
		}
	}
	status, out = scan(`{"code":"` + v.TypedCode + `","amount_cents":2350,"preview":true}`)
	if status != http.StatusTooManyRequests || out["heading"] != "Codice non controllato" {
		t.Fatalf("a right code during the wrong codes' pause: %d %v", status, out)
	}
}

// The reports page shows the ledger check in words and the charts as SVG
// with a title, a description and their numbers in a table, and a chart
// with nothing to draw as a message alone; the card
// refunds page lists refunds and a retry of nothing is refused.
func TestReportsAndRefundsPages(t *testing.T) {
	t.Parallel()
	_, env := newTestServer(t, "sqlite", withWallet(true), withTicketing, func(env *testEnv, d *Deps) {
		d.CardPayments = cardpay.NewService(env.DB.CardPayments(), d.Ticketing, nil)
	})
	admin, _ := env.account(t, identity.RoleAdmin)
	srv := httptest.NewServer(env.Server)
	defer srv.Close()
	pc := webtest.SignedIn(t, srv.URL, admin.Email, testPassword)
	csrf := pc.CSRF("/admin/theatre")
	post := func(path string, form url.Values) (*http.Response, string) {
		form.Set("csrf_token", csrf)
		return pc.Post(path, form)
	}
	// With no performance there is nothing to draw: the message stands
	// alone, with no empty axes above it.
	res, body := pc.Get("/admin/reports")
	sales := regexp.MustCompile(`(?s)<section aria-labelledby="sales-heading".*?</section>`).FindString(body)
	if res.StatusCode != http.StatusOK || !strings.Contains(sales, `data-testid="sales-nothing"`) || !strings.Contains(sales, "Nessun dato nel periodo.") ||
		strings.Contains(sales, "<svg") || strings.Contains(sales, "<figure") {
		t.Fatalf("reports page with no performance: %d\n%s", res.StatusCode, sales)
	}

	post("/admin/theatre/venues", url.Values{"name": {"Teatro Romano"}, "address": {"Via del Teatro Romano"}})
	_, body = pc.Get("/admin/theatre")
	venue := regexp.MustCompile(`data-venue="(ven_[a-z0-9]+)"`).FindStringSubmatch(body)[1]
	post("/admin/theatre/venues/"+venue+"/seats", url.Values{"rows": {"Platea A 1-10 platea"}})
	post("/admin/theatre/performances", url.Values{"venue_id": {venue}, "title": {"Filumena Marturano"}, "starts_at": {"2099-03-14T20:45"}, "prices": {"platea 20"}})

	res, body = pc.Get("/admin/reports")
	if res.StatusCode != http.StatusOK || !strings.Contains(body, `data-testid="ledger-verdict" data-ok="true"`) || strings.Contains(body, `data-testid="sales-nothing"`) ||
		!strings.Contains(body, `data-testid="chart-sales"`) || !strings.Contains(body, `<title id="sales-title">`) ||
		!strings.Contains(body, `<desc id="sales-desc">`) || !strings.Contains(body, `data-testid="sales-table"`) || !strings.Contains(body, "Filumena Marturano") ||
		!strings.Contains(body, "unico spettacolo degli ultimi 30 giorni") || strings.Contains(body, "ciascuno dei 1 spettacoli") {
		t.Fatalf("reports page: %d\n%s", res.StatusCode, body)
	}
	if res, body := pc.Get("/admin/refunds"); res.StatusCode != http.StatusOK || !strings.Contains(body, "Nessun rimborso su carta") ||
		!strings.Contains(body, `id="theatre-refunds"`) || !strings.Contains(body, `id="erasure-refunds"`) {
		t.Fatalf("refunds page: %d\n%s", res.StatusCode, body)
	}
	// A link cannot make the page say a refund went back in the queue.
	if _, body := pc.Get("/admin/refunds?retried=ord_made_up"); strings.Contains(body, `data-testid="retried"`) {
		t.Fatalf("a notice of a refund sent again, from a link:\n%s", body)
	}
	if res, _ := post("/admin/refunds/tord_nope/retry", url.Values{}); res.StatusCode != http.StatusNotFound {
		t.Fatalf("retry of no refund: %d", res.StatusCode)
	}
	if res, _ := post("/admin/refunds/topups/tur_nope/retry", url.Values{}); res.StatusCode != http.StatusNotFound {
		t.Fatalf("retry of no top-up refund: %d", res.StatusCode)
	}
	_, body = pc.Get("/admin")
	for _, href := range []string{"/admin/theatre", "/admin/refunds", "/admin/reports"} {
		if !strings.Contains(body, `href="`+href+`"`) {
			t.Errorf("the dashboard has no link to %s", href)
		}
	}
	citizen, _ := env.account(t, identity.RoleCitizen)
	cc := webtest.SignedIn(t, srv.URL, citizen.Email, testPassword)
	for _, p := range []string{"/admin/reports", "/admin/refunds"} {
		if res, _ := cc.Get(p); res.StatusCode != http.StatusForbidden {
			t.Errorf("a citizen on %s: %d", p, res.StatusCode)
		}
	}
}

// The Stripe events the hub kept for an operator instead of applying (API
// only before) have a page of their own: type, amount in its currency,
// when, why it was kept, and the event's id linked to Stripe's dashboard.
// The dashboard and the card refunds page link to it; a citizen and a shop
// get 403.
func TestPaymentEventsPage(t *testing.T) {
	t.Parallel()
	env, hub := stripeHub(t, "sqlite")
	acct, auth := env.account(t, identity.RoleCitizen)
	// A payment made in Stripe's dashboard, and one of the hub's own paid
	// in dollars: both kept, neither credited.
	deliver(t, hub, paymentEvent("evt_page_stranger", "payment_intent.succeeded", "pi_made_in_the_dashboard", 5000, "eur",
		map[string]string{cardpay.StripePurposeKey: cardpay.PurposeTopUp, cardpay.StripeAccountKey: acct.ID}))
	var tb topupBody
	decodeInto(t, mustStatus(t, walletSend(t, env, "POST", "/api/v1/wallet/topups", auth, `{"amount_cents":1250}`,
		map[string]string{"Idempotency-Key": "events-page-usd"}), http.StatusCreated), &tb)
	deliver(t, hub, paymentEvent("evt_page_usd", "payment_intent.succeeded", tb.PaymentIntentID, 1250, "usd", nil))

	admin, _ := env.account(t, identity.RoleAdmin)
	pc := webtest.SignedIn(t, hub.URL, admin.Email, testPassword)
	res, body := pc.Get("/admin/payments/events")
	body = html.UnescapeString(nbsp(body))
	if res.StatusCode != http.StatusOK || !regexp.MustCompile(`<div class="table-responsive" role="region" aria-label="Eventi Stripe non applicati">\s*<table class="table"[^>]*data-testid="payment-events"`).MatchString(body) {
		t.Fatalf("events page: %d\n%s", res.StatusCode, body)
	}
	for _, want := range []string{
		`data-event="evt_page_stranger" data-attention="unmatched_payment"`,
		`href="https://dashboard.stripe.com/test/events/evt_page_stranger"`,
		`<code>payment_intent.succeeded</code>`,
		"50,00 €",
		"Pagamento non creato dall'hub",
		`data-event="evt_page_usd" data-attention="foreign_currency"`,
		"12,50 USD",
		"Valuta diversa dall'euro",
		`href="https://dashboard.stripe.com/test/payments/` + tb.PaymentIntentID + `"`,
		`<time datetime="`,
	} {
		if !strings.Contains(body, want) {
			t.Errorf("the events page lacks %q", want)
		}
	}
	if t.Failed() {
		t.Fatalf("events page:\n%s", body)
	}
	_, body = pc.Get("/admin")
	if !strings.Contains(body, `href="/admin/payments/events"`) || !strings.Contains(body, "Eventi conservati: 2") {
		t.Errorf("the dashboard has no panel for the kept events:\n%s", body)
	}
	if _, body = pc.Get("/admin/refunds"); !strings.Contains(body, `href="/admin/payments/events"`) {
		t.Errorf("the card refunds page does not link to the kept events:\n%s", body)
	}
	for _, role := range []identity.Role{identity.RoleCitizen, identity.RoleMerchant} {
		other, _ := env.account(t, role)
		oc := webtest.SignedIn(t, hub.URL, other.Email, testPassword)
		if res, _ := oc.Get("/admin/payments/events"); res.StatusCode != http.StatusForbidden {
			t.Errorf("%s on the events page: %d", role, res.StatusCode)
		}
	}

	// More events than a page: the first page links the older ones, whose
	// page links back to the newest and to nothing older; each event is on
	// one page.
	for i := range cardpay.DefaultAttentionPage {
		deliver(t, hub, paymentEvent(fmt.Sprintf("evt_page_more_%02d", i), "payment_intent.succeeded", fmt.Sprintf("pi_dashboard_%02d", i), 100, "eur", nil))
	}
	eventID := regexp.MustCompile(`data-event="(evt_[^"]+)"`)
	older := regexp.MustCompile(`<a href="([^"]+)" rel="next">`)
	newest := regexp.MustCompile(`<a href="/admin/payments/events" rel="first">`)
	seen := map[string]int{}
	_, first := pc.Get("/admin/payments/events")
	for _, m := range eventID.FindAllStringSubmatch(first, -1) {
		seen[m[1]]++
	}
	next := older.FindStringSubmatch(first)
	total := regexp.MustCompile(`<p data-testid="payment-events-total">[^<]*\b52\b[^<]*</p>`)
	if len(seen) != cardpay.DefaultAttentionPage || next == nil || newest.MatchString(first) || !total.MatchString(first) {
		t.Fatalf("the first of 52 events' pages: %d events, older link %v\n%s", len(seen), next, first)
	}
	res, second := pc.Get(html.UnescapeString(next[1]))
	for _, m := range eventID.FindAllStringSubmatch(second, -1) {
		seen[m[1]]++
	}
	if res.StatusCode != http.StatusOK || len(seen) != cardpay.DefaultAttentionPage+2 || older.MatchString(second) || !newest.MatchString(second) ||
		seen["evt_page_stranger"] != 1 || seen["evt_page_usd"] != 1 {
		t.Fatalf("the older page (%s): %d, %d events seen in all (%v), want 52 each once, a link to the newest and none older\n%s", next[1], res.StatusCode, len(seen), seen, second)
	}
	// A link the list never gave is refused with the link to the newest.
	if res, body := pc.Get("/admin/payments/events?cursor=evt_nessuno"); res.StatusCode != http.StatusBadRequest ||
		!strings.Contains(body, `href="/admin/payments/events" data-testid="first-page"`) {
		t.Fatalf("an unknown cursor: %d, want the link to the first page\n%s", res.StatusCode, body)
	}
}

// The reports page shows the hub's latest ledger check and when it ran,
// without running one of its own for every look; asked to, it checks again.
func TestReportsPageShowsTheLatestLedgerCheck(t *testing.T) {
	t.Parallel()
	_, env := newTestServer(t, "sqlite", withWallet(true))
	admin, _ := env.account(t, identity.RoleAdmin)
	srv := httptest.NewServer(env.Server)
	defer srv.Close()
	pc := webtest.SignedIn(t, srv.URL, admin.Email, testPassword)
	verdict := regexp.MustCompile(`data-testid="ledger-verdict" data-ok="(true|false)"`)
	checkedAt := regexp.MustCompile(`<time datetime="([^"]+)" data-testid="ledger-checked-at">`)
	look := func(path string) (ok, at string) {
		t.Helper()
		res, body := pc.Get(path)
		v, a := verdict.FindStringSubmatch(body), checkedAt.FindStringSubmatch(body)
		if res.StatusCode != http.StatusOK || v == nil || a == nil || !strings.Contains(body, `action="/admin/reports/recheck"`) {
			t.Fatalf("GET %s: %d\n%s", path, res.StatusCode, body)
		}
		// No link on the page starts a check: the API's GET runs one.
		if strings.Contains(body, `href="/api/v1/admin/ledger/check"`) {
			t.Fatalf("GET %s links to the API's check, which any prefetch would run", path)
		}
		return v[1], a[1]
	}
	ok, first := look("/admin/reports")
	if ok != "true" {
		t.Fatalf("the first check says %s", ok)
	}
	raw := env.DB.(*sqlite.DB).Writer()
	if _, err := raw.ExecContext(context.Background(), `UPDATE ledger_accounts SET balance = balance + 1 WHERE id = 'city:funding'`); err != nil {
		t.Fatal(err)
	}
	if ok, at := look("/admin/reports"); ok != "true" || at != first {
		t.Fatalf("a second look ran a check of its own: ok=%s at %s, the first at %s", ok, at, first)
	}
	// (The time shown is to the second: the verdict tells the checks apart.)
	// A link runs no check; the form does.
	if ok, _ := look("/admin/reports?recheck=1"); ok != "true" {
		t.Fatal("a GET ran a check")
	}
	res, body := pc.Post("/admin/reports/recheck", url.Values{"csrf_token": {pc.CSRF("/admin/reports")}})
	if res.StatusCode != http.StatusSeeOther {
		t.Fatalf("recheck: %d\n%s", res.StatusCode, body)
	}
	if res, _ := pc.Post("/admin/reports/recheck", url.Values{}); res.StatusCode != http.StatusForbidden {
		t.Fatalf("recheck without the form's token: %d", res.StatusCode)
	}
	if ok, _ := look("/admin/reports"); ok != "false" {
		t.Fatal("asked to check again, the page still shows the first check")
	}
	if ok, _ := look("/admin/reports"); ok != "false" {
		t.Fatal("the page went back to the older check")
	}
}
