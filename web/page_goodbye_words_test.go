package web

import (
	"net/http"
	"net/http/httptest"
	"net/url"
	"regexp"
	"testing"
	"unicode"
	"unicode/utf8"

	"cityhub/identity"
	"cityhub/web/webtest"
)

// The page after an account's erasure says what the hub keeps in a
// sentence of its own, in each language: a capital first, a full stop
// last, where it showed the privacy page's list item alone, lower case
// and ending in ";".
func TestGoodbyeSaysWhatIsKeptInASentence(t *testing.T) {
	t.Parallel()
	_, env := newTestServer(t, "sqlite", withWallet(false), withCardPayments)
	srv := httptest.NewServer(env.Server)
	t.Cleanup(srv.Close)
	kept := regexp.MustCompile(`<p data-testid="goodbye-kept">([^<]*)</p>`)
	for lang, want := range map[string]string{
		"it": "Conserviamo i movimenti di denaro",
		"en": "We keep the money movements",
	} {
		anna, _ := env.account(t, identity.RoleCitizen)
		pc := webtest.SignedIn(t, srv.URL, anna.Email, testPassword)
		if lang == "en" {
			english(pc)
		}
		res, body := pc.Post("/privacy/delete", url.Values{"csrf_token": {pc.CSRF("/privacy")}, "confirm_email": {anna.Email}})
		m := kept.FindStringSubmatch(body)
		if res.StatusCode != http.StatusOK || m == nil {
			t.Fatalf("%s: %d, no sentence of what is kept\n%s", lang, res.StatusCode, body)
		}
		first, _ := utf8.DecodeRuneInString(m[1])
		if !unicode.IsUpper(first) || m[1][len(m[1])-1] != '.' || len(m[1]) < len(want) || m[1][:len(want)] != want {
			t.Errorf("%s: %q is not a sentence starting %q", lang, m[1], want)
		}
	}
}
