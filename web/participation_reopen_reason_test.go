package web

import (
	"encoding/json"
	"fmt"
	"html"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"

	"cityhub/identity"
	"cityhub/money"
	"cityhub/participation"
)

// reopenReasonRefusals are reopening reasons each refused for its own
// reason: none, too long, holding a text direction override.
var reopenReasonRefusals = []struct{ reason, want string }{
	{"   ", "reason_required"},
	{strings.Repeat("a", participation.MaxNoteLen+1), "reason_too_long"},
	{"The hole is back \u202eniaga", "reason_invisible_characters"},
}

// The API refuses a reopening's reason that is blank, too long or holds
// invisible characters each with its own reason in problem+json, and the
// report stays fixed.
func TestReopenReasonRefusalsAPI(t *testing.T) {
	t.Parallel()
	_, env := newTestServer(t, "sqlite", withParticipation)
	cit, staff := env.login(t, identity.RoleCitizen), env.login(t, identity.RoleCityStaff)
	rep := createReportAPI(t, env, cit, `{"category":"pothole","located":true,"lat":41.1307,"lon":14.776,"description":"A deep hole in the road"}`)
	wantOK(t, env.do(t, "PUT", "/api/v1/staff/reports/"+rep.ID+"/status", staff, `{"status":"fixed","note":"Filled."}`))
	for _, tc := range reopenReasonRefusals {
		body, _ := json.Marshal(map[string]string{"reason": tc.reason})
		wantPartInvalid(t, "reopen "+tc.want, env.do(t, "POST", "/api/v1/reports/"+rep.ID+"/reopen", cit, string(body)), tc.want)
	}
	var v participation.ReportView
	decodeInto(t, wantOK(t, env.do(t, "GET", "/api/v1/reports/"+rep.ID+"/details", cit, "")), &v)
	if v.Report.Status != participation.StatusFixed {
		t.Fatalf("report after refused reopenings: %s, want fixed", v.Report.Status)
	}
}

// The report's page says, in its language, which is wrong with a refused
// reason, at the reason's field, the reason as typed kept; a reason too
// long is told the limit the check enforces.
func TestReopenReasonRefusalsPage(t *testing.T) {
	t.Parallel()
	_, env := newTestServer(t, "sqlite", withParticipation)
	srv := httptest.NewServer(env.Server)
	defer srv.Close()
	reporter, cit := env.account(t, identity.RoleCitizen)
	staff := env.login(t, identity.RoleCityStaff)
	rep := createReportAPI(t, env, cit, `{"category":"pothole","located":true,"lat":41.1307,"lon":14.776,"description":"A deep hole in the road"}`)
	wantOK(t, env.do(t, "PUT", "/api/v1/staff/reports/"+rep.ID+"/status", staff, `{"status":"fixed","note":"Filled."}`))
	// The words for a reason too long name the limit the check enforces,
	// as the language writes numbers ("1.000", "1,000").
	words := map[string]map[string]string{
		"it": {"reason_required": "Scrivi il motivo.", "reason_too_long": fmt.Sprintf("Il motivo è troppo lungo: al massimo %s caratteri.", money.Units(participation.MaxNoteLen, "it")),
			"reason_invisible_characters": "Il motivo contiene caratteri invisibili"},
		"en": {"reason_required": "Give the reason.", "reason_too_long": fmt.Sprintf("The reason is too long: at most %s characters.", money.Units(participation.MaxNoteLen, "en")),
			"reason_invisible_characters": "The reason holds invisible or control characters"},
	}
	for lang, want := range words {
		pc := pageIn(t, srv.URL, lang)
		if res := pc.Login(reporter.Email, testPassword); res.StatusCode != http.StatusSeeOther {
			t.Fatalf("login: %d", res.StatusCode)
		}
		csrf := pc.CSRF("/reports/" + rep.ID)
		for _, tc := range reopenReasonRefusals {
			res, body := pc.Post("/reports/"+rep.ID+"/reopen", url.Values{"csrf_token": {csrf}, "reason": {tc.reason}})
			problem := body[strings.Index(body, `id="reopen-problem"`)+1:]
			if res.StatusCode != http.StatusBadRequest || !strings.Contains(html.UnescapeString(problem[:strings.Index(problem, "</")]), want[tc.want]) ||
				!strings.Contains(body, `aria-describedby="reopen-problem"`) {
				t.Fatalf("%s, reason refused as %s: %d, want %q\n%s", lang, tc.want, res.StatusCode, want[tc.want], body)
			}
			if strings.TrimSpace(tc.reason) != "" && !strings.Contains(html.UnescapeString(body), tc.reason) {
				t.Fatalf("%s, reason refused as %s: the reason as typed is not kept", lang, tc.want)
			}
		}
	}
}
