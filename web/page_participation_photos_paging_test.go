package web

import (
	"context"
	"fmt"
	"html"
	"net/http"
	"net/http/httptest"
	"net/url"
	"regexp"
	"slices"
	"strings"
	"testing"

	"cityhub/identity"
	"cityhub/participation"
	"cityhub/store/storetest"
	"cityhub/web/webtest"
)

// The photos awaiting moderation come a page at a time (?limit= sets the
// page's size, as on the moderation of comments and on the API), with a
// link to the next page while photos follow and one back to the first,
// where the page showed the oldest 100 with no way past them. Read two at
// a time, every photo comes once, also with the first page's last photo
// approved before the next page is read; a photo approved or hidden from a
// page goes back to that page. The reports queue shows how many photos
// wait, counted. A cursor the list never gave, or a page size outside its
// bounds, is a 400 page that links the list's first page.
func TestParticipationPendingPhotosPagedPage(t *testing.T) {
	t.Parallel()
	for _, engine := range storetest.Engines {
		t.Run(engine, func(t *testing.T) {
			t.Parallel()
			_, env := newTestServer(t, engine, withParticipation)
			srv := httptest.NewServer(env.Server)
			defer srv.Close()
			svc, ctx := env.Deps.Participation.Service, context.Background()
			annaAcc, _ := env.account(t, identity.RoleCitizen)
			staffAcc, _ := env.account(t, identity.RoleCityStaff, "roads")
			anna := identity.Caller{AccountID: annaAcc.ID, Name: annaAcc.Name, Grants: []identity.Grant{{Role: identity.RoleCitizen}}}
			roads := identity.Caller{AccountID: staffAcc.ID, Grants: []identity.Grant{{Role: identity.RoleCityStaff, Scope: "roads"}}}
			jpeg := []byte{0xff, 0xd8, 0xff, 0xd9}
			// Five photos, two reports of two and one of one: the
			// pages of two split a report's photos.
			for i, count := range []int{2, 2, 1} {
				n := participation.NewReport{Category: "pothole", Located: true, Lat: 41.1307, Lon: 14.776, Description: fmt.Sprintf("Hole number %d here.", i)}
				for range count {
					n.Photos = append(n.Photos, participation.Photo{Width: 1, Height: 1, Image: jpeg, Thumbnail: jpeg})
				}
				if _, err := svc.SubmitReport(ctx, anna, n); err != nil {
					t.Fatal(err)
				}
			}
			all, err := svc.PendingPhotos(ctx, roads, "", 0)
			if err != nil || len(all) != 5 {
				t.Fatalf("pending photos: %d, %v; want 5", len(all), err)
			}
			var want []string
			for _, p := range all {
				want = append(want, p.ID)
			}

			staff := webtest.SignedIn(t, srv.URL, staffAcc.Email, testPassword)
			listed := regexp.MustCompile(`data-photo="(pho_[A-Za-z0-9_-]+)"`)
			backs := regexp.MustCompile(`name="back" value="([^"]*)"`)
			link := func(body, testid string) string {
				m := regexp.MustCompile(`href="([^"]*)" (?:rel="next" )?data-testid="` + testid + `"`).FindStringSubmatch(body)
				if m == nil {
					return ""
				}
				return html.UnescapeString(m[1])
			}
			page := func(path string) (ids []string, next, first string) {
				t.Helper()
				res, body := staff.Get(path)
				if res.StatusCode != http.StatusOK {
					t.Fatalf("%s: %d\n%s", path, res.StatusCode, body)
				}
				for _, m := range listed.FindAllStringSubmatch(body, -1) {
					ids = append(ids, m[1])
				}
				// Each photo's forms come back to this page.
				for _, m := range backs.FindAllStringSubmatch(body, -1) {
					if back := html.UnescapeString(m[1]); back != path {
						t.Fatalf("%s: a form goes back to %q, want this page", path, back)
					}
				}
				return ids, link(body, "photos-next-page"), link(body, "photos-first-page")
			}
			moderate := func(from, id, state string) {
				t.Helper()
				form := url.Values{"csrf_token": {staff.CSRF(from)}, "state": {state}, "back": {from}, "confirm": {"yes"}}
				res, body := staff.Post("/staff/photos/"+id, form)
				if res.StatusCode != http.StatusSeeOther || res.Header.Get("Location") != from {
					t.Fatalf("%s %s from %s: %d to %q, want back to the page\n%s", state, id, from, res.StatusCode, res.Header.Get("Location"), body)
				}
			}

			const firstPage = "/staff/reports/photos?limit=2"
			ids, next, first := page(firstPage)
			wantNext := "/staff/reports/photos?" + url.Values{"cursor": {want[1]}, "limit": {"2"}}.Encode()
			if !slices.Equal(ids, want[:2]) || first != "" || next != wantNext {
				t.Fatalf("first page: %v, next %q, first %q; want %v and a link to the next page of two", ids, next, first, want[:2])
			}
			// The first page's last photo is approved: the next page
			// still starts after it.
			moderate(firstPage, ids[1], participation.PhotoApproved)
			second := next
			more, next, first := page(second)
			if !slices.Equal(more, want[2:4]) || first != firstPage || next == "" {
				t.Fatalf("second page: %v, next %q, first %q; want %v, a next page and a link to the first", more, next, first, want[2:4])
			}
			lastPage := next
			last, next, first := page(lastPage)
			if !slices.Equal(last, want[4:]) || next != "" || first != firstPage {
				t.Fatalf("last page: %v, next %q, first %q; want %v, no next page, a link to the first", last, next, first, want[4:])
			}
			if seen := slices.Concat(ids, more, last); !slices.Equal(seen, want) {
				t.Fatalf("the pages gave %v, want each of %v once", seen, want)
			}
			// A photo hidden from the second page goes back to it, which
			// now lists the photos after it.
			moderate(second, more[0], participation.PhotoHidden)
			if got, next, _ := page(second); !slices.Equal(got, want[3:]) || next != "" {
				t.Fatalf("second page again: %v, next %q; want %v and no next page", got, next, want[3:])
			}
			if got, next, _ := page("/staff/reports/photos"); !slices.Equal(got, []string{want[0], want[3], want[4]}) || next != "" {
				t.Fatalf("a page of the default size: %v, next %q; want the three still pending", got, next)
			}
			if _, body := staff.Get("/staff/reports"); !strings.Contains(body, `data-testid="pending-photos">Foto da verificare: 3</a>`) {
				t.Fatalf("the queue does not say three photos wait:\n%s", body)
			}
			// The last page's photo approved from it, the page says that
			// none follows those of the earlier pages, which still hold
			// two, not that no photo waits.
			moderate(lastPage, last[0], participation.PhotoApproved)
			if _, body := staff.Get(lastPage); !strings.Contains(body, `data-testid="photos-page-empty">Nessun&#39;altra foto da verificare dopo quelle delle pagine precedenti.</p>`) ||
				strings.Contains(body, "Nessuna foto da verificare.") {
				t.Fatalf("a later page emptied says no photo waits:\n%s", body)
			}

			for _, path := range []string{"/staff/reports/photos?cursor=zz", "/staff/reports/photos?limit=0", "/staff/reports/photos?limit=abc",
				fmt.Sprintf("/staff/reports/photos?limit=%d", participation.MaxListLimit+1)} {
				res, body := staff.Get(path)
				if res.StatusCode != http.StatusBadRequest || !strings.Contains(body, `href="/staff/reports/photos" data-testid="first-page">Vai alla prima pagina</a>`) {
					t.Errorf("%s: %d, want a 400 page linking the first page:\n%s", path, res.StatusCode, body)
				}
			}
		})
	}
}
