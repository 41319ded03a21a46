package web

import (
	"html"
	"net/http"
	"net/http/httptest"
	"net/url"
	"regexp"
	"strings"
	"testing"

	"cityhub/identity"
	"cityhub/web/webtest"
)

// erasureTickets is what the privacy page says of the tickets an erasure
// leaves valid.
var erasureTickets = regexp.MustCompile(`data-testid="erasure-tickets">([^<]*)<`)

// The privacy page says where the tickets' codes are once the account is
// deleted as the other pages promise e-mails (docs/mail.md): the receipt
// e-mail only when an SMTP server sends the receipts and the person has an
// address, and then that an e-mail not yet sent goes with the account (the
// erasure deletes the person's e-mails, pending ones too); otherwise the
// typed codes in the wallet, to note down first. A hub that sells no
// tickets says nothing of them.
func TestPrivacyPageSaysWhereTheTicketsCodesAre(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		name       string
		emailsSent bool
		noAddress  bool
		emailed    bool
	}{
		{name: "smtp and an address", emailsSent: true, emailed: true},
		{name: "no smtp"},
		{name: "no address", emailsSent: true, noAddress: true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			pc, _, _, _, _ := mailPromiseHub(t, tc.emailsSent, tc.noAddress)
			for _, lang := range []struct {
				lang, receipt, unsent, wallet string
			}{
				{"it", "conserva l'email di ricevuta", "non parte più", "annota dal portafoglio il «codice da digitare» di ogni biglietto"},
				{"en", "keep their receipt e-mail", "is never sent", "note down each ticket's “code to type” from your wallet"},
			} {
				if res, _ := pc.Post("/language", url.Values{"csrf_token": {pc.CSRF("/privacy")}, "lang": {lang.lang}, "next": {"/privacy"}}); res.StatusCode != http.StatusSeeOther {
					t.Fatalf("language %s: %d", lang.lang, res.StatusCode)
				}
				_, body := pc.Get("/privacy")
				m := erasureTickets.FindStringSubmatch(body)
				if m == nil {
					t.Fatalf("%s: the privacy page says nothing of the tickets:\n%s", lang.lang, body)
				}
				said := html.UnescapeString(m[1])
				if strings.Contains(said, lang.receipt) != tc.emailed || strings.Contains(said, lang.unsent) != tc.emailed {
					t.Errorf("%s: %q, promising the receipt e-mail %v", lang.lang, said, tc.emailed)
				}
				if !strings.Contains(said, lang.wallet) {
					t.Errorf("%s: %q does not say where the codes are in the wallet", lang.lang, said)
				}
			}
		})
	}

	t.Run("no theatre", func(t *testing.T) {
		t.Parallel()
		_, env := newTestServer(t, "sqlite", withWallet(false), withCardPayments, func(env *testEnv, d *Deps) { d.EmailsSent = true })
		srv := httptest.NewServer(env.Server)
		t.Cleanup(srv.Close)
		anna, _ := env.account(t, identity.RoleCitizen)
		pc := webtest.SignedIn(t, srv.URL, anna.Email, testPassword)
		if _, body := pc.Get("/privacy"); strings.Contains(body, "erasure-tickets") || strings.Contains(body, "I biglietti restano validi") {
			t.Errorf("a hub without the theatre speaks of tickets:\n%s", body)
		}
	})
}
