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

// Moderating reported comments: a citizen reports a comment, the
// administrator finds it on the moderation page (linked from the reports
// queue) with its proposal and how many reported it, hides it after a
// confirmation step, and the public proposal page no longer shows its
// text. Citizens and office staff may not moderate; a post without its
// CSRF token is refused and changes nothing; keeping a comment dismisses
// its reports.
func TestParticipationCommentModeration(t *testing.T) {
	t.Parallel()
	_, env := newTestServer(t, "sqlite", withParticipation)
	srv := httptest.NewServer(env.Server)
	defer srv.Close()
	annaAcc, _ := env.account(t, identity.RoleCitizen)
	brunoAcc, _ := env.account(t, identity.RoleCitizen)
	adminAcc, _ := env.account(t, identity.RoleAdmin)
	staffAcc, _ := env.account(t, identity.RoleCityStaff, "roads")
	login := func(email string) *webtest.PageClient {
		pc := webtest.SignedIn(t, srv.URL, email, testPassword)
		return pc
	}
	anna, bruno, adm, staff := login(annaAcc.Email), login(brunoAcc.Email), login(adminAcc.Email), login(staffAcc.Email)
	anon := webtest.NewPageClient(t, srv.URL)

	// Anna proposes, and comments twice; Bruno reports both comments.
	res, _ := anna.Post("/proposals", url.Values{"csrf_token": {anna.CSRF("/proposals/new")}, "title": {"Benches on the <i>Viale</i>"},
		"body": {"Benches along the Viale Mellusi, please, for the elderly."}})
	if res.StatusCode != http.StatusSeeOther {
		t.Fatalf("proposal: %d", res.StatusCode)
	}
	proposal := strings.SplitN(res.Header.Get("Location"), "?", 2)[0]
	proposalID := strings.TrimPrefix(proposal, "/proposals/")
	const rude, fair = "You are all <b>idiots</b>", "A fair point about benches"
	for _, text := range []string{rude, fair} {
		if res, _ := anna.Post(proposal+"/comments", url.Values{"csrf_token": {anna.CSRF(proposal)}, "comment": {text}}); res.StatusCode != http.StatusSeeOther {
			t.Fatalf("comment %q: %d", text, res.StatusCode)
		}
	}
	_, page := anon.Get(proposal)
	ids := regexp.MustCompile(`data-comment="(cmt_[A-Za-z0-9_-]+)"`).FindAllStringSubmatch(page, -1)
	if len(ids) != 2 || !strings.Contains(page, "You are all &lt;b&gt;idiots&lt;/b&gt;") {
		t.Fatalf("proposal page before moderation:\n%s", page)
	}
	rudeID, fairID := ids[0][1], ids[1][1]
	for _, id := range []string{rudeID, fairID} {
		res, _ := bruno.Post("/comments/"+id+"/flag", url.Values{"csrf_token": {bruno.CSRF(proposal)}, "proposal": {proposalID}, "reason": {"abusive"}})
		if res.StatusCode != http.StatusSeeOther {
			t.Fatalf("flag %s: %d", id, res.StatusCode)
		}
	}

	// The queue links to the moderation page for the administrator only.
	if _, body := adm.Get("/staff/reports"); !strings.Contains(body, `href="/staff/comments"`) || !strings.Contains(body, "Commenti segnalati: 2") {
		t.Fatalf("admin's queue has no link to reported comments:\n%s", body)
	}
	if _, body := staff.Get("/staff/reports"); strings.Contains(body, `href="/staff/comments"`) {
		t.Fatalf("office staff's queue links to comment moderation:\n%s", body)
	}
	// The moderation page: oldest first, text escaped, its proposal, the count.
	res, body := adm.Get("/staff/comments")
	if res.StatusCode != http.StatusOK || strings.Index(body, rudeID) < 0 || strings.Index(body, rudeID) > strings.Index(body, fairID) ||
		!strings.Contains(body, "You are all &lt;b&gt;idiots&lt;/b&gt;") || strings.Contains(body, "<b>idiots") ||
		!strings.Contains(body, `href="/proposals/`+proposalID+`">Benches on the &lt;i&gt;Viale&lt;/i&gt;</a>`) || !strings.Contains(body, "Segnalazioni: 1") {
		t.Fatalf("moderation page: %d\n%s", res.StatusCode, body)
	}

	// Citizens get 403, office staff too (the service keeps moderation to
	// administrators), visitors are sent to log in.
	if res, _ := anna.Get("/staff/comments"); res.StatusCode != http.StatusForbidden {
		t.Fatalf("citizen on the moderation page: %d", res.StatusCode)
	}
	if res, _ := staff.Get("/staff/comments"); res.StatusCode != http.StatusForbidden {
		t.Fatalf("office staff on the moderation page: %d", res.StatusCode)
	}
	if res, _ := anon.Get("/staff/comments"); res.StatusCode != http.StatusSeeOther {
		t.Fatalf("visitor on the moderation page: %d", res.StatusCode)
	}
	hide := url.Values{"csrf_token": {anna.CSRF(proposal)}, "state": {"hidden"}, "confirm": {"yes"}}
	if res, _ := anna.Post("/staff/comments/"+rudeID, hide); res.StatusCode != http.StatusForbidden {
		t.Fatalf("citizen hiding a comment: %d", res.StatusCode)
	}

	// Without the CSRF token: refused, the comment stays.
	if res, _ := adm.Post("/staff/comments/"+rudeID, url.Values{"state": {"hidden"}, "confirm": {"yes"}}); res.StatusCode != http.StatusForbidden {
		t.Fatalf("hide without CSRF: %d", res.StatusCode)
	}
	// A state that is neither hidden nor visible, or an unknown comment: a
	// clear refusal, nothing changed.
	tok := adm.CSRF("/staff/comments")
	if res, _ := adm.Post("/staff/comments/"+rudeID, url.Values{"csrf_token": {tok}, "state": {"deleted"}}); res.StatusCode != http.StatusBadRequest {
		t.Fatalf("unknown state: %d", res.StatusCode)
	}
	if res, _ := adm.Post("/staff/comments/cmt_nosuch", url.Values{"csrf_token": {tok}, "state": {"visible"}}); res.StatusCode != http.StatusNotFound {
		t.Fatalf("unknown comment: %d", res.StatusCode)
	}
	// Hiding asks for confirmation first and changes nothing until then.
	// The confirmation quotes the comment, escaped, with its author's
	// name, so that the moderator sees what they are about to hide.
	res, body = adm.Post("/staff/comments/"+rudeID, url.Values{"csrf_token": {tok}, "state": {"hidden"}})
	if res.StatusCode != http.StatusOK || !strings.Contains(body, `name="confirm" value="yes"`) || !strings.Contains(body, `action="/staff/comments/`+rudeID+`"`) {
		t.Fatalf("hide without confirmation: %d\n%s", res.StatusCode, body)
	}
	if q := confirmQuote(t, body); !strings.Contains(q, "You are all &lt;b&gt;idiots&lt;/b&gt;") || strings.Contains(body, "<b>idiots") || !strings.Contains(q, "Di "+annaAcc.Name) {
		t.Fatalf("the confirmation does not quote the comment, escaped, with its author (%s):\n%s", annaAcc.Name, body)
	}
	if _, page := anon.Get(proposal); !strings.Contains(page, "You are all &lt;b&gt;idiots&lt;/b&gt;") {
		t.Fatalf("hidden before confirmation or by a refused post:\n%s", page)
	}
	res, _ = adm.Post("/staff/comments/"+rudeID, url.Values{"csrf_token": {tok}, "state": {"hidden"}, "confirm": {"yes"}})
	if res.StatusCode != http.StatusSeeOther || res.Header.Get("Location") != "/staff/comments?done=hidden" {
		t.Fatalf("confirmed hide: %d %s", res.StatusCode, res.Header.Get("Location"))
	}
	if _, page := anon.Get(proposal); strings.Contains(page, "idiots") || !strings.Contains(page, fair) {
		t.Fatalf("proposal page after hiding:\n%s", page)
	}

	// Keeping the other comment dismisses its reports: no confirmation, it
	// leaves the queue and stays on the proposal's page.
	res, _ = adm.Post("/staff/comments/"+fairID, url.Values{"csrf_token": {tok}, "state": {"visible"}})
	if res.StatusCode != http.StatusSeeOther || res.Header.Get("Location") != "/staff/comments?done=kept" {
		t.Fatalf("keep: %d %s", res.StatusCode, res.Header.Get("Location"))
	}
	// Neither is reported any more; the hidden one is listed apart, to be
	// shown again.
	if _, body := adm.Get("/staff/comments?done=kept"); strings.Contains(body, "data-comment=") || !strings.Contains(body, `data-testid="done"`) ||
		!strings.Contains(body, `data-hidden-comment="`+rudeID+`"`) {
		t.Fatalf("moderation page after both:\n%s", body)
	}
	if _, page := anon.Get(proposal); !strings.Contains(page, fair) {
		t.Fatalf("kept comment missing:\n%s", page)
	}

	// A long comment is quoted by its start, cut at a word and marked so;
	// an unknown one is refused before any confirmation.
	long := "Benches are a fine idea and " + strings.Repeat("everyone agrees on benches ", 40) + "THE END"
	if res, _ := anna.Post(proposal+"/comments", url.Values{"csrf_token": {anna.CSRF(proposal)}, "comment": {long}}); res.StatusCode != http.StatusSeeOther {
		t.Fatalf("long comment: %d", res.StatusCode)
	}
	_, page = anon.Get(proposal)
	all := regexp.MustCompile(`data-comment="(cmt_[A-Za-z0-9_-]+)"`).FindAllStringSubmatch(page, -1)
	longID := all[len(all)-1][1]
	_, body = adm.Post("/staff/comments/"+longID, url.Values{"csrf_token": {tok}, "state": {"hidden"}})
	if q := confirmQuote(t, body); !strings.Contains(q, "Benches are a fine idea and everyone agrees") || !strings.Contains(q, "…") || strings.Contains(q, "THE END") {
		t.Fatalf("the confirmation of a long comment does not quote its start only:\n%s", body)
	}
	if res, _ := adm.Post("/staff/comments/cmt_nosuch", url.Values{"csrf_token": {tok}, "state": {"hidden"}}); res.StatusCode != http.StatusNotFound {
		t.Fatalf("confirming the hiding of an unknown comment: %d", res.StatusCode)
	}
}

// confirmQuote is the quote of a confirmation page, failing without one.
func confirmQuote(t *testing.T, body string) string {
	t.Helper()
	i := strings.Index(body, `data-testid="confirm-quote"`)
	if i < 0 {
		t.Fatalf("no quote on the confirmation:\n%s", body)
	}
	q := body[i:]
	return q[:strings.Index(q, "</figure>")]
}
