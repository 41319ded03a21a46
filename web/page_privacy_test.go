package web

import (
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"

	"cityhub/identity"
	"cityhub/store/storetest"
	"cityhub/wallet"
	"cityhub/web/webtest"
)

// The privacy page refuses to erase an account during a bike ride (409,
// saying why, in the person's language), changes nothing, and erases once
// the bike is docked.
func TestPrivacyPageWaitsForTheRide(t *testing.T) {
	t.Parallel()
	for _, engine := range storetest.Engines {
		t.Run(engine, func(t *testing.T) {
			_, env := newTestServer(t, engine, withWallet(false), withCardPayments)
			srv := httptest.NewServer(env.Server)
			defer srv.Close()
			anna, _ := env.account(t, identity.RoleCitizen)
			cardTopUp(t, env, anna.ID, 1500, "pi_privacy_"+anna.ID)
			riding(t, env, anna.ID, "ride_privacy")
			pc := webtest.SignedIn(t, srv.URL, anna.Email, testPassword)
			form := url.Values{"confirm_email": {anna.Email}, "credit": {"cards"}, "csrf_token": {pc.CSRF("/privacy")}}
			res, body := pc.Post("/privacy/delete", form)
			if res.StatusCode != http.StatusConflict || !strings.Contains(body, "Hai una corsa in bici ancora aperta") {
				t.Fatalf("erase during a ride: %d\n%s", res.StatusCode, body)
			}
			if a, err := env.Deps.Wallet.Account(t.Context(), wallet.CitizenAccount(anna.ID)); err != nil || a.Balance != 1500 {
				t.Fatalf("credit after the refusal: %+v, %v", a, err)
			}
			if res, _ := pc.Get("/privacy"); res.StatusCode != http.StatusOK {
				t.Fatalf("still signed in after the refusal: %d", res.StatusCode)
			}
			storetest.Behind(t, env.DB, `UPDATE mobility_rides SET status = 'ended', ended_at = started_at WHERE id = 'ride_privacy'`)
			form.Set("csrf_token", pc.CSRF("/privacy"))
			if res, body := pc.Post("/privacy/delete", form); res.StatusCode != http.StatusOK || !strings.Contains(body, "cancellato") {
				t.Fatalf("erase once the bike is docked: %d\n%s", res.StatusCode, body)
			}
			if chk := ledgerCheck(t, env); !chk.OK() {
				t.Fatalf("ledger %+v", chk)
			}
		})
	}
}

// The city's last administrator cannot erase their own account, through
// the API or the privacy page (409 last_admin, saying why, in the person's
// language), and can once another account holds the role.
func TestLastAdministratorCannotEraseTheirAccount(t *testing.T) {
	t.Parallel()
	for _, engine := range storetest.Engines {
		t.Run(engine, func(t *testing.T) {
			_, env := newTestServer(t, engine, withWallet(false), withCardPayments)
			srv := httptest.NewServer(env.Server)
			defer srv.Close()
			admin, bearer := env.account(t, identity.RoleAdmin)
			if p := wantProblem(t, env.do(t, "DELETE", "/api/v1/me", bearer, ""), http.StatusConflict); p.Reason != "last_admin" {
				t.Fatalf("the last administrator erasing their account: reason %q", p.Reason)
			}
			pc := webtest.SignedIn(t, srv.URL, admin.Email, testPassword)
			form := url.Values{"confirm_email": {admin.Email}, "csrf_token": {pc.CSRF("/privacy")}}
			res, body := pc.Post("/privacy/delete", form)
			if res.StatusCode != http.StatusConflict || !strings.Contains(body, "almeno un amministratore") {
				t.Fatalf("the last administrator on the privacy page: %d\n%s", res.StatusCode, body)
			}
			if res := env.do(t, "GET", "/api/v1/me", bearer, ""); res.Code != http.StatusOK {
				t.Fatalf("after the refusals: GET /me %d", res.Code)
			}
			env.account(t, identity.RoleAdmin)
			if res := env.do(t, "DELETE", "/api/v1/me", bearer, ""); res.Code != http.StatusNoContent {
				t.Fatalf("erase one of two administrators: %d %s", res.Code, res.Body.String())
			}
		})
	}
}
