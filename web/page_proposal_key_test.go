package web

import (
	"net/http"
	"net/http/httptest"
	"net/url"
	"regexp"
	"strings"
	"testing"

	"cityhub/identity"
	"cityhub/web/webtest"
)

// The proposal form carries a key: sent twice (a double click, a reload
// that posts again) it makes one proposal, and both answers lead to it.
func TestProposalFormSentTwiceMakesOne(t *testing.T) {
	t.Parallel()
	_, env := newTestServer(t, "sqlite", withParticipation)
	srv := httptest.NewServer(env.Server)
	defer srv.Close()
	anna, _ := env.account(t, identity.RoleCitizen)
	cit := webtest.SignedIn(t, srv.URL, anna.Email, testPassword)
	_, form := cit.Get("/proposals/new")
	m := regexp.MustCompile(`name="key" value="([^"]+)"`).FindStringSubmatch(form)
	if m == nil {
		t.Fatalf("the proposal form has no key:\n%s", form)
	}
	fields := url.Values{"csrf_token": {cit.CSRF("/proposals/new")}, "key": {m[1]}, "title": {"Fontanelle in piazza"},
		"body": {"Due fontanelle in Piazza Santa Sofia, per l'estate."}}
	var at []string
	for range 2 {
		res, _ := cit.Post("/proposals", fields)
		if res.StatusCode != http.StatusSeeOther || !strings.HasPrefix(res.Header.Get("Location"), "/proposals/prp_") {
			t.Fatalf("proposal sent: %d to %q", res.StatusCode, res.Header.Get("Location"))
		}
		at = append(at, res.Header.Get("Location"))
	}
	if at[0] != at[1] {
		t.Fatalf("the form sent twice made two proposals: %v", at)
	}
	if _, list := cit.Get("/proposals"); strings.Count(list, "Fontanelle in piazza") != 1 {
		t.Fatalf("the proposals list:\n%s", list)
	}
	// The same key with another proposal is refused, and nothing is made.
	fields.Set("title", "Altre panchine")
	if res, _ := cit.Post("/proposals", fields); res.StatusCode != http.StatusConflict {
		t.Fatalf("the key with another proposal: %d", res.StatusCode)
	}
}
