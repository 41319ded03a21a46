package ui

import (
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"

	"cityhub/identity"
	"cityhub/web/webtest"
)

// The top-up page asked with what an order or a ride lacks says that
// amount, and why the amount filled in is more when it is (rounded up to
// the euro, or the smallest top-up), in both languages; it never calls
// the amount filled in what is needed.
func TestTopUpNeedSaysWhatIsMissing(t *testing.T) {
	accts := &pageAccounts{sessions: map[string]identity.Caller{}}
	cards := &fakeCards{}
	srv := httptest.NewServer(serve(Deps{Accounts: accts, Wallet: pageWallet{},
		Pay: PagePay{Stripe: cards, Cards: cards, PublishableKey: "pk_test_ui"}}))
	defer srv.Close()
	pc := webtest.SignedIn(t, srv.URL, "anna@example.org", "secret-Anna")
	cases := []struct {
		need         string
		it, en       string
		valIT, valEN string
	}{
		{"110", "Ti mancano 1,10 € per continuare: qui sotto è indicata una ricarica di 2,00 €, arrotondata all&#39;euro.",
			"You need €1.10 more to go on: a top-up of €2.00, rounded up to the euro, is filled in below.", "2,00", "2.00"},
		{"500", "Ti mancano 5,00 € per continuare: l&#39;importo è già indicato qui sotto.",
			"You need €5.00 more to go on: the amount is filled in below.", "5,00", "5.00"},
		{"30", "Ti mancano 0,30 € per continuare; la ricarica minima è 1,00 €, già indicata qui sotto.",
			"You need €0.30 more to go on; the smallest top-up is €1.00, filled in below.", "1,00", "1.00"},
		{"60000", "Ti mancano 600,00 € per continuare; la ricarica massima è 500,00 €, già indicata qui sotto: ne servirà più di una.",
			"You need €600.00 more to go on; the largest top-up is €500.00, filled in below: you will need more than one.", "500,00", "500.00"},
	}
	page := func(need string) string {
		t.Helper()
		res, body := pc.Get("/wallet/topup?need=" + need)
		if res.StatusCode != http.StatusOK {
			t.Fatalf("need=%s: %d", need, res.StatusCode)
		}
		return strings.ReplaceAll(body, "\u00a0", " ")
	}
	for _, c := range cases {
		body := page(c.need)
		if !strings.Contains(body, c.it) || !strings.Contains(body, `value="`+c.valIT+`"`) || strings.Contains(body, "almeno") {
			t.Errorf("need=%s in Italian: want %q and %s filled in:\n%s", c.need, c.it, c.valIT, body)
		}
	}
	csrf := webtest.CSRFInForm.FindStringSubmatch(page("110"))[1]
	if res, _ := pc.Post("/language", url.Values{"csrf_token": {csrf}, "lang": {"en"}, "next": {"/wallet/topup"}}); res.StatusCode != http.StatusSeeOther {
		t.Fatalf("language switch: %d", res.StatusCode)
	}
	for _, c := range cases {
		body := page(c.need)
		if !strings.Contains(body, c.en) || !strings.Contains(body, `value="`+c.valEN+`"`) || strings.Contains(body, "at least") {
			t.Errorf("need=%s in English: want %q and %s filled in:\n%s", c.need, c.en, c.valEN, body)
		}
	}
}
