package web

import (
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"
	"time"

	"cityhub/identity"
	"cityhub/participation"
)

// A fixed report's page offers its reporter the reopen form only while
// the reopen period runs; once it has passed, the form is gone rather than
// offered to be refused, and a reopen sent from a page opened before says
// why it was refused.
func TestReopenFormOnlyWithinThePeriod(t *testing.T) {
	t.Parallel()
	clock := &testClock{}
	clock.Set(time.Date(2026, 11, 2, 9, 0, 0, 0, time.UTC))
	_, env := newTestServer(t, "sqlite", withParticipation, func(env *testEnv, d *Deps) { d.Participation.Service.SetClock(clock.Now) })
	srv := httptest.NewServer(env.Server)
	defer srv.Close()
	reporter, cit := env.account(t, identity.RoleCitizen)
	staff := env.login(t, identity.RoleCityStaff)
	rep := createReportAPI(t, env, cit, `{"category":"pothole","located":true,"lat":41.1307,"lon":14.776,"description":"A deep hole in the road"}`)
	wantOK(t, env.do(t, "PUT", "/api/v1/staff/reports/"+rep.ID+"/status", staff, `{"status":"fixed","note":"Filled."}`))

	pc := pageIn(t, srv.URL, "en")
	if res := pc.Login(reporter.Email, testPassword); res.StatusCode != http.StatusSeeOther {
		t.Fatalf("login: %d", res.StatusCode)
	}
	form := `action="/reports/` + rep.ID + `/reopen"`
	if res, body := pc.Get("/reports/" + rep.ID); res.StatusCode != http.StatusOK || !strings.Contains(body, form) {
		t.Fatalf("a report fixed today: %d, without the reopen form", res.StatusCode)
	}
	csrf := pc.CSRF("/reports/" + rep.ID)
	clock.Set(clock.Now().Add(participation.DefaultReopenPeriod + time.Minute))
	if res, body := pc.Get("/reports/" + rep.ID); res.StatusCode != http.StatusOK || strings.Contains(body, form) {
		t.Fatalf("a report fixed longer ago than the period: %d, with the reopen form", res.StatusCode)
	}
	res, body := pc.Post("/reports/"+rep.ID+"/reopen", url.Values{"csrf_token": {csrf}, "reason": {"The hole is back."}})
	if res.StatusCode != http.StatusConflict || !strings.Contains(body, `data-testid="problem"`) || strings.Contains(body, form) {
		t.Fatalf("a reopen sent too late: %d\n%s", res.StatusCode, body)
	}
}
