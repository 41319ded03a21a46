package web

import (
	"html"
	"net/http"
	"net/url"
	"regexp"
	"slices"
	"strings"
	"testing"

	"cityhub/store/storetest"
)

// A moderator who hides a comment, keeps one (dismissing its flags) or
// shows a hidden one again from a later page of the moderation page comes
// back to that page, each list where it was, where they came back to the
// first pages: the forms post the page's place, the hiding's confirmation
// posts it on and links back there. The comment moderated has left its
// list, so the page holds the ones after it; a page it was the last of
// says no more follow, with the link to the first page, not that there
// are none.
func TestModerationReturnsToThePage(t *testing.T) {
	t.Parallel()
	for _, engine := range storetest.Engines {
		t.Run(engine, func(t *testing.T) {
			t.Parallel()
			adm, flagged, hidden := moderationQueue(t, engine, 4, 3)
			tok := adm.CSRF("/staff/comments")
			type page struct {
				flagged, hidden []string
				body            string
			}
			get := func(path string) page {
				t.Helper()
				res, body := adm.Get(path)
				if res.StatusCode != http.StatusOK {
					t.Fatalf("%s: %d\n%s", path, res.StatusCode, body)
				}
				var pg page
				for _, m := range regexp.MustCompile(`data-comment="(cmt_[A-Za-z0-9_-]+)"`).FindAllStringSubmatch(body, -1) {
					pg.flagged = append(pg.flagged, m[1])
				}
				for _, m := range regexp.MustCompile(`data-hidden-comment="(cmt_[A-Za-z0-9_-]+)"`).FindAllStringSubmatch(body, -1) {
					pg.hidden = append(pg.hidden, m[1])
				}
				pg.body = body
				return pg
			}
			link := func(body, testid string) string {
				m := regexp.MustCompile(`href="([^"]*)" (?:rel="next" )?data-testid="` + testid + `"`).FindStringSubmatch(body)
				if m == nil {
					t.Fatalf("no %s link:\n%s", testid, body)
				}
				return html.UnescapeString(m[1])
			}
			// form is what the form of action on the comment's card posts
			// besides its token, as the page wrote it.
			form := func(body, card, action string) url.Values {
				t.Helper()
				f := regexp.MustCompile(`(?s)<li class="card mb-3" ` + card + `>.*?</div></li>`).FindString(body)
				m := regexp.MustCompile(`<form method="post" action="[^"]*" class="d-inline">((?:<input [^>]*>)*)<button [^>]*data-action="` + action + `"`).FindStringSubmatch(f)
				if m == nil {
					t.Fatalf("no %s form on %s:\n%s", action, card, body)
				}
				v := url.Values{}
				for _, in := range regexp.MustCompile(`<input type="hidden" name="([^"]*)" value="([^"]*)">`).FindAllStringSubmatch(m[1], -1) {
					v.Add(html.UnescapeString(in[1]), html.UnescapeString(in[2]))
				}
				v.Set("csrf_token", tok)
				return v
			}
			post := func(path string, v url.Values) (int, string, string) {
				t.Helper()
				res, body := adm.Post(path, v)
				return res.StatusCode, res.Header.Get("Location"), body
			}

			// The queue's second page of two, the hidden comments' second
			// page of one.
			first := get("/staff/comments?flagged_limit=2&limit=1")
			second := link(first.body, "flagged-next-page")
			second = link(get(second).body, "hidden-next-page")
			at := get(strings.TrimSuffix(second, "#hidden"))
			if !slices.Equal(at.flagged, flagged[2:]) || !slices.Equal(at.hidden, hidden[1:2]) {
				t.Fatalf("the second pages: %v and %v, want %v and %v", at.flagged, at.hidden, flagged[2:], hidden[1:2])
			}
			place := url.Values{"flagged_cursor": {flagged[1]}, "flagged_limit": {"2"}, "cursor": {hidden[0]}, "limit": {"1"}}
			here := "/staff/comments?" + place.Encode()
			if f := form(at.body, `data-comment="`+flagged[2]+`"`, "keep"); f.Get("back") != here {
				t.Fatalf("the second pages' forms post back %q, want %q", f.Get("back"), here)
			}
			back := func(done, anchor string) string {
				q := url.Values{"done": {done}}
				for k, v := range place {
					q[k] = v
				}
				return "/staff/comments?" + q.Encode() + anchor
			}

			// Kept: back on the queue's second page, the next comment in
			// the kept one's place, the hidden comments' page as it was.
			code, loc, _ := post("/staff/comments/"+flagged[2], form(at.body, `data-comment="`+flagged[2]+`"`, "keep"))
			if code != http.StatusSeeOther || loc != back("kept", "") {
				t.Fatalf("keeping a comment of the second page: %d to %q, want %q", code, loc, back("kept", ""))
			}
			at = get(loc)
			if !slices.Equal(at.flagged, flagged[3:]) || !slices.Equal(at.hidden, hidden[1:2]) || !strings.Contains(at.body, `data-testid="done"`) {
				t.Fatalf("back after keeping: %v and %v, want %v and %v, and the keeping said\n%s", at.flagged, at.hidden, flagged[3:], hidden[1:2], at.body)
			}

			// Hidden, after its confirmation, which links back to the
			// page and posts its place on: back on a second page it was
			// the last of.
			code, _, body := post("/staff/comments/"+flagged[3], form(at.body, `data-comment="`+flagged[3]+`"`, "hide"))
			if code != http.StatusOK || !strings.Contains(body, `name="confirm" value="yes"`) || !strings.Contains(body, `href="`+html.EscapeString(here)+`"`) {
				t.Fatalf("the hiding's confirmation: %d, want one linking back to %q\n%s", code, here, body)
			}
			confirm := url.Values{"csrf_token": {tok}}
			for _, in := range regexp.MustCompile(`<input type="hidden" name="([^"]*)" value="([^"]*)">`).FindAllStringSubmatch(body, -1) {
				if in[1] != "csrf_token" {
					confirm.Add(html.UnescapeString(in[1]), html.UnescapeString(in[2]))
				}
			}
			code, loc, _ = post("/staff/comments/"+flagged[3], confirm)
			if code != http.StatusSeeOther || loc != back("hidden", "") {
				t.Fatalf("hiding a comment of the second page: %d to %q, want %q", code, loc, back("hidden", ""))
			}
			at = get(loc)
			if len(at.flagged) != 0 || !slices.Equal(at.hidden, hidden[1:2]) ||
				!strings.Contains(at.body, `data-testid="flagged-page-empty">Nessun altro commento segnalato dopo quelli delle pagine precedenti.</p>`) ||
				strings.Contains(at.body, "Nessun commento segnalato.") || link(at.body, "flagged-first-page") != "/staff/comments?cursor="+hidden[0]+"&flagged_limit=2&limit=1" {
				t.Fatalf("back on a page whose comments are all moderated: %v and %v\n%s", at.flagged, at.hidden, at.body)
			}

			// Shown again: back on the hidden comments' second page, the
			// next hidden comment in its place.
			code, loc, _ = post("/staff/comments/"+hidden[1]+"/show", form(at.body, `data-hidden-comment="`+hidden[1]+`"`, "show"))
			if code != http.StatusSeeOther || loc != back("shown", "#hidden") {
				t.Fatalf("showing a comment of the second page: %d to %q, want %q", code, loc, back("shown", "#hidden"))
			}
			at = get(strings.TrimSuffix(loc, "#hidden"))
			if !slices.Equal(at.hidden, hidden[2:]) || len(at.flagged) != 0 {
				t.Fatalf("back after showing: %v and %v, want %v and none", at.flagged, at.hidden, hidden[2:])
			}
		})
	}
}
