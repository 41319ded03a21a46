package web

import (
	"context"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"
	"time"

	"cityhub/identity"
	"cityhub/vouchers"
	"cityhub/web/webtest"
)

// A reversal sent after its window is headed by what happened, the time
// to reverse it has passed, and links back to the shop's page. Before, it
// was "Richiesta non valida" with a link to the home page only.
func TestLateReversalSaysTheWindowPassed(t *testing.T) {
	t.Parallel()
	env, offset := voucherClockServer(t, "sqlite")
	ctx := context.Background()
	svc := env.Deps.Vouchers
	shop := fornoTraiano(t, svc)
	camp := christmasCampaign(t, svc, 1000, 1, true)
	v, err := svc.Claim(ctx, identity.Caller{AccountID: "acc_anna", Grants: []identity.Grant{{Role: identity.RoleCitizen}}}, camp.ID)
	if err != nil {
		t.Fatal(err)
	}
	red, _, err := svc.Redeem(ctx, identity.Caller{AccountID: "acc_staff", Grants: []identity.Grant{{Role: identity.RoleMerchant, Scope: shop.ID}}},
		shop.ID, "k1", vouchers.RedeemRequest{Code: v.TypedCode, PurchaseCents: 2000})
	if err != nil {
		t.Fatal(err)
	}
	staff, _ := env.account(t, identity.RoleMerchant, shop.ID)
	srv := httptest.NewServer(env.Server)
	defer srv.Close()
	pc := webtest.SignedIn(t, srv.URL, staff.Email, testPassword)
	tok := pc.CSRF("/staff/vouchers")
	offset.Store(int64(31 * time.Minute))
	for _, tc := range []struct{ lang, heading string }{{"it", "<h1>Tempo per annullare scaduto</h1>"}, {"en", "<h1>Too late to reverse</h1>"}} {
		if tc.lang == "en" {
			english(pc)
		}
		res, body := pc.Post("/staff/vouchers/redemptions/"+red.ID+"/reverse", url.Values{"csrf_token": {tok}, "confirm": {"yes"}})
		if res.StatusCode != http.StatusConflict || !strings.Contains(body, tc.heading) || !strings.Contains(body, `href="/staff/vouchers" data-testid="back-link"`) {
			t.Errorf("%s: a late reversal: %d, want 409 under %q linking to /staff/vouchers\n%s", tc.lang, res.StatusCode, tc.heading, body)
		}
	}
}
