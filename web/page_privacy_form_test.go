package web

import (
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"

	"cityhub/identity"
	"cityhub/wallet"
	"cityhub/web/webtest"
)

// A deletion form refused for its credit choice (none, one the page does
// not offer, or two: a post that names two choices is none, whichever
// comes first) comes back with the refusal and with the address the
// person typed to confirm, so they need not type it again; a mistyped
// address comes back as typed too. Nothing is erased. Two choices, even
// alike, are refused in words of their own, asking for one, where they
// got the words of a credit that cannot go where it was sent (the cards),
// though the city was chosen.
func TestPrivacyDeleteKeepsTheTypedEmail(t *testing.T) {
	t.Parallel()
	_, env := newTestServer(t, "sqlite", withWallet(false), withCardPayments)
	srv := httptest.NewServer(env.Server)
	defer srv.Close()
	anna, _ := env.account(t, identity.RoleCitizen)
	cardTopUp(t, env, anna.ID, 1500, "pi_privacy_form_"+anna.ID)
	pc := webtest.SignedIn(t, srv.URL, anna.Email, testPassword)
	const twice = "Hai scelto più di una destinazione per il credito: scegline una sola."
	for _, credit := range [][]string{{""}, {"elsewhere"}, {"cards", "city"}, {"city", "cards"}, {"city", "city"}} {
		form := url.Values{"confirm_email": {anna.Email}, "credit": credit, "csrf_token": {pc.CSRF("/privacy")}}
		res, body := pc.Post("/privacy/delete", form)
		want := "scegli se restituirlo alle tue carte"
		if len(credit) > 1 {
			want = twice
		}
		if res.StatusCode != http.StatusBadRequest || !strings.Contains(body, want) || (len(credit) > 1 && strings.Contains(body, "scegli se restituirlo")) {
			t.Fatalf("credit %q: %d, want %q\n%s", credit, res.StatusCode, want, body)
		}
		if !strings.Contains(body, `name="confirm_email"`) || !strings.Contains(body, `value="`+anna.Email+`"`) {
			t.Fatalf("credit %q: the typed address %s is not kept\n%s", credit, anna.Email, body)
		}
	}
	form := url.Values{"confirm_email": {"anna@typo.example"}, "credit": {"cards"}, "csrf_token": {pc.CSRF("/privacy")}}
	if res, body := pc.Post("/privacy/delete", form); res.StatusCode != http.StatusBadRequest || !strings.Contains(body, `value="anna@typo.example"`) {
		t.Fatalf("mistyped address: %d, not kept\n%s", res.StatusCode, body)
	}
	if a, err := env.Deps.Wallet.Account(t.Context(), wallet.CitizenAccount(anna.ID)); err != nil || a.Balance != 1500 {
		t.Fatalf("credit after the refusals: %+v, %v", a, err)
	}
	// Without credit to give back to a card, the city chosen twice was
	// told that the credit can only go to the city.
	bruno, _ := env.account(t, identity.RoleCitizen)
	pb := webtest.SignedIn(t, srv.URL, bruno.Email, testPassword)
	for _, lang := range []string{"it", "en"} {
		if lang == "en" {
			english(pb)
		}
		want := map[string]string{"it": twice, "en": "More than one place was chosen for your credit: choose one."}[lang]
		form := url.Values{"confirm_email": {bruno.Email}, "credit": {"city", "city"}, "csrf_token": {pb.CSRF("/privacy")}}
		res, body := pb.Post("/privacy/delete", form)
		if res.StatusCode != http.StatusBadRequest || !strings.Contains(body, want) {
			t.Fatalf("%s: the city chosen twice: %d, want %q\n%s", lang, res.StatusCode, want, body)
		}
	}
	if res, _ := pb.Get("/privacy"); res.StatusCode != http.StatusOK {
		t.Fatalf("the account chosen the city twice for is gone: %d", res.StatusCode)
	}
}
