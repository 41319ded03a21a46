package web

import (
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"

	"cityhub/identity"
	"cityhub/participation"
	"cityhub/store/storetest"
)

// The public reports, filtered, refuse a cursor the list never gave, on
// the API (400 bad_cursor, as a cursor naming nothing) and on the page
// (the 400 page linking the first page with the filters kept), where any
// report paged them from where it stood: another category's report,
// another contrada's, one that never had the status asked for. A report
// the list gave still pages once its status moved on: fixed and reopened,
// in the fixed ones.
func TestPublicReportsRefuseACursorOutsideTheirFilters(t *testing.T) {
	t.Parallel()
	for _, engine := range storetest.Engines {
		t.Run(engine, func(t *testing.T) {
			t.Parallel()
			_, env := newTestServer(t, engine, withParticipation)
			srv := httptest.NewServer(env.Server)
			defer srv.Close()
			svc, ctx := env.Deps.Participation.Service, t.Context()
			reporterAcc, reporter := env.account(t, identity.RoleCitizen)
			staffAcc, _ := env.account(t, identity.RoleCityStaff, "roads")
			staff := identity.Caller{AccountID: staffAcc.ID, Name: staffAcc.Name, Grants: []identity.Grant{{Role: identity.RoleCityStaff, Scope: "roads"}}}
			citizen := identity.Caller{AccountID: reporterAcc.ID, Name: reporterAcc.Name, Grants: []identity.Grant{{Role: identity.RoleCitizen}}}
			report := func(category string, lat, lon float64) participation.Report {
				t.Helper()
				r, err := svc.SubmitReport(ctx, citizen, participation.NewReport{Category: category, Located: true, Lat: lat, Lon: lon, Description: "Something to mend here."})
				if err != nil {
					t.Fatal(err)
				}
				return r
			}
			oldest, reopened := report("pothole", 41.1316, 14.7802), report("pothole", 41.1316, 14.7802)
			neverFixed, green := report("pothole", 41.1316, 14.7802), report("green", 41.1316, 14.7802)
			station := report("pothole", 41.1393, 14.7870)
			if station.Contrada == oldest.Contrada {
				t.Fatalf("the station and the arch share contrada %q", station.Contrada)
			}
			for _, id := range []string{oldest.ID, reopened.ID} {
				if _, err := svc.ChangeStatus(ctx, staff, id, participation.StatusFixed, "Filled."); err != nil {
					t.Fatal(err)
				}
			}
			if _, err := svc.Reopen(ctx, citizen, reopened.ID, "Still there."); err != nil {
				t.Fatal(err)
			}

			refused := []string{
				"category=pothole&cursor=" + green.ID,
				"status=fixed&cursor=" + neverFixed.ID,
				"contrada=" + url.QueryEscape(oldest.Contrada) + "&cursor=" + station.ID,
			}
			for _, q := range refused {
				if rec := env.do(t, "GET", "/api/v1/reports?"+q, reporter, ""); rec.Code != http.StatusBadRequest {
					t.Errorf("%s: %d, want 400 bad_cursor: %s", q, rec.Code, rec.Body)
				} else if p := wantProblem(t, rec, http.StatusBadRequest); p.Reason != "bad_cursor" {
					t.Errorf("%s: reason %q, want bad_cursor", q, p.Reason)
				}
			}
			var page struct{ Reports []participation.PublicReport }
			decodeInto(t, wantOK(t, env.do(t, "GET", "/api/v1/reports?status=fixed&cursor="+reopened.ID, "", "")), &page)
			if len(page.Reports) != 1 || page.Reports[0].ID != oldest.ID {
				t.Errorf("the fixed reports after one fixed and reopened: %+v, want %s alone", page.Reports, oldest.ID)
			}

			pc := pageIn(t, srv.URL, "en")
			for _, q := range refused {
				first := "/reports?" + strings.ReplaceAll(q[:strings.Index(q, "&cursor=")], "&", "&amp;")
				res, body := pc.Get("/reports?" + q)
				if res.StatusCode != http.StatusBadRequest || !strings.Contains(body, "This page link is no longer valid") ||
					!strings.Contains(body, `href="`+first+`" data-testid="first-page"`) {
					t.Errorf("/reports?%s: %d, want a 400 page linking %s:\n%s", q, res.StatusCode, first, body)
				}
			}
			res, body := pc.Get("/reports?status=fixed&cursor=" + reopened.ID)
			if res.StatusCode != http.StatusOK || !strings.Contains(body, `data-report="`+oldest.ID+`"`) || strings.Contains(body, `data-report="`+reopened.ID+`"`) {
				t.Errorf("the fixed reports' page after one fixed and reopened: %d\n%s", res.StatusCode, body)
			}
		})
	}
}
