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

// A proposal's page offers its author no support button and a comment's
// author no report of it, saying why instead ("È la tua proposta", "È il
// tuo commento"); others get both. A support or a report sent from a page
// opened before is refused on the proposal's page, in its words, and
// counts nothing.
func TestProposalPageOffersNoSupportOrFlagOfOnesOwn(t *testing.T) {
	t.Parallel()
	_, env := newTestServer(t, "sqlite", withParticipation)
	srv := httptest.NewServer(env.Server)
	defer srv.Close()
	annaAcc, _ := env.account(t, identity.RoleCitizen)
	brunoAcc, _ := env.account(t, identity.RoleCitizen)
	anna, bruno := webtest.SignedIn(t, srv.URL, annaAcc.Email, testPassword), webtest.SignedIn(t, srv.URL, brunoAcc.Email, testPassword)

	res, _ := anna.Post("/proposals", url.Values{"csrf_token": {anna.CSRF("/proposals/new")}, "title": {"Benches on the Viale"},
		"body": {"Benches along the Viale Mellusi, please, for the elderly."}})
	proposal := strings.SplitN(res.Header.Get("Location"), "?", 2)[0]
	if res, _ := bruno.Post(proposal+"/comments", url.Values{"csrf_token": {bruno.CSRF(proposal)}, "comment": {"Near the bridge too"}}); res.StatusCode != http.StatusSeeOther {
		t.Fatalf("comment: %d", res.StatusCode)
	}
	const support, flag = `data-action="support"`, `action="/comments/`

	_, page := anna.Get(proposal)
	if strings.Contains(page, support) || !strings.Contains(page, `data-testid="own-proposal"`) || !strings.Contains(page, "È la tua proposta") {
		t.Fatalf("the author's page of the proposal offers a support:\n%s", page)
	}
	if !strings.Contains(page, flag) || strings.Contains(page, `data-testid="own-comment"`) {
		t.Fatalf("the author of the proposal is not offered to report another's comment:\n%s", page)
	}
	_, page = bruno.Get(proposal)
	if !strings.Contains(page, support) || strings.Contains(page, `data-testid="own-proposal"`) {
		t.Fatalf("another citizen is not offered a support:\n%s", page)
	}
	if strings.Contains(page, flag) || !strings.Contains(page, `data-testid="own-comment"`) || !strings.Contains(page, "È il tuo commento") {
		t.Fatalf("the comment's author is offered to report it:\n%s", page)
	}
	id := regexp.MustCompile(`data-comment="(cmt_[A-Za-z0-9_-]+)"`).FindStringSubmatch(page)[1]

	// Sent anyway (a page opened before, a crafted post): refused on the
	// proposal's page, nothing counted.
	res, page = anna.Post(proposal+"/support", url.Values{"csrf_token": {anna.CSRF(proposal)}})
	if res.StatusCode != http.StatusForbidden || !strings.Contains(page, "Non puoi sostenere la tua proposta") || !strings.Contains(page, `data-testid="supports"`) {
		t.Fatalf("the author's support: %d\n%s", res.StatusCode, page)
	}
	res, page = bruno.Post("/comments/"+id+"/flag", url.Values{"csrf_token": {bruno.CSRF(proposal)}, "proposal": {strings.TrimPrefix(proposal, "/proposals/")}, "reason": {"regret"}})
	if res.StatusCode != http.StatusForbidden || !strings.Contains(page, "Non puoi segnalare un tuo commento") || strings.Contains(page, `href="#flag-`) {
		t.Fatalf("the author's report of their comment: %d\n%s", res.StatusCode, page)
	}
	if _, page := anna.Get(proposal); !strings.Contains(page, "0 sostegni") {
		t.Fatalf("the author's refused support counted:\n%s", page)
	}
}
