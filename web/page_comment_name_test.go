package web

import (
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

// The comment form tells the commenter, in the page's language, that the
// comment is published with their name, and names it: the report and
// proposal forms ask whether to show the name, the comment form did not
// say that it is always shown (docs/participation.md), so a commenter
// could be surprised to read it under their words. The name the hint
// gives is the one the comment is then published under.
func TestCommentFormSaysTheNameIsPublished(t *testing.T) {
	t.Parallel()
	var svc *participation.Service
	_, env := newTestServer(t, "sqlite", withParticipation, func(env *testEnv, d *Deps) { svc = d.Participation.Service })
	srv := httptest.NewServer(env.Server)
	defer srv.Close()
	acc, _ := env.account(t, identity.RoleCitizen)
	author := identity.Caller{AccountID: acc.ID, Name: acc.Name, Grants: []identity.Grant{{Role: identity.RoleCitizen}}}
	pr, err := svc.CreateProposal(t.Context(), author, participation.NewProposal{Title: "Più panchine in Villa Comunale", Body: "Dove sedersi all'ombra d'estate."})
	if err != nil {
		t.Fatal(err)
	}
	commenter, _ := env.account(t, identity.RoleCitizen)
	pc := webtest.SignedIn(t, srv.URL, commenter.Email, testPassword)
	page := "/proposals/" + pr.ID
	hint := regexp.MustCompile(`<textarea [^>]*id="f-comment"[^>]*aria-describedby="f-comment-hint">[^<]*</textarea>\s*<div class="form-text" id="f-comment-hint" data-testid="comment-name">([^<]*)</div>`)
	for _, tc := range []struct{ lang, want string }{
		{"it", "Il tuo commento è pubblicato con il tuo nome, " + commenter.Name + ", e lo legge chiunque apra la proposta."},
		{"en", "Your comment is published with your name, " + commenter.Name + ", for anyone who opens the proposal to read."},
	} {
		chooseLanguage(t, pc, tc.lang, page)
		res, body := pc.Get(page)
		got := hint.FindStringSubmatch(body)
		if res.StatusCode != http.StatusOK || got == nil || got[1] != tc.want {
			t.Fatalf("%s: %d, the comment form says %q, want %q\n%s", tc.lang, res.StatusCode, got, tc.want, body)
		}
	}
	// Published under that name.
	if res, _ := pc.Post(page+"/comments", url.Values{"csrf_token": {pc.CSRF(page)}, "comment": {"Anche vicino alla fontana."}}); res.StatusCode != http.StatusSeeOther {
		t.Fatalf("the comment: %d", res.StatusCode)
	}
	if _, body := pageIn(t, srv.URL, "it").Get(page); !strings.Contains(readableText(body), commenter.Name+" · ") || !strings.Contains(body, "Anche vicino alla fontana.") {
		t.Fatalf("the comment is not published under %q:\n%s", commenter.Name, readableText(body))
	}
}
