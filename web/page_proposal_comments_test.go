package web

import (
	"fmt"
	"html"
	"net/http"
	"net/http/httptest"
	"net/url"
	"regexp"
	"strings"
	"testing"

	"cityhub/identity"
	"cityhub/participation"
	"cityhub/web/webtest"
)

// A proposal's page shows its comments a page at a time, oldest first,
// with a link to the later ones that goes on where the page ended and one
// back to the first; a cursor that names no comment of it is a 400 page.
func TestProposalPageCommentsPage(t *testing.T) {
	t.Parallel()
	var svc *participation.Service
	_, env := newTestServer(t, "sqlite", withParticipation, func(env *testEnv, d *Deps) { svc = d.Participation.Service })
	srv := httptest.NewServer(env.Server)
	defer srv.Close()
	acc, _ := env.account(t, identity.RoleCitizen)
	citizen := identity.Caller{AccountID: acc.ID, Grants: []identity.Grant{{Role: identity.RoleCitizen}}}
	pr, err := svc.CreateProposal(t.Context(), citizen, participation.NewProposal{Title: "Più alberi in Piazza Roma", Body: "Ombra d'estate per chi aspetta l'autobus in piazza."})
	if err != nil {
		t.Fatal(err)
	}
	var ids []string
	for i := range 101 {
		cm, err := svc.AddComment(t.Context(), citizen, pr.ID, fmt.Sprintf("Comment number %d.", i))
		if err != nil {
			t.Fatal(err)
		}
		ids = append(ids, cm.ID)
	}
	pc := pageIn(t, srv.URL, "en")
	res, body := pc.Get("/proposals/" + pr.ID)
	next := regexp.MustCompile(`<a href="([^"]+)" rel="next" data-testid="comments-more">Later comments</a>`).FindStringSubmatch(body)
	if res.StatusCode != http.StatusOK || strings.Count(body, "data-comment=") != 100 || !strings.Contains(body, `data-comment="`+ids[0]+`"`) ||
		strings.Contains(body, `data-comment="`+ids[100]+`"`) || next == nil || strings.Contains(body, "comments-first") {
		t.Fatalf("first page: %d, %d comments, next %v", res.StatusCode, strings.Count(body, "data-comment="), next)
	}
	res, body = pc.Get(html.UnescapeString(next[1]))
	if res.StatusCode != http.StatusOK || strings.Count(body, "data-comment=") != 1 || !strings.Contains(body, `data-comment="`+ids[100]+`"`) ||
		strings.Contains(body, "comments-more") || !strings.Contains(body, "comments-first") {
		t.Fatalf("second page %s: %d\n%s", next[1], res.StatusCode, body)
	}
	if res, _ := pc.Get("/proposals/" + pr.ID + "?after=cmt_nosuch"); res.StatusCode != http.StatusBadRequest {
		t.Fatalf("a cursor that is no comment: %d", res.StatusCode)
	}
	// A blank comment is refused on the page, its field marked as the one
	// the problem is about.
	own := webtest.SignedIn(t, srv.URL, acc.Email, testPassword)
	csrf := own.CSRF("/proposals/" + pr.ID)
	res, body = own.Post("/proposals/"+pr.ID+"/comments", url.Values{"csrf_token": {csrf}, "comment": {"  "}})
	if res.StatusCode != http.StatusBadRequest || !regexp.MustCompile(`<textarea class="form-control is-invalid" id="f-comment"[^>]*aria-invalid="true" aria-describedby="proposal-problem f-comment-hint"`).MatchString(body) ||
		!strings.Contains(body, `id="proposal-problem"`) {
		t.Fatalf("a blank comment: %d\n%s", res.StatusCode, body)
	}
	// The form's one-time key: a double tap posts one comment, and the
	// key sent with another text makes nothing, the form coming back
	// under a fresh key.
	_, page := own.Get("/proposals/" + pr.ID)
	m := regexp.MustCompile(`name="key" value="([^"]+)"`).FindStringSubmatch(page)
	if m == nil {
		t.Fatalf("the comment form has no key:\n%s", page)
	}
	before := len(mustComments(t, svc, pr.ID))
	for range 2 {
		if res, _ := own.Post("/proposals/"+pr.ID+"/comments", url.Values{"csrf_token": {csrf}, "key": {m[1]}, "comment": {"Sono d'accordo."}}); res.StatusCode != http.StatusSeeOther {
			t.Fatalf("the comment: %d", res.StatusCode)
		}
	}
	if n := len(mustComments(t, svc, pr.ID)) - before; n != 1 {
		t.Fatalf("a double tap made %d comments", n)
	}
	res, body = own.Post("/proposals/"+pr.ID+"/comments", url.Values{"csrf_token": {csrf}, "key": {m[1]}, "comment": {"Un altro testo."}})
	if res.StatusCode != http.StatusConflict || strings.Contains(body, `name="key" value="`+m[1]+`"`) || len(mustComments(t, svc, pr.ID))-before != 1 {
		t.Fatalf("the key again with another text: %d", res.StatusCode)
	}
	if !strings.Contains(body, "Questo modulo era già stato inviato e ha pubblicato un commento") || !strings.Contains(body, "Un altro testo.") {
		t.Fatalf("the comment form sent again says otherwise why, or lost the text:\n%s", body)
	}
}

// mustComments is every comment of a proposal.
func mustComments(t *testing.T, svc *participation.Service, proposal string) []participation.PublicComment {
	t.Helper()
	var all []participation.PublicComment
	after := ""
	for {
		cs, err := svc.Comments(t.Context(), proposal, after, participation.MaxCommentPage)
		if err != nil {
			t.Fatal(err)
		}
		all = append(all, cs...)
		if len(cs) < participation.MaxCommentPage {
			return all
		}
		after = cs[len(cs)-1].ID
	}
}
