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

// A comment hidden by mistake is listed under "Commenti nascosti" on the
// moderation page, with a button that shows it again: the proposal's page
// shows it once more. Citizens and office staff are refused; showing it
// again once it is visible changes nothing.
func TestParticipationHiddenCommentShownAgainPage(t *testing.T) {
	t.Parallel()
	_, env := newTestServer(t, "sqlite", withParticipation)
	srv := httptest.NewServer(env.Server)
	defer srv.Close()
	annaAcc, _ := env.account(t, identity.RoleCitizen)
	brunoAcc, _ := env.account(t, identity.RoleCitizen)
	adminAcc, _ := env.account(t, identity.RoleAdmin)
	staffAcc, _ := env.account(t, identity.RoleCityStaff, "roads")
	login := func(email string) *webtest.PageClient { return webtest.SignedIn(t, srv.URL, email, testPassword) }
	anna, bruno, adm, staff := login(annaAcc.Email), login(brunoAcc.Email), login(adminAcc.Email), login(staffAcc.Email)
	anon := webtest.NewPageClient(t, srv.URL)

	res, _ := anna.Post("/proposals", url.Values{"csrf_token": {anna.CSRF("/proposals/new")}, "title": {"Benches on the Viale"},
		"body": {"Benches along the Viale Mellusi, please, for the elderly."}})
	proposal := strings.SplitN(res.Header.Get("Location"), "?", 2)[0]
	proposalID := strings.TrimPrefix(proposal, "/proposals/")
	const text = "Sharp words about benches, but fair"
	if res, _ := anna.Post(proposal+"/comments", url.Values{"csrf_token": {anna.CSRF(proposal)}, "comment": {text}}); res.StatusCode != http.StatusSeeOther {
		t.Fatalf("comment: %d", res.StatusCode)
	}
	_, page := anon.Get(proposal)
	m := regexp.MustCompile(`data-comment="(cmt_[A-Za-z0-9_-]+)"`).FindStringSubmatch(page)
	if m == nil {
		t.Fatalf("no comment on the proposal's page:\n%s", page)
	}
	id := m[1]
	if res, _ := bruno.Post("/comments/"+id+"/flag", url.Values{"csrf_token": {bruno.CSRF(proposal)}, "proposal": {proposalID}, "reason": {"abusive"}}); res.StatusCode != http.StatusSeeOther {
		t.Fatalf("flag: %d", res.StatusCode)
	}
	tok := adm.CSRF("/staff/comments")
	if res, _ := adm.Post("/staff/comments/"+id, url.Values{"csrf_token": {tok}, "state": {"hidden"}, "confirm": {"yes"}}); res.StatusCode != http.StatusSeeOther {
		t.Fatalf("hide: %d", res.StatusCode)
	}
	if _, page := anon.Get(proposal); strings.Contains(page, text) {
		t.Fatalf("hidden comment on the proposal's page:\n%s", page)
	}

	// The moderation page lists it under the hidden comments, with its
	// reason and the button to show it again.
	_, body := adm.Get("/staff/comments")
	hidden := body[strings.Index(body, `id="hidden"`):]
	if !strings.Contains(hidden, "Commenti nascosti") || !strings.Contains(hidden, text) || !strings.Contains(hidden, "abusive") ||
		!strings.Contains(hidden, `action="/staff/comments/`+id+`/show"`) || !strings.Contains(hidden, "Mostra di nuovo") {
		t.Fatalf("moderation page without the hidden comment to show again:\n%s", body)
	}

	show := "/staff/comments/" + id + "/show"
	for who, pc := range map[string]*webtest.PageClient{"citizen": bruno, "office staff": staff} {
		if res, _ := pc.Post(show, url.Values{"csrf_token": {pc.CSRF(proposal)}}); res.StatusCode != http.StatusForbidden {
			t.Fatalf("%s showing a comment: %d", who, res.StatusCode)
		}
	}
	if _, page := anon.Get(proposal); strings.Contains(page, text) {
		t.Fatalf("comment shown by a refused post:\n%s", page)
	}
	res, _ = adm.Post(show, url.Values{"csrf_token": {tok}})
	if res.StatusCode != http.StatusSeeOther || res.Header.Get("Location") != "/staff/comments?done=shown#hidden" {
		t.Fatalf("show: %d %s", res.StatusCode, res.Header.Get("Location"))
	}
	_, body = adm.Get("/staff/comments?done=shown")
	if !strings.Contains(body, "Commento di nuovo visibile a tutti") || !strings.Contains(body, "Nessun commento nascosto.") {
		t.Fatalf("moderation page after showing:\n%s", body)
	}
	if _, page := anon.Get(proposal); !strings.Contains(page, text) {
		t.Fatalf("shown comment missing from the proposal's page:\n%s", page)
	}
	// Sent again (a second tab, Back): nothing to show, nothing changed.
	if res, _ := adm.Post(show, url.Values{"csrf_token": {tok}}); res.StatusCode != http.StatusSeeOther {
		t.Fatalf("show a visible comment: %d", res.StatusCode)
	}
	if _, page := anon.Get(proposal); !strings.Contains(page, text) {
		t.Fatalf("comment missing after showing it twice:\n%s", page)
	}
}
