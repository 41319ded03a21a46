package web

import (
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"

	"cityhub/identity"
	"cityhub/web/webtest"
)

// The deletion form sent again by the browser that deleted its account
// with it (a second press, or the form sent again from the browser's
// history) gets the goodbye page again, not the refusal of a form that
// expired: its token was the session's that the deletion ended. Nothing
// else gets through with it: the same form from another browser, or from
// this one signed in again to another account, is refused as before, and
// that account stays.
func TestPrivacyDeleteSentAgainSaysGoodbye(t *testing.T) {
	t.Parallel()
	_, env := newTestServer(t, "sqlite", withWallet(false), withCardPayments)
	srv := httptest.NewServer(env.Server)
	defer srv.Close()
	anna, _ := env.account(t, identity.RoleCitizen)
	pc := webtest.SignedIn(t, srv.URL, anna.Email, testPassword)
	form := url.Values{"confirm_email": {anna.Email}, "csrf_token": {pc.CSRF("/privacy")}}
	const goodbye = "Il tuo account è stato cancellato"
	if res, body := pc.Post("/privacy/delete", form); res.StatusCode != http.StatusOK || !strings.Contains(body, goodbye) {
		t.Fatalf("delete: %d\n%s", res.StatusCode, body)
	}
	for range 2 {
		res, body := pc.Post("/privacy/delete", form)
		if res.StatusCode != http.StatusOK || !strings.Contains(body, goodbye) || strings.Contains(body, `class="logout"`) {
			t.Fatalf("the form sent again: %d, want the goodbye page, signed out\n%s", res.StatusCode, body)
		}
	}
	if a, err := env.Identity.Account(t.Context(), anna.ID); err != nil || a.DeletedAt.IsZero() {
		t.Fatalf("anna after the form sent again: %+v, %v", a, err)
	}

	other := webtest.NewPageClient(t, srv.URL)
	other.Get("/privacy")
	if res, body := other.Post("/privacy/delete", form); res.StatusCode != http.StatusForbidden || strings.Contains(body, goodbye) {
		t.Fatalf("the form from another browser: %d, want 403\n%s", res.StatusCode, body)
	}

	bruno, _ := env.account(t, identity.RoleCitizen)
	if res := pc.Login(bruno.Email, testPassword); res.StatusCode != http.StatusSeeOther {
		t.Fatalf("bruno signs in: %d", res.StatusCode)
	}
	stale := url.Values{"confirm_email": {bruno.Email}, "csrf_token": form["csrf_token"]}
	if res, body := pc.Post("/privacy/delete", stale); res.StatusCode != http.StatusForbidden || strings.Contains(body, goodbye) {
		t.Fatalf("the stale form, signed in again as bruno: %d, want 403\n%s", res.StatusCode, body)
	}
	if b, err := env.Identity.Account(t.Context(), bruno.ID); err != nil || !b.DeletedAt.IsZero() {
		t.Fatalf("bruno after a stale form: %+v, %v", b, err)
	}
}
