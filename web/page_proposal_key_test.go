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
	// The same form sent again with another text (Back, an edit, Send)
	// makes nothing: it comes back with the text kept, saying so, under a
	// fresh key, and sent once more it makes a proposal of its own.
	fields.Set("title", "Altre panchine")
	res, page := cit.Post("/proposals", fields)
	fresh := regexp.MustCompile(`name="key" value="([^"]+)"`).FindStringSubmatch(page)
	if res.StatusCode != http.StatusConflict || !strings.Contains(page, "Questo modulo era già stato inviato") || !strings.Contains(page, `value="Altre panchine"`) ||
		fresh == nil || fresh[1] == m[1] {
		t.Fatalf("the form with another proposal: %d\n%s", res.StatusCode, page)
	}
	if _, list := cit.Get("/proposals"); strings.Contains(list, "Altre panchine") {
		t.Fatalf("the form sent again with another text made a proposal:\n%s", list)
	}
	fields.Set("key", fresh[1])
	if res, _ := cit.Post("/proposals", fields); res.StatusCode != http.StatusSeeOther || res.Header.Get("Location") == at[0] {
		t.Fatalf("the form sent once more: %d to %q", res.StatusCode, res.Header.Get("Location"))
	}
	if _, list := cit.Get("/proposals"); strings.Count(list, "Fontanelle in piazza") != 1 || strings.Count(list, "Altre panchine") != 1 {
		t.Fatalf("the proposals list after the second proposal:\n%s", list)
	}
}
