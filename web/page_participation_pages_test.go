package web

import (
	"fmt"
	"html"
	"net/http"
	"net/http/httptest"
	"regexp"
	"testing"

	"cityhub/identity"
	"cityhub/participation"
	"cityhub/store/storetest"
	"cityhub/web/webtest"
)

// nextLink is the href of a page's link to the next page of its list.
var nextLink = regexp.MustCompile(`<a href="([^"]+)" rel="next"`)

// TestParticipationPagesEndWithoutAnEmptyPage: a list page whose items
// fill the list's last page exactly links to no next page (it would be
// empty); one item more and it does, to a page that holds it. The lists:
// the public reports (100 a page), a citizen's own (50), the proposals
// (50), a proposal's comments (100) and an office's queue (200).
func TestParticipationPagesEndWithoutAnEmptyPage(t *testing.T) {
	t.Parallel()
	for _, engine := range storetest.Engines {
		t.Run(engine, func(t *testing.T) {
			var svc *participation.Service
			_, env := newTestServer(t, engine, withParticipation, func(env *testEnv, d *Deps) { svc = d.Participation.Service })
			srv := httptest.NewServer(env.Server)
			defer srv.Close()
			ctx := t.Context()
			annaAcc, _ := env.account(t, identity.RoleCitizen)
			anna := webtest.SignedIn(t, srv.URL, annaAcc.Email, testPassword)
			citizen := identity.Caller{AccountID: annaAcc.ID, Name: annaAcc.Name, Grants: []identity.Grant{{Role: identity.RoleCitizen}}}

			target, err := svc.CreateProposal(ctx, citizen, participation.NewProposal{Title: "Benches by the river", Body: "Benches along the river walk, please."})
			if err != nil {
				t.Fatal(err)
			}
			reports, proposals, comments := 0, 1, 0
			addReport := func() {
				t.Helper()
				reports++
				if _, err := svc.SubmitReport(ctx, citizen, participation.NewReport{Category: "pothole", Located: true, Lat: 41.1307, Lon: 14.776,
					Description: fmt.Sprintf("Hole number %d here.", reports)}); err != nil {
					t.Fatal(err)
				}
			}
			addProposal := func() {
				t.Helper()
				proposals++
				if _, err := svc.CreateProposal(ctx, citizen, participation.NewProposal{Title: fmt.Sprintf("Proposal %d", proposals), Body: "Trees along the avenue, please."}); err != nil {
					t.Fatal(err)
				}
			}
			addComment := func() {
				t.Helper()
				comments++
				if _, err := svc.AddComment(ctx, citizen, target.ID, fmt.Sprintf("Comment number %d.", comments)); err != nil {
					t.Fatal(err)
				}
			}
			// next is the path page links to as its next, "" when none.
			next := func(path string) string {
				t.Helper()
				res, body := anna.Get(path)
				if res.StatusCode != http.StatusOK {
					t.Fatalf("%s: %d", path, res.StatusCode)
				}
				m := nextLink.FindStringSubmatch(body)
				if m == nil {
					return ""
				}
				return html.UnescapeString(m[1])
			}
			// Exactly full: the public reports one page, a citizen's own two.
			for reports < 100 {
				addReport()
			}
			for proposals < 50 {
				addProposal()
			}
			for comments < 100 {
				addComment()
			}
			mine := next("/reports/mine")
			if mine == "" {
				t.Fatal("/reports/mine, 100 reports: no link to the second page of 50")
			}
			for _, path := range []string{"/reports", mine, "/proposals", "/proposals/" + target.ID} {
				if n := next(path); n != "" {
					t.Errorf("%s, its last page exactly full, links to %s", path, n)
				}
			}

			// One more of each: the same pages link to a page that has it.
			// The lists are newest first but for the comments: the second
			// page of a citizen's own starts after the first's last again.
			addReport()
			addProposal()
			addComment()
			if mine = next("/reports/mine"); mine == "" {
				t.Fatal("/reports/mine, 101 reports: no link to the second page")
			}
			for _, c := range []struct{ path, item string }{
				{"/reports", "data-report="}, {mine, "data-report="}, {"/proposals", "/proposals/prp_"}, {"/proposals/" + target.ID, "data-comment="},
			} {
				n := next(c.path)
				if n == "" {
					t.Errorf("%s, one item more than its pages hold, links to no next page", c.path)
					continue
				}
				if _, body := anna.Get(n); !regexp.MustCompile(regexp.QuoteMeta(c.item)).MatchString(body) {
					t.Errorf("%s links to %s, which lists nothing", c.path, n)
				}
			}

			// An office's queue (200 a page), read by its staff: exactly
			// full, no next page; one more, a page that has it.
			staffAcc, _ := env.account(t, identity.RoleCityStaff, "roads")
			staff := webtest.SignedIn(t, srv.URL, staffAcc.Email, testPassword)
			queueNext := func() string {
				t.Helper()
				res, body := staff.Get("/staff/reports?office=roads")
				if res.StatusCode != http.StatusOK {
					t.Fatalf("the queue: %d", res.StatusCode)
				}
				if m := nextLink.FindStringSubmatch(body); m != nil {
					return html.UnescapeString(m[1])
				}
				return ""
			}
			for reports < 200 {
				addReport()
			}
			if n := queueNext(); n != "" {
				t.Errorf("the queue, its 200 reports one page exactly, links to %s", n)
			}
			addReport()
			n := queueNext()
			if n == "" {
				t.Fatal("the queue, 201 reports: no link to a second page")
			}
			if _, body := staff.Get(n); !regexp.MustCompile("data-report=").MatchString(body) {
				t.Errorf("the queue links to %s, which lists nothing", n)
			}
		})
	}
}
