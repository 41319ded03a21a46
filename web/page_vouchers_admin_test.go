package web

import (
	"context"
	"fmt"
	"net/http"
	"net/http/httptest"
	"net/url"
	"regexp"
	"strings"
	"testing"
	"time"

	"cityhub/identity"
	"cityhub/vouchers"
	"cityhub/web/webtest"
)

// A city administrator runs a campaign from the page: registers a shop,
// creates and opens a campaign, sees its uptake, closes the shop's
// settlement period and marks the statement paid.
func TestVoucherAdminPage(t *testing.T) {
	t.Parallel()
	env, offset := voucherClockServer(t, "sqlite")
	ctx := context.Background()
	svc := env.Deps.Vouchers
	adminAcct, _ := env.account(t, identity.RoleAdmin)
	srv := httptest.NewServer(env.Server)
	defer srv.Close()
	pc := webtest.SignedIn(t, srv.URL, adminAcct.Email, testPassword)

	_, body := pc.Get("/admin")
	if !strings.Contains(body, `href="/admin/vouchers#campaigns"`) {
		t.Fatalf("dashboard has no link to the vouchers page:\n%s", body)
	}
	tok := pc.CSRF("/admin/vouchers")
	post := func(path string, form url.Values) (*http.Response, string) {
		form.Set("csrf_token", tok)
		return pc.Post(path, form)
	}
	res, _ := post("/admin/vouchers/shops", url.Values{"name": {"Forno Traiano"}, "address": {"Via Traiano 3"}, "district": {"Centro"}, "category": {"food"}, "iban": {"IT60 X054 2811 1010 0000 0123 456"}})
	if res.StatusCode != http.StatusSeeOther {
		t.Fatalf("create shop: %d", res.StatusCode)
	}
	// "1.000" is a thousand euros to an Italian reader and one euro to an
	// English one: refused, with the words saying how to write either.
	res, body = post("/admin/vouchers/campaigns", url.Values{"name": {"Natale"}, "budget": {"1.000"}, "face_value": {"10"}, "valid_from": {"2026-01-01"}, "valid_until": {"2099-12-31"}})
	if res.StatusCode != http.StatusBadRequest || !strings.Contains(body, "1.000,00") {
		t.Fatalf("ambiguous amount: %d\n%s", res.StatusCode, body)
	}
	if camps, _ := svc.Campaigns(ctx); len(camps) != 0 {
		t.Fatalf("a refused form created %+v", camps)
	}
	// A district no shop is in is a typo the form says, in Italian and in
	// English, in the word of the field's label (contrade, where it said
	// quartieri).
	badDistrict := url.Values{"name": {"Natale"}, "budget": {"1000"}, "face_value": {"10"},
		"per_citizen_limit": {"1"}, "valid_from": {"2026-01-01"}, "valid_until": {"2099-12-31"}, "districts": {"cento"}, "mode": {"single_use"}}
	en := webtest.SignedIn(t, srv.URL, adminAcct.Email, testPassword)
	chooseLanguage(t, en, "en", "/admin/vouchers")
	// The switch saves a signed-in person's choice as the account's
	// language, which a browser without the cookie follows: the Italian
	// one chooses Italian too.
	chooseLanguage(t, pc, "it", "/admin/vouchers")
	for _, c := range []struct {
		pc           *webtest.PageClient
		label, error string
	}{
		{pc, ">Contrade (separate da virgole", "Nessun negozio è in una delle contrade indicate"},
		{en, ">Districts (comma-separated", "No shop is in one of the districts given"},
	} {
		form := url.Values{"csrf_token": {c.pc.CSRF("/admin/vouchers")}}
		for k, v := range badDistrict {
			form[k] = v
		}
		res, body = c.pc.Post("/admin/vouchers/campaigns", form)
		if res.StatusCode != http.StatusBadRequest || !strings.Contains(body, c.label) || !strings.Contains(fieldError(body, "districts"), c.error) {
			t.Fatalf("district with no shop: %d, want the label %q and %q under it\n%s", res.StatusCode, c.label, c.error, body)
		}
	}
	// With the cents, thousands separators are fine (issue 12). The form
	// carries a key: pressed twice, it makes one campaign, funded once.
	formKey := regexp.MustCompile(`<form[^>]*id="new-campaign"(?s:.*?)name="key" value="([^"]+)"`).FindStringSubmatch(body)
	if formKey == nil {
		t.Fatalf("the new campaign form has no key:\n%s", body)
	}
	for range 2 {
		res, _ = post("/admin/vouchers/campaigns", url.Values{"key": {formKey[1]}, "name": {"Natale"}, "budget": {"1.000,00"}, "face_value": {"10,00"}, "min_spend": {"15"},
			"per_citizen_limit": {"1"}, "valid_from": {"2026-01-01"}, "valid_until": {"2099-12-31"}, "districts": {"centro"}, "mode": {"single_use"}})
		if res.StatusCode != http.StatusSeeOther {
			t.Fatalf("create campaign: %d", res.StatusCode)
		}
	}
	// Sent again under its key with another name (Back, an edit), it makes
	// nothing and comes back with the name kept and a fresh key.
	res, body = post("/admin/vouchers/campaigns", url.Values{"key": {formKey[1]}, "name": {"Pasqua"}, "budget": {"1.000,00"}, "face_value": {"10,00"}, "min_spend": {"15"},
		"per_citizen_limit": {"1"}, "valid_from": {"2026-01-01"}, "valid_until": {"2099-12-31"}, "districts": {"centro"}, "mode": {"single_use"}})
	fresh := regexp.MustCompile(`<form[^>]*id="new-campaign"(?s:.*?)name="key" value="([^"]+)"`).FindStringSubmatch(body)
	if res.StatusCode != http.StatusConflict || !strings.Contains(body, "Questo modulo era già stato inviato") || !strings.Contains(body, `value="Pasqua"`) ||
		fresh == nil || fresh[1] == formKey[1] {
		t.Fatalf("the form sent again with another name: %d\n%s", res.StatusCode, body)
	}
	camps, _ := svc.Campaigns(ctx)
	shops, _ := svc.Shops(ctx, vouchers.ShopFilter{})
	if len(camps) != 1 || camps[0].BudgetCents != 100000 || camps[0].MinSpendCents != 1500 || len(shops) != 1 || shops[0].District != "centro" {
		t.Fatalf("created %+v %+v", camps, shops)
	}
	camp, shop := camps[0], shops[0]
	// The shop's row leads to the new account form with the shop's staff
	// role ticked; the account made there sees the shop's page.
	_, body = pc.Get("/admin/vouchers")
	staffPath := "/admin/accounts/new?role=merchant_staff&scope=" + shop.ID
	if !strings.Contains(body, `href="`+strings.ReplaceAll(staffPath, "&", "&amp;")+`"`) {
		t.Fatalf("the shop row does not lead to the new staff account form:\n%s", body)
	}
	if _, body = pc.Get(staffPath); !regexp.MustCompile(`id="scope-merchant_staff-` + shop.ID + `" name="scope_merchant_staff" value="` + shop.ID + `" checked`).MatchString(body) {
		t.Fatalf("the new account form does not tick the shop:\n%s", body)
	}
	if _, body = pc.Get("/admin/accounts/new?role=merchant_staff&scope=shp_nope"); strings.Contains(body, `name="scope_merchant_staff" value="shp_nope"`) {
		t.Fatal("the new account form ticks a shop nobody registered")
	}
	if res, _ := post("/admin/accounts", url.Values{"name": {"Cassa Uno"}, "email": {"cassa1@forno.example"}, "password": {testPassword}, "locale": {"it"},
		"scope_merchant_staff": {shop.ID}}); res.StatusCode != http.StatusSeeOther {
		t.Fatalf("add staff: %d", res.StatusCode)
	}
	sc := webtest.SignedIn(t, srv.URL, "cassa1@forno.example", testPassword)
	if res, body := sc.Get("/staff/vouchers"); res.StatusCode != http.StatusOK || !strings.Contains(body, "Forno Traiano") {
		t.Fatalf("new staff on the shop page: %d", res.StatusCode)
	}
	if res, _ := post("/admin/vouchers/campaigns/"+camp.ID+"/open", url.Values{}); res.StatusCode != http.StatusSeeOther {
		t.Fatalf("open: %d", res.StatusCode)
	}
	v, err := svc.Claim(ctx, identity.Caller{AccountID: "acc_anna", Grants: []identity.Grant{{Role: identity.RoleCitizen}}}, camp.ID)
	if err != nil {
		t.Fatal(err)
	}
	if _, _, err := svc.Redeem(ctx, identity.Caller{AccountID: "acc_staff", Grants: []identity.Grant{{Role: identity.RoleMerchant, Scope: shop.ID}}},
		shop.ID, "k1", vouchers.RedeemRequest{Code: v.TypedCode, PurchaseCents: 2000}); err != nil {
		t.Fatal(err)
	}
	_, body = pc.Get("/admin/vouchers")
	row := regexp.MustCompile(`(?s)<tr data-campaign="` + camp.ID + `">.*?</tr>`).FindString(body)
	if !strings.Contains(row, "Aperta") || !strings.Contains(row, "990,00") || !strings.Contains(row, "Centro: 1") || !strings.Contains(row, `data-action="pause"`) {
		t.Fatalf("campaign row:\n%s", row)
	}
	settlePath := "/admin/vouchers/shops/" + shop.ID + "/settle"
	if !strings.Contains(body, `href="`+settlePath+`"`) {
		t.Fatalf("the shop row does not lead to the settle confirmation:\n%s", body)
	}
	// Too early: the redemption can still be reversed, so there is
	// nothing to confirm. That is no error of the administrator's: a
	// normal page says so, names the shop and what is still too recent,
	// and offers no button, only the way back.
	if res, body := pc.Get(settlePath); res.StatusCode != http.StatusOK || !strings.Contains(body, "Nulla da rendicontare per «Forno Traiano»") ||
		!strings.Contains(body, fmt.Sprintf("ultimi %d minuti", int(vouchers.ReversalWindow/time.Minute))) || strings.Contains(body, "alert-error") || strings.Contains(body, "Richiesta non valida") ||
		strings.Contains(body, `name="confirm"`) || !strings.Contains(body, `href="/admin/vouchers#shops"`) {
		t.Fatalf("early settle: %d\n%s", res.StatusCode, body)
	}
	offset.Store(int64(31 * time.Minute))
	// A post without the confirmation page's answer shows that page and
	// settles nothing.
	if res, _ := post(settlePath, url.Values{}); res.StatusCode != http.StatusSeeOther || res.Header.Get("Location") != settlePath {
		t.Fatalf("settle without confirmation: %d to %q", res.StatusCode, res.Header.Get("Location"))
	}
	admin := identity.Caller{AccountID: "a", Grants: []identity.Grant{{Role: identity.RoleAdmin}}}
	if sts, _ := svc.StatementPage(ctx, admin, "", vouchers.PageQuery{Limit: vouchers.MaxPage}); len(sts.Items) != 0 {
		t.Fatalf("an unconfirmed settle closed %+v", sts)
	}
	// The confirmation names the shop, the number of redemptions and the
	// amount the city will owe.
	res, body = pc.Get(settlePath)
	facts := regexp.MustCompile(`(?s)<dl class="staff-facts".*?</dl>`).FindString(body)
	if res.StatusCode != http.StatusOK || !strings.Contains(body, "Chiudere il periodo di «Forno Traiano»") || !strings.Contains(facts, "Via Traiano 3") ||
		!strings.Contains(facts, "<dd>1</dd>") || !strings.Contains(facts, "10,00") || !strings.Contains(body, `name="confirm" value="yes"`) {
		t.Fatalf("settle confirmation page: %d\n%s", res.StatusCode, body)
	}
	key := regexp.MustCompile(`name="key" value="([^"]+)"`).FindStringSubmatch(body)[1]
	periodEnd := regexp.MustCompile(`name="period_end" value="([^"]+)"`).FindStringSubmatch(body)[1]
	// A made-up end of the zero time is refused, not read as "up to now".
	if res, _ := post(settlePath, url.Values{"confirm": {"yes"}, "key": {key + "-zero"}, "period_end": {"0001-01-01T00:00:00Z"}}); res.StatusCode != http.StatusBadRequest {
		t.Fatalf("settle up to the zero time: %d", res.StatusCode)
	}
	if sts, _ := svc.StatementPage(ctx, admin, "", vouchers.PageQuery{Limit: vouchers.MaxPage}); len(sts.Items) != 0 {
		t.Fatalf("a settle up to the zero time closed %+v", sts)
	}
	// A redemption made while the page is open, and old enough to settle
	// by the time the button is pressed, is not on the statement the page
	// announced: it waits for the next one.
	v2, err := svc.Claim(ctx, identity.Caller{AccountID: "acc_bruno", Grants: []identity.Grant{{Role: identity.RoleCitizen}}}, camp.ID)
	if err != nil {
		t.Fatal(err)
	}
	if _, _, err := svc.Redeem(ctx, identity.Caller{AccountID: "acc_staff", Grants: []identity.Grant{{Role: identity.RoleMerchant, Scope: shop.ID}}},
		shop.ID, "k2", vouchers.RedeemRequest{Code: v2.TypedCode, PurchaseCents: 3000}); err != nil {
		t.Fatal(err)
	}
	offset.Store(int64(62 * time.Minute))
	for i := 0; i < 2; i++ { // a double press closes one period
		form := url.Values{"confirm": {"yes"}, "key": {key}, "period_end": {periodEnd}}
		if res, _ := post(settlePath, form); res.StatusCode != http.StatusSeeOther {
			t.Fatalf("settle %d: %d", i, res.StatusCode)
		}
	}
	if due, err := svc.DueSettlement(ctx, admin, shop.ID); err != nil || due.Count != 1 || due.TotalCents != 1000 {
		t.Fatalf("left for the next statement: %+v %v", due, err)
	}
	page, _ := svc.StatementPage(ctx, admin, "", vouchers.PageQuery{Limit: vouchers.MaxPage})
	sts := page.Items
	if len(sts) != 1 || sts[0].Count != 1 || sts[0].TotalCents != 1000 {
		t.Fatalf("statements %+v", sts)
	}
	if res, _ := post("/admin/vouchers/settlements/"+sts[0].ID+"/paid", url.Values{"payment_ref": {"SEPA 42"}}); res.StatusCode != http.StatusSeeOther {
		t.Fatalf("mark paid: %d", res.StatusCode)
	}
	_, body = pc.Get("/admin/vouchers")
	if !strings.Contains(body, "pagato (SEPA 42)") {
		t.Fatalf("statement not paid on the page:\n%s", body)
	}
	// The page's statement downloads: one a spreadsheet opens as a table
	// in an Italian Excel (byte order mark, semicolons, a decimal comma,
	// a local time), one for programs (comma, dot); neither has a totals
	// row that a SUM of the amounts would count twice.
	sheetPath := "/api/v1/admin/settlements/" + sts[0].ID + "?format=csv&dialect=excel"
	if !strings.Contains(body, `href="`+strings.ReplaceAll(sheetPath, "&", "&amp;")+`">foglio di calcolo</a>`) {
		t.Fatalf("no spreadsheet download of the statement on the page:\n%s", body)
	}
	line := sts[0].ID + ";" + shop.ID + ";Forno Traiano;IT60X0542811101000000123456;"
	if res, sheet := pc.Get(sheetPath); res.StatusCode != http.StatusOK || !strings.HasPrefix(sheet, "\ufeffbatch_id;shop_id;") ||
		!strings.Contains(sheet, ";time (Europe/Rome);amount_eur;") || strings.Count(sheet, "\n") != 2 || !strings.Contains(sheet, line) ||
		!regexp.MustCompile(`;\d{4}-\d\d-\d\d \d\d:\d\d:\d\d;10,00;`).MatchString(sheet) {
		t.Fatalf("the statement for a spreadsheet: %d\n%s", res.StatusCode, sheet)
	}
	if res, data := pc.Get("/api/v1/admin/settlements/" + sts[0].ID + "?format=csv"); res.StatusCode != http.StatusOK ||
		!strings.HasPrefix(data, "batch_id,shop_id,") || strings.Count(data, "\n") != 2 || strings.Contains(data, "TOTAL") || !strings.Contains(data, ",10.00,") {
		t.Fatalf("the statement's data CSV: %d\n%s", res.StatusCode, data)
	}
	for _, q := range []string{"?format=csv&dialect=xlsx", "?dialect=excel", "?format=csv&dialect=excel&dialect=excel"} {
		if res, body := pc.Get("/api/v1/admin/settlements/" + sts[0].ID + q); res.StatusCode != http.StatusBadRequest || !strings.Contains(body, "dialect") {
			t.Fatalf("%s: %d\n%s", q, res.StatusCode, body)
		}
	}
	// The same form again is the same payment; another reference is told
	// the statement was paid already.
	if res, _ := post("/admin/vouchers/settlements/"+sts[0].ID+"/paid", url.Values{"payment_ref": {"SEPA 42"}}); res.StatusCode != http.StatusSeeOther {
		t.Fatalf("mark paid again: %d", res.StatusCode)
	}
	if res, body := post("/admin/vouchers/settlements/"+sts[0].ID+"/paid", url.Values{"payment_ref": {"SEPA 43"}}); res.StatusCode != http.StatusConflict ||
		!strings.Contains(body, "Questo lotto è già stato pagato.") {
		t.Fatalf("mark paid with another reference: %d\n%s", res.StatusCode, body)
	}
	// Closing is final: a post without the confirmation page's answer
	// shows that page and changes nothing; confirmed, the campaign closes.
	closePath := "/admin/vouchers/campaigns/" + camp.ID + "/close"
	if res, _ := post(closePath, url.Values{}); res.StatusCode != http.StatusSeeOther || res.Header.Get("Location") != closePath {
		t.Fatalf("close without confirmation: %d to %q", res.StatusCode, res.Header.Get("Location"))
	}
	if got, _ := svc.Campaign(ctx, camp.ID); got.Status != vouchers.StatusOpen {
		t.Fatalf("an unconfirmed close changed the campaign: %s", got.Status)
	}
	if res, body := pc.Get(closePath); res.StatusCode != http.StatusOK || !strings.Contains(body, "Chiudere la campagna") || !strings.Contains(body, `name="confirm" value="yes"`) {
		t.Fatalf("close confirmation page: %d\n%s", res.StatusCode, body)
	}
	if res, _ := post(closePath, url.Values{"confirm": {"yes"}}); res.StatusCode != http.StatusSeeOther {
		t.Fatalf("confirmed close: %d", res.StatusCode)
	}
	if got, _ := svc.Campaign(ctx, camp.ID); got.Status != vouchers.StatusClosed {
		t.Fatalf("confirmed close left the campaign %s", got.Status)
	}
	// Only administrators reach the page.
	merchant, _ := env.account(t, identity.RoleMerchant, shop.ID)
	mc := webtest.SignedIn(t, srv.URL, merchant.Email, testPassword)
	if res, _ := mc.Get("/admin/vouchers"); res.StatusCode != http.StatusForbidden {
		t.Fatalf("merchant on the admin page: %d", res.StatusCode)
	}
}
