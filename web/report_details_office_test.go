package web

import (
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"cityhub/identity"
	"cityhub/participation"
	"cityhub/store/storetest"
	"cityhub/web/webtest"
)

// Staff of another office reading a report whole get what its office's
// page gives them: 403 not_your_office, on GET /api/v1/reports/{id}/details
// as on /staff/reports/{id}, as the docs say of another office's report,
// where the API answered 404 report_not_found for a report anyone can read
// at /api/v1/reports/{id}. A report that does not exist is 404 to them on
// both, and a citizen who is not its reporter is answered as for one that
// does not exist. The report's office and administrators read it.
func TestAnotherOfficesReportIsRefusedAlikeOnAPIAndPage(t *testing.T) {
	t.Parallel()
	for _, engine := range storetest.Engines {
		t.Run(engine, func(t *testing.T) {
			t.Parallel()
			_, env := newTestServer(t, engine, withParticipation)
			cit, other := env.login(t, identity.RoleCitizen), env.login(t, identity.RoleCitizen)
			roads := env.login(t, identity.RoleCityStaff, "roads")
			parksAcc, parks := env.account(t, identity.RoleCityStaff, "parks")
			admin := env.login(t, identity.RoleAdmin)
			rep := createReportAPI(t, env, cit, partPotholeJSON)
			details := "/api/v1/reports/" + rep.ID + "/details"

			p := wantProblem(t, env.do(t, "GET", details, parks, ""), http.StatusForbidden)
			if p.Reason != "not_your_office" || strings.Contains(p.Detail, "No such") {
				t.Fatalf("details of another office's report: %+v; want 403 not_your_office", p)
			}
			if p := wantProblem(t, env.do(t, "GET", "/api/v1/reports/rep_nosuchreport/details", parks, ""), http.StatusNotFound); p.Reason != "report_not_found" {
				t.Fatalf("details of no report for staff: %+v", p)
			}
			missing := wantProblem(t, env.do(t, "GET", "/api/v1/reports/rep_nosuchreport/details", other, ""), http.StatusNotFound)
			if p := wantProblem(t, env.do(t, "GET", details, other, ""), http.StatusNotFound); p.Reason != missing.Reason || p.Detail != missing.Detail {
				t.Fatalf("details for another citizen: %+v; want the answer for no report %+v", p, missing)
			}
			for _, who := range []string{cit, roads, admin} {
				var v participation.ReportView
				decodeInto(t, wantOK(t, env.do(t, "GET", details, who, "")), &v)
				if v.Report.ID != rep.ID {
					t.Fatalf("details: %+v", v.Report)
				}
			}

			srv := httptest.NewServer(env.Server)
			defer srv.Close()
			pc := webtest.SignedIn(t, srv.URL, parksAcc.Email, testPassword)
			res, body := pc.Get("/staff/reports/" + rep.ID)
			if res.StatusCode != http.StatusForbidden || !strings.Contains(body, "È di competenza di un altro ufficio") {
				t.Fatalf("the office's page of another office's report: %d\n%s", res.StatusCode, body)
			}
			if res, _ := pc.Get("/staff/reports/rep_nosuchreport"); res.StatusCode != http.StatusNotFound {
				t.Fatalf("the office's page of no report: %d, want 404", res.StatusCode)
			}
		})
	}
}
