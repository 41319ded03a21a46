package web

import (
	"fmt"
	"html"
	"net/http"
	"regexp"
	"slices"
	"strings"
	"testing"

	"cityhub/money"
	"cityhub/participation"
	"cityhub/store/storetest"
)

// The hidden comments on the moderation page come a page at a time
// (?limit= sets the page's size, as on the API), with a link to the next
// page while comments follow and one back to the first, where the page
// showed the oldest 1,000 with no way past them. A cursor the list never
// gave, or a page size outside its bounds, is a 400 page that links the
// first page of hidden comments.
func TestParticipationHiddenCommentsPagedPage(t *testing.T) {
	t.Parallel()
	for _, engine := range storetest.Engines {
		t.Run(engine, func(t *testing.T) {
			t.Parallel()
			adm, _, hidden := moderationQueue(t, engine, 0, 3)
			listed := regexp.MustCompile(`data-hidden-comment="(cmt_[A-Za-z0-9_-]+)"`)
			link := func(body, testid string) string {
				m := regexp.MustCompile(`href="([^"]*)" (?:rel="next" )?data-testid="` + testid + `"`).FindStringSubmatch(body)
				if m == nil {
					return ""
				}
				return html.UnescapeString(m[1])
			}
			page := func(path string) (ids []string, next, first string) {
				t.Helper()
				res, body := adm.Get(path)
				if res.StatusCode != http.StatusOK {
					t.Fatalf("%s: %d\n%s", path, res.StatusCode, body)
				}
				for _, m := range listed.FindAllStringSubmatch(body, -1) {
					ids = append(ids, m[1])
				}
				return ids, link(body, "hidden-next-page"), link(body, "hidden-first-page")
			}

			ids, next, first := page("/staff/comments?limit=2")
			if len(ids) != 2 || first != "" || !strings.HasPrefix(next, "/staff/comments?") || !strings.HasSuffix(next, "#hidden") || !strings.Contains(next, "limit=2") {
				t.Fatalf("first page: %v, next %q, first %q; want two comments and a link to the next page of two", ids, next, first)
			}
			more, next2, first := page(strings.TrimSuffix(next, "#hidden"))
			if len(more) != 1 || slices.Contains(ids, more[0]) || next2 != "" || first != "/staff/comments?limit=2#hidden" {
				t.Fatalf("second page: %v after %v, next %q, first %q; want the third comment, no next page, a link to the first", more, ids, next2, first)
			}
			all := append(ids, more...)
			slices.Sort(all)
			slices.Sort(hidden)
			if !slices.Equal(all, hidden) {
				t.Fatalf("the pages gave %v, want the hidden %v", all, hidden)
			}
			if ids, next, _ := page("/staff/comments"); len(ids) != 3 || next != "" {
				t.Fatalf("a page of the default size: %v, next %q; want the three, no next page", ids, next)
			}
			for _, path := range []string{"/staff/comments?cursor=zz", "/staff/comments?limit=0", fmt.Sprintf("/staff/comments?limit=%d", participation.MaxListLimit+1)} {
				res, body := adm.Get(path)
				if res.StatusCode != http.StatusBadRequest || !strings.Contains(body, `href="/staff/comments#hidden" data-testid="first-page">Vai alla prima pagina</a>`) {
					t.Errorf("%s: %d, want a 400 page linking the first page:\n%s", path, res.StatusCode, body)
				}
			}
			// A bad page size is named, with the sizes the list takes,
			// written as the language writes numbers.
			for _, path := range []string{"/staff/comments?limit=0", "/staff/comments?limit=abc", fmt.Sprintf("/staff/comments?limit=%d", participation.MaxListLimit+1)} {
				res, body := adm.Get(path)
				if want := fmt.Sprintf("numero intero da 1 a %s", money.Units(participation.MaxListLimit, "it")); res.StatusCode != http.StatusBadRequest || !strings.Contains(body, want) {
					t.Errorf("%s: %d, want a 400 page saying %q:\n%s", path, res.StatusCode, want, body)
				}
			}
		})
	}
}
