package web

import (
	"fmt"
	"html"
	"net/http"
	"regexp"
	"slices"
	"strings"
	"testing"

	"cityhub/participation"
	"cityhub/store/storetest"
)

// The moderators' queue of flagged comments comes a page at a time
// (?flagged_limit= sets the page's size, as ?limit= on the API), with a
// link to the next page while comments follow and one back to the first,
// where the page showed the oldest 1,000 with no way past them. The
// queue's links keep the hidden comments' place, and the hidden comments'
// links the queue's. A cursor the queue never gave, or a page size outside
// its bounds, is a 400 page that links the queue's first page.
func TestParticipationFlaggedCommentsPagedPage(t *testing.T) {
	t.Parallel()
	for _, engine := range storetest.Engines {
		t.Run(engine, func(t *testing.T) {
			t.Parallel()
			adm, flagged, hidden := moderationQueue(t, engine, 3, 3)
			listed := regexp.MustCompile(`data-comment="(cmt_[A-Za-z0-9_-]+)"`)
			link := func(body, testid string) string {
				m := regexp.MustCompile(`href="([^"]*)" (?:rel="next" )?data-testid="` + testid + `"`).FindStringSubmatch(body)
				if m == nil {
					return ""
				}
				return html.UnescapeString(m[1])
			}
			type links struct{ next, first, hiddenNext string }
			page := func(path string) (ids []string, l links) {
				t.Helper()
				res, body := adm.Get(path)
				if res.StatusCode != http.StatusOK {
					t.Fatalf("%s: %d\n%s", path, res.StatusCode, body)
				}
				for _, m := range listed.FindAllStringSubmatch(body, -1) {
					ids = append(ids, m[1])
				}
				return ids, links{link(body, "flagged-next-page"), link(body, "flagged-first-page"), link(body, "hidden-next-page")}
			}

			ids, l := page("/staff/comments?flagged_limit=2&limit=1")
			if len(ids) != 2 || l.first != "" || !strings.HasPrefix(l.next, "/staff/comments?") || !strings.Contains(l.next, "flagged_limit=2") || !strings.Contains(l.next, "flagged_cursor="+ids[1]) {
				t.Fatalf("first page: %v, %+v; want two comments and a link to the next page of two", ids, l)
			}
			// The queue's next page keeps the hidden comments' page size,
			// and the hidden comments' next page the queue's.
			if !strings.Contains(l.next, "&limit=1") || !strings.Contains(l.hiddenNext, "flagged_limit=2") || strings.Contains(l.hiddenNext, "flagged_cursor") {
				t.Fatalf("first page's links %+v: each list's links should keep the other list's place", l)
			}
			more, l2 := page(l.next)
			if len(more) != 1 || slices.Contains(ids, more[0]) || l2.next != "" || l2.first != "/staff/comments?flagged_limit=2&limit=1" {
				t.Fatalf("second page: %v after %v, %+v; want the third comment, no next page, a link to the first", more, ids, l2)
			}
			if !strings.Contains(l2.hiddenNext, "flagged_cursor="+ids[1]) {
				t.Fatalf("second page's link to the next hidden comments %q leaves the queue's page", l2.hiddenNext)
			}
			all := append(ids, more...)
			slices.Sort(all)
			slices.Sort(flagged)
			if !slices.Equal(all, flagged) {
				t.Fatalf("the pages gave %v, want the flagged %v", all, flagged)
			}
			if ids, l := page("/staff/comments"); len(ids) != 3 || l.next != "" {
				t.Fatalf("a page of the default size: %v, %+v; want the three, no next page", ids, l)
			}
			for _, path := range []string{"/staff/comments?flagged_cursor=zz", "/staff/comments?flagged_cursor=" + hidden[0] + "x",
				"/staff/comments?flagged_limit=0", fmt.Sprintf("/staff/comments?flagged_limit=%d", participation.MaxListLimit+1)} {
				res, body := adm.Get(path)
				if res.StatusCode != http.StatusBadRequest || !strings.Contains(body, `href="/staff/comments" data-testid="first-page">Vai alla prima pagina</a>`) {
					t.Errorf("%s: %d, want a 400 page linking the first page:\n%s", path, res.StatusCode, body)
				}
			}
		})
	}
}
