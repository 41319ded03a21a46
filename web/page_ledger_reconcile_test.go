package web

import (
	"context"
	"errors"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"
	"time"

	"cityhub/identity"
	"cityhub/store/sqlite"
	"cityhub/vouchers"
	"cityhub/wallet"
	"cityhub/web/webtest"
)

// The reports page shows, in the reader's language, a voucher account whose
// balance is not what the vouchers' records give, and the check fails on it
// although the ledger itself balances.
func TestReportsPageShowsVoucherDiscrepancies(t *testing.T) {
	t.Parallel()
	_, env := newTestServer(t, "sqlite", withWallet(true), func(env *testEnv, d *Deps) {
		d.Vouchers = vouchers.NewService(env.DB.Vouchers(), env.Keys, nil)
		d.Wallet.RegisterReconciler("vouchers", d.Vouchers)
	})
	admin, _ := env.account(t, identity.RoleAdmin)
	citizen, _ := env.account(t, identity.RoleCitizen)
	ctx := context.Background()
	asAdmin := identity.Caller{AccountID: admin.ID, Grants: []identity.Grant{{Role: identity.RoleAdmin}}}
	camp, err := env.Deps.Vouchers.CreateCampaign(ctx, asAdmin, vouchers.Campaign{Name: "Natale", BudgetCents: 5000, FaceValueCents: 1000,
		PerCitizenLimit: 1, ValidFrom: time.Now().Add(-time.Hour), ValidUntil: time.Now().Add(24 * time.Hour)})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := env.Deps.Vouchers.SetCampaignStatus(ctx, asAdmin, camp.ID, vouchers.StatusOpen); err != nil {
		t.Fatal(err)
	}
	v, err := env.Deps.Vouchers.Claim(ctx, identity.Caller{AccountID: citizen.ID, Grants: []identity.Grant{{Role: identity.RoleCitizen}}}, camp.ID)
	if err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewServer(env.Server)
	defer srv.Close()
	pc := webtest.SignedIn(t, srv.URL, admin.Email, testPassword)
	if res, body := recheck(pc); res.StatusCode != http.StatusOK || !strings.Contains(body, `data-testid="ledger-verdict" data-ok="true"`) ||
		strings.Contains(body, `data-testid="ledger-discrepancies"`) {
		t.Fatalf("before: %d\n%s", res.StatusCode, body)
	}
	// A second voucher with no reservation behind it.
	if _, err := env.DB.(*sqlite.DB).Writer().ExecContext(ctx, `INSERT INTO vouchers (id, campaign_id, account_id, value_cents, remaining_cents, status, code, code_hash, claimed_at, expires_at)
		SELECT 'vch_forged', campaign_id, account_id, value_cents, value_cents, 'active', code || 'x', code_hash || 'x', claimed_at, expires_at FROM vouchers WHERE id = ?`, v.ID); err != nil {
		t.Fatal(err)
	}
	// A link runs no check: the page shows the last one, taken before the
	// forgery.
	if res, body := pc.Get("/admin/reports?recheck=1"); res.StatusCode != http.StatusOK || !strings.Contains(body, `data-testid="ledger-verdict" data-ok="true"`) {
		t.Fatalf("a GET ran a check: %d\n%s", res.StatusCode, body)
	}
	res, body := recheck(pc)
	if res.StatusCode != http.StatusOK || !strings.Contains(body, `data-testid="ledger-verdict" data-ok="false"`) ||
		!strings.Contains(body, `data-testid="ledger-discrepancies"`) || !strings.Contains(body, `<a href="/admin/ledger/accounts/campaign:`+camp.ID+`:held">`) ||
		!strings.Contains(body, "I buoni richiesti meno gli utilizzi non stornati") || !strings.Contains(body, "Il budget meno i buoni richiesti") {
		t.Fatalf("after a forged voucher: %d\n%s", res.StatusCode, body)
	}
	// A reconciliation that cannot run is named, the others still shown.
	env.Deps.Wallet.RegisterReconciler("broken", brokenReconciler{})
	res, body = recheck(pc)
	if res.StatusCode != http.StatusOK || !strings.Contains(body, `data-testid="ledger-unreconciled"`) || !strings.Contains(body, "<code>broken</code>") ||
		!strings.Contains(body, `data-testid="ledger-discrepancies"`) {
		t.Fatalf("with a reconciliation that cannot run: %d\n%s", res.StatusCode, body)
	}
}

type brokenReconciler struct{}

func (brokenReconciler) Reconcile(context.Context) ([]wallet.Discrepancy, error) {
	return nil, errors.New("statement timeout")
}

// The reports page's uptake chart starts on the newest campaign, the one
// the city is running, not the oldest.
func TestReportsPageStartsOnTheNewestCampaign(t *testing.T) {
	t.Parallel()
	_, env := newTestServer(t, "sqlite", withWallet(true), func(env *testEnv, d *Deps) {
		d.Vouchers = vouchers.NewService(env.DB.Vouchers(), env.Keys, nil)
	})
	admin, _ := env.account(t, identity.RoleAdmin)
	ctx := context.Background()
	asAdmin := identity.Caller{AccountID: admin.ID, Grants: []identity.Grant{{Role: identity.RoleAdmin}}}
	srv := httptest.NewServer(env.Server)
	defer srv.Close()
	pc := webtest.SignedIn(t, srv.URL, admin.Email, testPassword)
	// Before any campaign, one named is not there either.
	if res, body := pc.Get("/admin/reports?campaign=cmp_nope"); res.StatusCode != http.StatusNotFound {
		t.Fatalf("reports of a campaign before any: %d\n%s", res.StatusCode, body)
	}
	var newest string
	for _, name := range []string{"Estate 2025", "Natale 2025", "Primavera 2026"} {
		camp, err := env.Deps.Vouchers.CreateCampaign(ctx, asAdmin, vouchers.Campaign{Name: name, BudgetCents: 5000, FaceValueCents: 1000,
			PerCitizenLimit: 1, ValidFrom: time.Now().Add(-time.Hour), ValidUntil: time.Now().Add(24 * time.Hour)})
		if err == nil {
			// Opened: a draft is not offered (TestReportsOpenOnTheNewestCampaignNotADraft).
			_, err = env.Deps.Vouchers.SetCampaignStatus(ctx, asAdmin, camp.ID, vouchers.StatusOpen)
		}
		if err != nil {
			t.Fatal(err)
		}
		newest = camp.ID
	}
	res, body := pc.Get("/admin/reports")
	if res.StatusCode != http.StatusOK || !strings.Contains(body, `<option value="`+newest+`" selected>Primavera 2026</option>`) {
		t.Fatalf("the reports page does not start on the newest campaign: %d\n%s", res.StatusCode, body)
	}
	// A campaign that is not there is a page not found, not the newest.
	if res, body := pc.Get("/admin/reports?campaign=cmp_nope"); res.StatusCode != http.StatusNotFound || !strings.Contains(body, "Questa campagna non esiste.") {
		t.Fatalf("reports of an unknown campaign: %d\n%s", res.StatusCode, body)
	}
}

// recheck asks for a new ledger check with the reports page's form, and
// returns the page it lands on.
func recheck(pc *webtest.PageClient) (*http.Response, string) {
	pc.T.Helper()
	res, body := pc.Post("/admin/reports/recheck", url.Values{"csrf_token": {pc.CSRF("/admin/reports")}})
	if res.StatusCode != http.StatusSeeOther || res.Header.Get("Location") != "/admin/reports#ledger" {
		pc.T.Fatalf("recheck: %d to %q\n%s", res.StatusCode, res.Header.Get("Location"), body)
	}
	return pc.Get("/admin/reports")
}

// The reports page names credit nobody can spend: on an erased account's
// closed credit (here put there behind the ledger's back, as a bug
// would), with when it was closed.
func TestReportsPageShowsCreditOnClosedAccounts(t *testing.T) {
	t.Parallel()
	_, env := newTestServer(t, "sqlite", withWallet(true))
	admin, _ := env.account(t, identity.RoleAdmin)
	citizen, bearer := env.account(t, identity.RoleCitizen)
	if res := walletSend(t, env, "POST", "/api/v1/wallet/topups", bearer, `{"amount_cents":1500}`, map[string]string{"Idempotency-Key": "before"}); res.Code != http.StatusCreated {
		t.Fatalf("top-up: %d %s", res.Code, res.Body.String())
	}
	srv := httptest.NewServer(env.Server)
	defer srv.Close()
	pc := webtest.SignedIn(t, srv.URL, admin.Email, testPassword)
	if res, body := recheck(pc); res.StatusCode != http.StatusOK || strings.Contains(body, `data-testid="ledger-closed-credit"`) {
		t.Fatalf("before: %d\n%s", res.StatusCode, body)
	}
	closed := time.Date(2026, 3, 1, 9, 30, 0, 0, time.UTC)
	if _, err := env.DB.(*sqlite.DB).Writer().ExecContext(context.Background(), `UPDATE ledger_accounts SET closed_at = ? WHERE id = ?`,
		closed.UnixMicro(), string(wallet.CitizenAccount(citizen.ID))); err != nil {
		t.Fatal(err)
	}
	res, body := recheck(pc)
	if res.StatusCode != http.StatusOK || !strings.Contains(body, `data-testid="ledger-verdict" data-ok="false"`) ||
		!strings.Contains(body, `data-testid="ledger-closed-credit"`) || !strings.Contains(body, "<code>citizen:"+citizen.ID+"</code>") ||
		!strings.Contains(body, "15,00") || !strings.Contains(body, "1º marzo 2026, 10:30") {
		t.Fatalf("after: %d\n%s", res.StatusCode, body)
	}
}
