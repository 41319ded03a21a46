package web

import (
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"cityhub/identity"
	"cityhub/participation"
)

// The office's page of a report merged as a duplicate names the report it
// went into and links to that report's page for the office, as the
// reporter's page names it, so that staff reach the report being worked.
func TestStaffReportPageNamesTheReportADuplicateWentInto(t *testing.T) {
	t.Parallel()
	var svc *participation.Service
	_, env := newTestServer(t, "sqlite", withParticipation, func(env *testEnv, d *Deps) { svc = d.Participation.Service })
	srv := httptest.NewServer(env.Server)
	defer srv.Close()
	citizen, _ := env.account(t, identity.RoleCitizen)
	staffAcc, _ := env.account(t, identity.RoleCityStaff, "roads")
	staff := identity.Caller{AccountID: staffAcc.ID, Grants: []identity.Grant{{Role: identity.RoleCityStaff, Scope: "roads"}}}
	me := identity.Caller{AccountID: citizen.ID, Name: citizen.Name, Grants: []identity.Grant{{Role: identity.RoleCitizen}}}
	var reps []participation.Report
	for _, text := range []string{"A deep hole by the arch", "The same hole again"} {
		rep, err := svc.SubmitReport(t.Context(), me, participation.NewReport{Category: "pothole", Located: true, Lat: 41.1307, Lon: 14.776, Description: text})
		if err != nil {
			t.Fatal(err)
		}
		reps = append(reps, rep)
	}
	if _, err := svc.Merge(t.Context(), staff, reps[1].ID, reps[0].ID, ""); err != nil {
		t.Fatal(err)
	}
	pc := pageIn(t, srv.URL, "en")
	if res := pc.Login(staffAcc.Email, testPassword); res.StatusCode != http.StatusSeeOther {
		t.Fatalf("login: %d", res.StatusCode)
	}
	res, body := pc.Get("/staff/reports/" + reps[1].ID)
	link := `<a href="/staff/reports/` + reps[0].ID + `" data-testid="merged-into">`
	i := strings.Index(body, link)
	if res.StatusCode != http.StatusOK || i < 0 || !strings.Contains(body[i:i+strings.Index(body[i:], "</a>")], "A deep hole by the arch") ||
		!strings.Contains(body, "Duplicate of") {
		t.Fatalf("the duplicate's page for the office: %d, want a link %q naming the report it went into\n%s", res.StatusCode, link, body)
	}
	if _, body := pc.Get("/staff/reports/" + reps[0].ID); strings.Contains(body, `data-testid="merged-into"`) {
		t.Fatalf("the report worked names a report it went into:\n%s", body)
	}
}
