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

// A claim of a campaign paused while its page was open comes back on the
// vouchers page, with why at the top and the campaigns still open to claim
// from, where it ended on an error page without the list.
func TestVoucherClaimOfPausedCampaignShowsThePageAgain(t *testing.T) {
	t.Parallel()
	env, svc := voucherPagesServer(t)
	ctx := context.Background()
	paused, other := voucherCampaign(t, svc, "Natale in contrada", true), voucherCampaign(t, svc, "Libri di primavera", true)
	anna, _ := env.account(t, identity.RoleCitizen)
	srv := httptest.NewServer(env.Server)
	defer srv.Close()
	pc := webtest.SignedIn(t, srv.URL, anna.Email, testPassword)
	_, body := pc.Get("/vouchers")
	tok := webtest.CSRFInForm.FindStringSubmatch(body)[1]
	reqID := claimRequestID(t, body, paused.ID)
	if _, err := svc.SetCampaignStatus(ctx, voucherAdmin, paused.ID, vouchers.StatusPaused); err != nil {
		t.Fatal(err)
	}
	res, body := pc.Post("/vouchers/claim", url.Values{"csrf_token": {tok}, "campaign_id": {paused.ID}, "request_id": {reqID}})
	if res.StatusCode != http.StatusConflict {
		t.Fatalf("claim of a paused campaign: %d\n%s", res.StatusCode, body)
	}
	if !strings.Contains(body, `data-testid="form-error">Questa campagna non è aperta alle richieste.`) {
		t.Errorf("no reason at the top:\n%s", body)
	}
	if !strings.Contains(body, `data-campaign="`+other.ID+`"`) || strings.Contains(body, `data-campaign="`+paused.ID+`"`) {
		t.Errorf("the page does not list the campaigns still open:\n%s", body)
	}
	if mine, err := svc.MyVouchers(ctx, identity.Caller{AccountID: anna.ID}); err != nil || len(mine) != 0 {
		t.Fatalf("vouchers after the refused claim: %v %v", mine, err)
	}
	// The other campaign's form on that page claims.
	res, _ = pc.Post("/vouchers/claim", url.Values{"csrf_token": {tok}, "campaign_id": {other.ID}, "request_id": {claimRequestID(t, body, other.ID)}})
	if res.StatusCode != http.StatusSeeOther {
		t.Fatalf("claim from the page shown again: %d", res.StatusCode)
	}
}

// voucherAdmin is the city's administrator as the voucher tests' setups
// act: the service's caller, no account of its own.
var voucherAdmin = identity.Caller{AccountID: "acc_admin", Grants: []identity.Grant{{Role: identity.RoleAdmin}}}

// voucherPagesServer is a hub on SQLite with the voucher service on.
func voucherPagesServer(t *testing.T) (*testEnv, *vouchers.Service) {
	t.Helper()
	_, env := newTestServer(t, "sqlite", func(env *testEnv, d *Deps) {
		d.Vouchers = vouchers.NewService(env.DB.Vouchers(), env.Keys, nil)
	})
	return env, env.Deps.Vouchers
}

// voucherCampaign makes a campaign named name, valid for the hour around
// now, ten vouchers of 10,00 €, one per citizen; open if open.
func voucherCampaign(t *testing.T, svc *vouchers.Service, name string, open bool) vouchers.Campaign {
	t.Helper()
	ctx := context.Background()
	camp, err := svc.CreateCampaign(ctx, voucherAdmin, vouchers.Campaign{Name: name, BudgetCents: 10000, FaceValueCents: 1000,
		PerCitizenLimit: 1, ValidFrom: time.Now().Add(-time.Hour), ValidUntil: time.Now().Add(time.Hour)})
	if err != nil {
		t.Fatal(err)
	}
	if open {
		if _, err := svc.SetCampaignStatus(ctx, voucherAdmin, camp.ID, vouchers.StatusOpen); err != nil {
			t.Fatal(err)
		}
	}
	return camp
}
