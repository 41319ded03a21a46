package web

import (
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"

	"cityhub/identity"
	"cityhub/vouchers"
	"cityhub/web/webtest"
)

// An administrator's form that outlived its session gives back the names
// typed into it, as it gives back titles and addresses: a new campaign's,
// a new shop's, a venue's and a new account's, where only the shop's
// address and the venue's came back. Its other fields (an IBAN, an e-mail
// address, the form's key) do not.
func TestExpiredAdminFormsGiveBackTheirNames(t *testing.T) {
	t.Parallel()
	_, env := newTestServer(t, "sqlite", withTicketing, func(env *testEnv, d *Deps) {
		d.Vouchers = vouchers.NewService(env.DB.Vouchers(), env.Keys, nil)
	})
	admin, _ := env.account(t, identity.RoleAdmin)
	srv := httptest.NewServer(env.Server)
	defer srv.Close()
	pc := webtest.SignedIn(t, srv.URL, admin.Email, testPassword)
	const gone = "a token of a session that has ended"
	for _, tc := range []struct {
		path  string
		form  url.Values
		given []string
		kept  []string
	}{
		{"/admin/vouchers/campaigns", url.Values{"name": {"Buoni per le librerie del centro storico 2027"}, "budget": {"1000"}, "key": {"a-key-of-the-campaign-form-0001"}},
			[]string{"Buoni per le librerie del centro storico 2027"}, []string{"a-key-of-the-campaign-form-0001"}},
		{"/admin/vouchers/shops", url.Values{"name": {"Libreria Antica di Santa Sofia"}, "address": {"Piazza Santa Sofia 12, Benevento"}, "iban": {"IT60X0542811101000000123456"}},
			[]string{"Libreria Antica di Santa Sofia", "Piazza Santa Sofia 12, Benevento"}, []string{"IT60X0542811101000000123456"}},
		{"/admin/theatre/venues", url.Values{"name": {"Teatro Comunale Vittorio Emanuele"}, "address": {"Corso Garibaldi 1, Benevento"}},
			[]string{"Teatro Comunale Vittorio Emanuele", "Corso Garibaldi 1, Benevento"}, nil},
		{"/admin/accounts", url.Values{"name": {"Maria Assunta De Gennaro Pellegrini"}, "email": {"maria.assunta@example.org"}},
			[]string{"Maria Assunta De Gennaro Pellegrini"}, []string{"maria.assunta@example.org"}},
	} {
		tc.form.Set("csrf_token", gone)
		req, _ := http.NewRequest("POST", srv.URL+tc.path, strings.NewReader(tc.form.Encode()))
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
		req.Header.Set("Sec-Fetch-Site", "same-origin")
		res, err := pc.Client.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		body := webtest.ReadBody(t, res)
		if res.StatusCode != http.StatusForbidden || !strings.Contains(body, `data-testid="typed"`) {
			t.Errorf("%s with an expired token: %d, nothing given back\n%s", tc.path, res.StatusCode, body)
			continue
		}
		for _, text := range tc.given {
			if !strings.Contains(body, ">"+text+"</textarea>") {
				t.Errorf("%s: %q is not given back", tc.path, text)
			}
		}
		for _, text := range tc.kept {
			if strings.Contains(body, text) {
				t.Errorf("%s: %q is shown", tc.path, text)
			}
		}
	}
}
