package web

import (
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"

	"cityhub/identity"
	"cityhub/web/webtest"
)

// A proposal, its comments and the city's answer are marked with the
// language each was written in, their writer's, so that a screen reader
// reads an English proposal on the Italian pages, and the Italian comment
// and answer on the English ones, in their own language (WCAG 3.1.2). They
// were unmarked, read in the page's language whatever they were.
func TestProposalTextsMarkedWithTheirLanguage(t *testing.T) {
	t.Parallel()
	_, env := newTestServer(t, "sqlite", withParticipation)
	srv := httptest.NewServer(env.Server)
	defer srv.Close()
	signIn := func(role identity.Role, lang string) *webtest.PageClient {
		a, _ := env.account(t, role)
		pc := webtest.SignedIn(t, srv.URL, a.Email, testPassword)
		if res, _ := pc.Post("/language", url.Values{"csrf_token": {pc.CSRF("/")}, "lang": {lang}, "next": {"/"}}); res.StatusCode != http.StatusSeeOther {
			t.Fatalf("switch to %s: %d", lang, res.StatusCode)
		}
		return pc
	}
	author, commenter, admin := signIn(identity.RoleCitizen, "en"), signIn(identity.RoleCitizen, "it"), signIn(identity.RoleAdmin, "it")
	res, _ := author.Post("/proposals", url.Values{"csrf_token": {author.CSRF("/proposals/new")}, "title": {"More benches in the Villa Comunale"},
		"body": {"Older people cannot walk the whole park without a rest."}, "key": {"lang-proposal-1"}})
	if res.StatusCode != http.StatusSeeOther {
		t.Fatalf("proposal form: %d", res.StatusCode)
	}
	page := res.Header.Get("Location")
	if res, _ := commenter.Post(page+"/comments", url.Values{"csrf_token": {commenter.CSRF(page)}, "comment": {"Sono d'accordo, servono anche all'ombra."}}); res.StatusCode != http.StatusSeeOther {
		t.Fatalf("comment form: %d", res.StatusCode)
	}
	if res, _ := admin.Post(page+"/answer", url.Values{"csrf_token": {admin.CSRF(page)}, "answer": {"Il Comune ne metterà dieci in primavera."}}); res.StatusCode != http.StatusSeeOther {
		t.Fatalf("answer form: %d", res.StatusCode)
	}
	for _, lang := range []string{"it", "en"} {
		anon := pageIn(t, srv.URL, lang)
		_, body := anon.Get(page)
		for _, want := range []string{
			`<h1 lang="en">More benches in the Villa Comunale</h1>`,
			`<div class="part-body" lang="en">Older people cannot walk the whole park without a rest.</div>`,
			`<p class="part-body" lang="it">Sono d&#39;accordo, servono anche all&#39;ombra.</p>`,
			`<p class="part-body" lang="it" data-testid="answer">Il Comune ne metterà dieci in primavera.</p>`,
		} {
			if !strings.Contains(body, want) {
				t.Errorf("%s page in %s without %s:\n%s", page, lang, want, body)
			}
		}
		if _, body := anon.Get("/proposals"); !strings.Contains(body, `lang="en">More benches in the Villa Comunale</a>`) {
			t.Errorf("proposals in %s: the title unmarked:\n%s", lang, body)
		}
	}
}
