package web

import (
	"net/http"
	"net/http/httptest"
	"testing"

	"cityhub/identity"
	"cityhub/participation"
	"cityhub/web/webtest"
)

// roadsDesk is a hub with participation, a citizen who reports, and staff
// of the roads office who work the reports on their pages.
type roadsDesk struct {
	env        *testEnv
	srv        *httptest.Server
	svc        *participation.Service
	citizen    identity.Caller
	citizenAcc identity.Account
	staffAcc   identity.Account
	staff      identity.Caller
}

func newRoadsDesk(t *testing.T) *roadsDesk {
	t.Helper()
	d := &roadsDesk{}
	_, d.env = newTestServer(t, "sqlite", withParticipation, func(env *testEnv, deps *Deps) { d.svc = deps.Participation.Service })
	d.srv = httptest.NewServer(d.env.Server)
	t.Cleanup(d.srv.Close)
	d.citizenAcc, _ = d.env.account(t, identity.RoleCitizen)
	d.citizen = identity.Caller{AccountID: d.citizenAcc.ID, Name: d.citizenAcc.Name, Grants: []identity.Grant{{Role: identity.RoleCitizen}}}
	d.staffAcc, _ = d.env.account(t, identity.RoleCityStaff, "roads")
	d.staff = identity.Caller{AccountID: d.staffAcc.ID, Grants: []identity.Grant{{Role: identity.RoleCityStaff, Scope: "roads"}}}
	return d
}

// pothole is the citizen's report of a pothole by the arch, described so.
func (d *roadsDesk) pothole(t *testing.T, description string, publicName bool) participation.Report {
	t.Helper()
	rep, err := d.svc.SubmitReport(t.Context(), d.citizen, participation.NewReport{Category: "pothole", Located: true, Lat: 41.1307, Lon: 14.776,
		Description: description, PublicName: publicName})
	if err != nil {
		t.Fatal(err)
	}
	return rep
}

// staffPages is the office's staff signed in, reading pages in lang.
func (d *roadsDesk) staffPages(t *testing.T, lang string) *webtest.PageClient {
	t.Helper()
	pc := pageIn(t, d.srv.URL, lang)
	if res := pc.Login(d.staffAcc.Email, testPassword); res.StatusCode != http.StatusSeeOther {
		t.Fatalf("login: %d", res.StatusCode)
	}
	return pc
}
