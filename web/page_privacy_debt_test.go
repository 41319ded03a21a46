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

// The privacy page of a citizen in debt (a ride that overran the credit)
// says what erasure does with the debt, in both languages, and offers no
// choice of where credit goes, there being none; the erasure then goes
// through without one and leaves the debt on the erased account, as the
// page said.
func TestPrivacyPageSaysWhatErasureDoesWithADebt(t *testing.T) {
	t.Parallel()
	for _, engine := range storetest.Engines {
		t.Run(engine, func(t *testing.T) {
			_, env := newTestServer(t, engine, withWallet(false), withCardPayments)
			srv := httptest.NewServer(env.Server)
			defer srv.Close()
			anna, _ := env.account(t, identity.RoleCitizen)
			citizen := wallet.CitizenAccount(anna.ID)
			rule := wallet.RideOverrun
			if _, err := env.Deps.Wallet.Post(t.Context(), wallet.Transaction{Key: "overrun-" + anna.ID, Kind: "test.ride_overrun",
				Overdraft: &rule, OverdraftAccount: citizen,
				Entries: []wallet.Entry{{Account: citizen, Amount: -30}, {Account: wallet.RevenueBikeshare, Amount: 30}}}); err != nil {
				t.Fatal(err)
			}
			pc := webtest.SignedIn(t, srv.URL, anna.Email, testPassword)
			_, body := pc.Get("/privacy")
			for _, want := range []string{`data-testid="erasure-debt"`, "Hai un debito di 0,30\u00a0€", "resta sull&#39;account cancellato"} {
				if !strings.Contains(body, want) {
					t.Errorf("the Italian page does not say %q", want)
				}
			}
			for _, not := range []string{"Il credito residuo non va perso", `name="credit"`, `data-testid="erasure-credit"`} {
				if strings.Contains(body, not) {
					t.Errorf("the page of a debt says %q", not)
				}
			}
			if t.Failed() {
				t.Fatal(body)
			}
			res, _ := pc.Post("/language", url.Values{"csrf_token": {pc.CSRF("/privacy")}, "lang": {"en"}, "next": {"/privacy"}})
			if res.StatusCode != http.StatusSeeOther {
				t.Fatalf("language switch: %d", res.StatusCode)
			}
			_, body = pc.Get("/privacy")
			if !strings.Contains(body, "You owe €0.30") || !strings.Contains(body, "stays on the erased account") ||
				strings.Contains(body, "Your remaining credit is not lost") || strings.Contains(body, `name="credit"`) {
				t.Fatalf("the English page of a debt:\n%s", body)
			}

			form := url.Values{"confirm_email": {anna.Email}, "csrf_token": {pc.CSRF("/privacy")}}
			if res, body := pc.Post("/privacy/delete", form); res.StatusCode != http.StatusOK {
				t.Fatalf("erase with a debt: %d\n%s", res.StatusCode, body)
			}
			if a, err := env.Deps.Wallet.Account(t.Context(), citizen); err != nil || a.Balance != -30 {
				t.Fatalf("the debt after the erasure: %+v, %v", a, err)
			}
		})
	}
}

// With credit left the page still says it is not lost and asks where it
// goes; with none, it says nothing of credit or debt.
func TestPrivacyPageCreditWordsFollowTheBalance(t *testing.T) {
	t.Parallel()
	_, env := newTestServer(t, "sqlite", withWallet(false), withCardPayments)
	srv := httptest.NewServer(env.Server)
	defer srv.Close()
	bruno, _ := env.account(t, identity.RoleCitizen)
	pc := webtest.SignedIn(t, srv.URL, bruno.Email, testPassword)
	_, body := pc.Get("/privacy")
	for _, not := range []string{"Il credito residuo non va perso", "debito", `name="credit"`} {
		if strings.Contains(body, not) {
			t.Fatalf("the page of no credit says %q:\n%s", not, body)
		}
	}
	cardTopUp(t, env, bruno.ID, 1500, "pi_privacy_words_"+bruno.ID)
	_, body = pc.Get("/privacy")
	if !strings.Contains(body, "Il credito residuo non va perso") || !strings.Contains(body, `data-testid="erasure-credit"`) || strings.Contains(body, "debito") {
		t.Fatalf("the page of credit left:\n%s", body)
	}
}

// The privacy page's list of what stays after an erasure names what a
// person wrote in participation (kept without the name) and the flag
// reasons (erased), as the erasure does.
func TestPrivacyPageSaysWhatParticipationKeeps(t *testing.T) {
	t.Parallel()
	_, env := newTestServer(t, "sqlite")
	srv := httptest.NewServer(env.Server)
	defer srv.Close()
	anna, _ := env.account(t, identity.RoleCitizen)
	pc := webtest.SignedIn(t, srv.URL, anna.Email, testPassword)
	_, body := pc.Get("/privacy")
	if !strings.Contains(body, "restano, senza il tuo nome, le segnalazioni, le proposte e i commenti") ||
		!strings.Contains(body, "i motivi che hai scritto segnalando commenti invece li cancelliamo") {
		t.Fatalf("the privacy page does not say what participation keeps after an erasure:\n%s", body)
	}
}
