package web

import (
	"context"
	"fmt"
	"html"
	"net/http"
	"net/http/httptest"
	"regexp"
	"strings"
	"testing"

	"cityhub/identity"
	"cityhub/vouchers"
	"cityhub/wallet"
	"cityhub/web/webtest"
)

// The city administrator reads one ledger account on its own page: what
// it is, its balance, and its entries newest first with their
// transactions, a page at a time; the reports page finds it by its id and
// links the city's own accounts. A citizen may not read it; an unknown
// account is 404 and a cursor that is not one a page's own error.
func TestLedgerAccountPage(t *testing.T) {
	t.Parallel()
	_, env := newTestServer(t, "sqlite", withWallet(true), func(env *testEnv, d *Deps) {
		d.Vouchers = vouchers.NewService(env.DB.Vouchers(), env.Keys, nil)
	})
	admin, _ := env.account(t, identity.RoleAdmin)
	citizen, _ := env.account(t, identity.RoleCitizen)
	camp := christmasCampaign(t, env.Deps.Vouchers, 1000, 1, true, func(c *vouchers.Campaign) { c.BudgetCents = 5000 })
	if _, err := env.Deps.Vouchers.Claim(context.Background(), identity.Caller{AccountID: citizen.ID, Grants: []identity.Grant{{Role: identity.RoleCitizen}}}, camp.ID); err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewServer(env.Server)
	defer srv.Close()
	ac := webtest.SignedIn(t, srv.URL, admin.Email, testPassword)
	budget := wallet.CampaignBudgetAccount(camp.ID)
	path := "/admin/ledger/accounts/" + string(budget)

	// The budget: funded by the city, then 10.00 reserved by the claim.
	res, body := ac.Get(path)
	text := readableText(body)
	if res.StatusCode != http.StatusOK || !strings.Contains(text, "Budget di una campagna ancora da distribuire") || !strings.Contains(text, "40,00") {
		t.Fatalf("budget page: %d\n%s", res.StatusCode, text)
	}
	rows := regexp.MustCompile(`<tr data-entry="(\d+)">`).FindAllStringSubmatch(body, -1)
	if len(rows) != 2 || !strings.Contains(body, "−10,00") || !strings.Contains(body, "50,00") ||
		!strings.Contains(body, "Buono richiesto <span class=\"text-muted\">(<code>voucher.claim</code>)") || !strings.Contains(text, "Budget di una campagna finanziato") {
		t.Fatalf("budget entries: %d rows, want the funding and the claim\n%s", len(rows), text)
	}
	if strings.Contains(body, `data-testid="history-first-page"`) || strings.Contains(body, `data-testid="history-older"`) {
		t.Fatal("one page of entries offers others")
	}
	// Older than the newest entry: the funding alone, and the way back.
	res, body = ac.Get(path + "?before=" + rows[0][1])
	if got := regexp.MustCompile(`<tr data-entry="(\d+)">`).FindAllStringSubmatch(body, -1); res.StatusCode != http.StatusOK || len(got) != 1 || got[0][1] != rows[1][1] ||
		!strings.Contains(body, `data-testid="history-first-page"`) {
		t.Fatalf("the older page: %d, rows %v, want %s alone with a link to the first", res.StatusCode, got, rows[1][1])
	}
	if res, body := ac.Get(path + "?before=abc"); res.StatusCode != http.StatusBadRequest || !strings.Contains(body, `href="`+path+`"`) {
		t.Fatalf("a cursor that is not one: %d\n%s", res.StatusCode, readableText(body))
	}
	if res, _ := ac.Get("/admin/ledger/accounts/campaign:nope:budget"); res.StatusCode != http.StatusNotFound {
		t.Fatalf("an unknown account: %d", res.StatusCode)
	}

	// In English, the account's kind in English words.
	chooseLanguage(t, ac, "en", "/admin/reports")
	if _, body := ac.Get(path); !strings.Contains(readableText(body), "A campaign's budget still to hand out") {
		t.Fatalf("English page:\n%s", readableText(body))
	}

	// Found from the reports page by its id (spaces around it taken off),
	// the city's accounts linked there.
	_, body = ac.Get("/admin/reports")
	if !strings.Contains(body, `data-testid="ledger-account-find"`) || !strings.Contains(body, `href="/admin/ledger/accounts/city:funding"`) {
		t.Fatalf("the reports page does not offer the accounts:\n%s", readableText(body))
	}
	if res, _ := ac.Get("/admin/ledger/accounts?id=+" + string(budget) + "+"); res.StatusCode != http.StatusSeeOther || res.Header.Get("Location") != path {
		t.Fatalf("find: %d to %q, want %s", res.StatusCode, res.Header.Get("Location"), path)
	}
	if res, _ := ac.Get("/admin/ledger/accounts/city:funding"); res.StatusCode != http.StatusOK {
		t.Fatalf("the city's funding: %d", res.StatusCode)
	}

	// A page holds 100 entries, newest first; the next leads on to the
	// rest: 101 top-ups of the citizen's credit make two pages.
	for i := range 101 {
		if _, err := env.Deps.Wallet.TestTopUp(context.Background(), citizen.ID, 100, fmt.Sprintf("page-topup-%d", i)); err != nil {
			t.Fatal(err)
		}
	}
	credit := "/admin/ledger/accounts/" + string(wallet.CitizenAccount(citizen.ID))
	_, body = ac.Get(credit)
	entries := regexp.MustCompile(`<tr data-entry="(\d+)">`)
	older := regexp.MustCompile(`<a href="([^"]+)" rel="next" data-testid="history-older">`).FindStringSubmatch(body)
	if got := entries.FindAllStringSubmatch(body, -1); len(got) != 100 || older == nil {
		t.Fatalf("the credit's first page: %d entries, older link %v; want 100 and a link on", len(got), older)
	}
	_, body = ac.Get(html.UnescapeString(older[1]))
	if got := entries.FindAllStringSubmatch(body, -1); len(got) != 1 || strings.Contains(body, `data-testid="history-older"`) || !strings.Contains(body, `data-testid="history-first-page"`) {
		t.Fatalf("the credit's second page: %d entries; want the oldest alone, a way back and none on", len(got))
	}

	// Not a citizen's to read.
	pc := webtest.SignedIn(t, srv.URL, citizen.Email, testPassword)
	if res, _ := pc.Get("/admin/ledger/accounts/" + string(wallet.CitizenAccount(citizen.ID))); res.StatusCode != http.StatusForbidden {
		t.Fatalf("a citizen: %d", res.StatusCode)
	}
}
