package web

import (
	"net/http"
	"net/http/httptest"
	"net/url"
	"regexp"
	"slices"
	"strings"
	"testing"

	"cityhub/identity"
	"cityhub/web/webtest"
)

// The texts an expired form gives back are named by their fields, in the
// page's language, in the form's order: a proposal's came back as "Text 1"
// (its body) and "Text 2" (its title), its fields' names in alphabetical
// order, and nobody could tell which was which.
func TestExpiredFormNamesTheFieldOfEachText(t *testing.T) {
	t.Parallel()
	_, env := newTestServer(t, "sqlite", withParticipation, func(env *testEnv, d *Deps) {})
	citizen, _ := env.account(t, identity.RoleCitizen)
	srv := httptest.NewServer(env.Server)
	defer srv.Close()
	pc := webtest.SignedIn(t, srv.URL, citizen.Email, testPassword)
	form := url.Values{"csrf_token": {"a token of a session that has ended"}, "title": {"Una pista ciclabile in via Roma"},
		"body": {"La via è larga e il traffico lento: una pista ciclabile la renderebbe sicura."}}
	for _, tc := range []struct {
		lang string
		want []string
	}{
		{"it", []string{"Titolo", "Una pista ciclabile in via Roma", "Testo", "La via è larga e il traffico lento: una pista ciclabile la renderebbe sicura."}},
		{"en", []string{"Title", "Una pista ciclabile in via Roma", "Text", "La via è larga e il traffico lento: una pista ciclabile la renderebbe sicura."}},
	} {
		if tc.lang == "en" {
			english(pc)
		}
		req, _ := http.NewRequest("POST", srv.URL+"/proposals", strings.NewReader(form.Encode()))
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
		req.Header.Set("Sec-Fetch-Site", "same-origin")
		res, err := pc.Client.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		body := webtest.ReadBody(t, res)
		var got []string
		for _, m := range regexp.MustCompile(`<label class="form-label" for="typed-\d+">([^<]*)</label>\s*<textarea[^>]*>([^<]*)</textarea>`).FindAllStringSubmatch(body, -1) {
			got = append(got, m[1], m[2])
		}
		if res.StatusCode != http.StatusForbidden || !slices.Equal(got, tc.want) {
			t.Errorf("%s: %d, given back %q, want %q\n%s", tc.lang, res.StatusCode, got, tc.want, body)
		}
	}
}
