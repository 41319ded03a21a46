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
	"cityhub/web/webtest"
)

// changeKinds counts a report's recorded changes by kind, read through
// GET /api/v1/reports/{id}/details with auth.
func changeKinds(t *testing.T, env *testEnv, auth, id string) map[string]int {
	t.Helper()
	var v participation.ReportView
	decodeInto(t, wantOK(t, env.do(t, "GET", "/api/v1/reports/"+id+"/details", auth, "")), &v)
	out := map[string]int{}
	for _, ch := range v.Changes {
		out[ch.Kind]++
	}
	return out
}

// Showing a report never hidden, hiding a hidden one, approving an
// approved photo: on the API and on the office's pages each is answered as
// the first was and records nothing, where each added an entry the
// reporter read on their page ("dati personali nascosti al pubblico", "foto
// 1 approvata") and a redaction moved the report's updated_at. The
// redaction form's hide is one of its choices: another value, or two, is
// refused with the report shown again and words that say so, and nothing
// changes, where "maybe" was read as "show again" and recorded.
func TestModerationThatChangesNothingRecordsNothing(t *testing.T) {
	t.Parallel()
	for _, engine := range storetest.Engines {
		t.Run(engine, func(t *testing.T) {
			t.Parallel()
			_, env := newTestServer(t, engine, withParticipation)
			citAcc, cit := env.account(t, identity.RoleCitizen)
			staffAcc, staff := env.account(t, identity.RoleCityStaff)
			other := env.login(t, identity.RoleCityStaff)

			res := env.doMultipart(t, "/api/v1/reports", cit, map[string]string{"category": "pothole", "lat": "41.1307", "lon": "14.776",
				"description": "A deep hole by the bus stop"}, testPhoto(t))
			if res.Code != http.StatusCreated {
				t.Fatalf("create report: %d %s", res.Code, res.Body)
			}
			var rep participation.Report
			decodeInto(t, res, &rep)
			var v participation.ReportView
			decodeInto(t, wantOK(t, env.do(t, "GET", "/api/v1/reports/"+rep.ID+"/details", cit, "")), &v)
			photoID := v.Photos[0].ID
			redacted := "/api/v1/staff/reports/" + rep.ID + "/redacted"

			var shown participation.Report
			decodeInto(t, wantOK(t, env.do(t, "PUT", redacted, staff, `{"redacted":false}`)), &shown)
			if shown.Redacted || !shown.UpdatedAt.Equal(rep.UpdatedAt) {
				t.Fatalf("a report never hidden shown again: redacted %v, updated at %v; want shown, left at %v", shown.Redacted, shown.UpdatedAt, rep.UpdatedAt)
			}
			if k := changeKinds(t, env, staff, rep.ID); k[participation.ChangeRedacted] != 0 {
				t.Fatalf("changes after showing a report never hidden: %v", k)
			}
			var first participation.Report
			for i, who := range []string{staff, other, staff} {
				var got participation.Report
				decodeInto(t, wantOK(t, env.do(t, "PUT", redacted, who, `{"redacted":true}`)), &got)
				if i == 0 {
					first = got
				}
				if !got.Redacted || !got.UpdatedAt.Equal(first.UpdatedAt) {
					t.Fatalf("hiding %d: %+v; want it hidden as the first hiding answered (%v)", i+1, got, first.UpdatedAt)
				}
			}
			state := "/api/v1/staff/photos/" + photoID + "/state"
			for range 4 {
				if body := wantOK(t, env.do(t, "PUT", state, staff, `{"state":"approved"}`)).Body.String(); strings.TrimSpace(body) != `{"id":"`+photoID+`","state":"approved"}` {
					t.Fatalf("approval: %s", body)
				}
			}
			if k := changeKinds(t, env, staff, rep.ID); k[participation.ChangeRedacted] != 1 || k[participation.ChangePhoto] != 1 {
				t.Fatalf("changes after three hidings and four approvals: %v; want one of each", k)
			}

			// The office's pages: the report hidden already, "no" shows it
			// again once; "maybe", nothing and "no" twice are refused; the
			// photo approved again changes nothing.
			srv := httptest.NewServer(env.Server)
			defer srv.Close()
			pc := webtest.SignedIn(t, srv.URL, staffAcc.Email, testPassword)
			page := "/staff/reports/" + rep.ID
			for _, hide := range [][]string{{"maybe"}, {}, {"no", "no"}, {"yes", "no"}} {
				form := url.Values{"csrf_token": {pc.CSRF(page)}, "confirm": {"yes"}}
				if len(hide) > 0 {
					form["hide"] = hide
				}
				res, body := pc.Post(page+"/redact", form)
				if res.StatusCode != http.StatusBadRequest || !strings.Contains(body, "Scegli se nascondere o mostrare di nuovo i dati personali") ||
					!strings.Contains(body, `data-testid="status"`) {
					t.Fatalf("the redaction form with hide %q: %d\n%s", hide, res.StatusCode, body)
				}
			}
			if k := changeKinds(t, env, staff, rep.ID); k[participation.ChangeRedacted] != 1 {
				t.Fatalf("changes after refused redactions: %v; want the one hiding", k)
			}
			for range 2 {
				res, body := pc.Post(page+"/redact", url.Values{"csrf_token": {pc.CSRF(page)}, "hide": {"no"}})
				if res.StatusCode != http.StatusSeeOther || res.Header.Get("Location") != page+"?done=redacted" {
					t.Fatalf("show again: %d %s\n%s", res.StatusCode, res.Header.Get("Location"), body)
				}
			}
			res2, body := pc.Post("/staff/photos/"+photoID, url.Values{"csrf_token": {pc.CSRF(page)}, "state": {"approved"}, "back": {page}})
			if res2.StatusCode != http.StatusSeeOther || res2.Header.Get("Location") != page {
				t.Fatalf("approve again on the page: %d %s\n%s", res2.StatusCode, res2.Header.Get("Location"), body)
			}
			if k := changeKinds(t, env, staff, rep.ID); k[participation.ChangeRedacted] != 2 || k[participation.ChangePhoto] != 1 {
				t.Fatalf("changes after the pages: %v; want two redactions (hidden, shown) and one photo", k)
			}

			// The reporter's page tells each change once.
			own := webtest.SignedIn(t, srv.URL, citAcc.Email, testPassword)
			_, mine := own.Get("/reports/" + rep.ID)
			if n := strings.Count(mine, "dati personali nascosti al pubblico") + strings.Count(mine, "dati personali mostrati di nuovo al pubblico"); n != 2 {
				t.Fatalf("the reporter's page tells %d redactions, want 2:\n%s", n, mine)
			}
			if n := strings.Count(mine, "foto 1 approvata"); n != 1 {
				t.Fatalf("the reporter's page tells %d photo checks, want 1:\n%s", n, mine)
			}
		})
	}
}
