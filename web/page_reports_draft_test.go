package web

import (
	"context"
	"net/http"
	"net/http/httptest"
	"regexp"
	"strings"
	"testing"
	"time"

	"cityhub/identity"
	"cityhub/vouchers"
	"cityhub/web/webtest"
)

// /admin/reports opens on the newest campaign that is not a draft, whose
// redemptions it charts, and does not offer drafts, which nobody can
// redeem. Before, a draft newer than the running campaign was shown, with
// "Nessun dato nel periodo".
func TestReportsOpenOnTheNewestCampaignNotADraft(t *testing.T) {
	t.Parallel()
	_, env := newTestServer(t, "sqlite", func(env *testEnv, d *Deps) {
		d.Vouchers = vouchers.NewService(env.DB.Vouchers(), env.Keys, nil)
	})
	ctx := context.Background()
	svc := env.Deps.Vouchers
	shop := fornoTraiano(t, svc)
	campaign := func(name string) vouchers.Campaign {
		t.Helper()
		return christmasCampaign(t, svc, 1000, 1, false, func(c *vouchers.Campaign) { c.Name = name })
	}
	open := christmasCampaign(t, svc, 1000, 1, true)
	v, err := svc.Claim(ctx, identity.Caller{AccountID: "acc_anna", Grants: []identity.Grant{{Role: identity.RoleCitizen}}}, open.ID)
	if err != nil {
		t.Fatal(err)
	}
	if _, _, err := svc.Redeem(ctx, identity.Caller{AccountID: "acc_staff", Grants: []identity.Grant{{Role: identity.RoleMerchant, Scope: shop.ID}}},
		shop.ID, "k1", vouchers.RedeemRequest{Code: v.TypedCode, PurchaseCents: 2000}); err != nil {
		t.Fatal(err)
	}
	time.Sleep(10 * time.Millisecond) // the draft is the newer
	draft := campaign("Pasqua")

	admin, _ := env.account(t, identity.RoleAdmin)
	srv := httptest.NewServer(env.Server)
	defer srv.Close()
	pc := webtest.SignedIn(t, srv.URL, admin.Email, testPassword)
	res, body := pc.Get("/admin/reports")
	selected := regexp.MustCompile(`<option value="([^"]+)" selected>`).FindStringSubmatch(body)
	if res.StatusCode != http.StatusOK || selected == nil || selected[1] != open.ID || strings.Contains(body, `data-testid="uptake-nothing"`) ||
		strings.Contains(body, `value="`+draft.ID+`"`) {
		t.Fatalf("/admin/reports: %d, selected %v; want %s, its chart and no draft offered\n%s", res.StatusCode, selected, open.ID, body)
	}
}
