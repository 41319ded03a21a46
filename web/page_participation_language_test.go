package web

import (
	"fmt"
	"html"
	"net/http"
	"net/http/httptest"
	"net/url"
	"regexp"
	"strings"
	"testing"

	"cityhub/identity"
	"cityhub/participation"
	"cityhub/web/webtest"
)

// pageIn is a client that asks for the pages in lang, with the language
// switch's cookie.
func pageIn(t *testing.T, base, lang string) *webtest.PageClient {
	t.Helper()
	pc := webtest.NewPageClient(t, base)
	u, _ := url.Parse(base)
	pc.Client.Jar.SetCookies(u, []*http.Cookie{{Name: "cityhub_lang", Value: lang}})
	return pc
}

// The public status note of a reopened report (on its page) and the
// placeholder of a redacted one (on the list and its page) are in the
// page's language, for the public and for the reporter; the API keeps one
// stable text.
func TestParticipationPagesFixedTextsInPageLanguage(t *testing.T) {
	t.Parallel()
	_, env := newTestServer(t, "sqlite", withParticipation)
	srv := httptest.NewServer(env.Server)
	defer srv.Close()
	reporter, cit := env.account(t, identity.RoleCitizen)
	staffAcc, staff := env.account(t, identity.RoleCityStaff)

	reopened := createReportAPI(t, env, cit, `{"category":"pothole","located":true,"lat":41.1307,"lon":14.776,"description":"A deep hole in the road"}`)
	wantOK(t, env.do(t, "PUT", "/api/v1/staff/reports/"+reopened.ID+"/status", staff, `{"status":"fixed","note":"Filled."}`))
	wantOK(t, env.do(t, "POST", "/api/v1/reports/"+reopened.ID+"/reopen", cit, `{"reason":"The hole is back."}`))
	redacted := createReportAPI(t, env, cit, `{"category":"pothole","located":true,"lat":41.1308,"lon":14.776,"description":"Mario Rossi of Via Roma 3 left this hole"}`)
	wantOK(t, env.do(t, "PUT", "/api/v1/staff/reports/"+redacted.ID+"/redacted", staff, `{"redacted":true}`))

	var pub participation.PublicReport
	decodeInto(t, wantOK(t, env.do(t, "GET", "/api/v1/reports/"+redacted.ID, "", "")), &pub)
	if pub.Description != participation.RedactedText {
		t.Fatalf("API description of a redacted report %q, want %q", pub.Description, participation.RedactedText)
	}

	texts := map[string]struct{ note, other, redacted, otherRedacted string }{
		"it": {participation.ReopenedNote, participation.ReopenedNoteEN, participation.RedactedTextIT, participation.RedactedText},
		"en": {participation.ReopenedNoteEN, participation.ReopenedNote, participation.RedactedText, participation.RedactedTextIT},
	}
	esc := func(s string) string { return strings.ReplaceAll(s, "'", "&#39;") }
	for lang, want := range texts {
		anon := pageIn(t, srv.URL, lang)
		for _, path := range []string{"/reports/" + reopened.ID} {
			res, body := anon.Get(path)
			if res.StatusCode != http.StatusOK || !strings.Contains(body, esc(want.note)) || strings.Contains(body, esc(want.other)) {
				t.Fatalf("%s in %s: %d, want the note %q and not %q:\n%s", path, lang, res.StatusCode, want.note, want.other, body)
			}
		}
		for _, path := range []string{"/reports", "/reports/" + redacted.ID} {
			res, body := anon.Get(path)
			if res.StatusCode != http.StatusOK || !strings.Contains(body, want.redacted) || strings.Contains(body, want.otherRedacted) || strings.Contains(body, "Mario Rossi") {
				t.Fatalf("%s in %s: %d, want %q and not %q:\n%s", path, lang, res.StatusCode, want.redacted, want.otherRedacted, body)
			}
		}
		// The reporter reads their own note in the page's language too,
		// and their own words where the public reads the placeholder.
		own := pageIn(t, srv.URL, lang)
		if res := own.Login(reporter.Email, testPassword); res.StatusCode != http.StatusSeeOther {
			t.Fatalf("login: %d", res.StatusCode)
		}
		for _, path := range []string{"/reports/mine", "/reports/" + reopened.ID} {
			if _, body := own.Get(path); !strings.Contains(body, esc(want.note)) || strings.Contains(body, esc(want.other)) {
				t.Fatalf("reporter's %s in %s without the note %q:\n%s", path, lang, want.note, body)
			}
		}
		if _, body := own.Get("/reports/" + redacted.ID); !strings.Contains(body, "Mario Rossi") {
			t.Fatalf("reporter's redacted report in %s without their own words:\n%s", lang, body)
		}
		// The office's page of the reopened report: its note, and the
		// redacted report near it offered for a merge, in the page's
		// language.
		office := pageIn(t, srv.URL, lang)
		if res := office.Login(staffAcc.Email, testPassword); res.StatusCode != http.StatusSeeOther {
			t.Fatalf("staff login: %d", res.StatusCode)
		}
		res, body := office.Get("/staff/reports/" + reopened.ID)
		if res.StatusCode != http.StatusOK || !strings.Contains(body, esc(want.note)) || strings.Contains(body, esc(want.other)) ||
			!strings.Contains(body, want.redacted) || strings.Contains(body, want.otherRedacted) {
			t.Fatalf("the office's page of the reopened report in %s: %d, want %q and %q:\n%s", lang, res.StatusCode, want.note, want.redacted, body)
		}
	}
}

// A page cursor that names nothing is a 400 error page on the pages, as
// it is 400 bad_cursor on the API; a good one pages.
func TestParticipationPagesBadCursor(t *testing.T) {
	t.Parallel()
	_, env := newTestServer(t, "sqlite", withParticipation)
	srv := httptest.NewServer(env.Server)
	defer srv.Close()
	reporter, cit := env.account(t, identity.RoleCitizen)
	first := createReportAPI(t, env, cit, `{"category":"pothole","located":true,"lat":41.1307,"lon":14.776,"description":"A deep hole in the road"}`)
	second := createReportAPI(t, env, cit, `{"category":"pothole","located":true,"lat":41.1308,"lon":14.776,"description":"Another hole in the road"}`)
	if res := env.do(t, "GET", "/api/v1/reports?cursor=zz", "", ""); res.Code != http.StatusBadRequest {
		t.Fatalf("API with a bad cursor: %d", res.Code)
	}
	own := pageIn(t, srv.URL, "en")
	if res := own.Login(reporter.Email, testPassword); res.StatusCode != http.StatusSeeOther {
		t.Fatalf("login: %d", res.StatusCode)
	}
	for _, path := range []string{"/reports?cursor=zz", "/reports?status=open&cursor=zz", "/reports?before=zz", "/reports/mine?cursor=zz", "/proposals?cursor=zz"} {
		res, body := own.Get(path)
		if res.StatusCode != http.StatusBadRequest || !strings.HasPrefix(res.Header.Get("Content-Type"), "text/html") ||
			!strings.Contains(body, `data-status="400"`) || !strings.Contains(body, "This page link is no longer valid") {
			t.Fatalf("%s: %d, want a 400 error page:\n%s", path, res.StatusCode, body)
		}
	}
	// The page after the newest report holds the first one only.
	res, body := own.Get("/reports?cursor=" + second.ID)
	if res.StatusCode != http.StatusOK || !strings.Contains(body, `data-report="`+first.ID+`"`) || strings.Contains(body, `data-report="`+second.ID+`"`) {
		t.Fatalf("page after %s: %d\n%s", second.ID, res.StatusCode, body)
	}
	res, body = own.Get("/reports/mine?cursor=" + second.ID)
	if res.StatusCode != http.StatusOK || !strings.Contains(body, `data-report="`+first.ID+`"`) || strings.Contains(body, `data-report="`+second.ID+`"`) {
		t.Fatalf("my reports after %s: %d\n%s", second.ID, res.StatusCode, body)
	}
}

// Staff asking for another office's queue get a 403 page that speaks of
// the queue, in the page's language.
func TestParticipationQueuePageOfAnotherOffice(t *testing.T) {
	t.Parallel()
	_, env := newTestServer(t, "sqlite", withParticipation)
	srv := httptest.NewServer(env.Server)
	defer srv.Close()
	acc, _ := env.account(t, identity.RoleCityStaff, "roads")
	for lang, want := range map[string]string{"en": "This queue is for the staff of its office", "it": "Questa coda è per il personale del suo ufficio"} {
		pc := pageIn(t, srv.URL, lang)
		if res := pc.Login(acc.Email, testPassword); res.StatusCode != http.StatusSeeOther {
			t.Fatalf("login: %d", res.StatusCode)
		}
		if res, body := pc.Get("/staff/reports?office=roads"); res.StatusCode != http.StatusOK {
			t.Fatalf("own queue: %d\n%s", res.StatusCode, body)
		}
		res, body := pc.Get("/staff/reports?office=parks")
		if res.StatusCode != http.StatusForbidden || !strings.Contains(body, `data-status="403"`) || !strings.Contains(body, want) {
			t.Fatalf("another office's queue in %s: %d, want 403 saying %q:\n%s", lang, res.StatusCode, want, body)
		}
	}
}

// An office's queue page shows its oldest reports a page at a time, with
// a link to the later ones that goes on where the page ended.
func TestParticipationQueuePagePages(t *testing.T) {
	t.Parallel()
	var svc *participation.Service
	_, env := newTestServer(t, "sqlite", withParticipation, func(env *testEnv, d *Deps) { svc = d.Participation.Service })
	srv := httptest.NewServer(env.Server)
	defer srv.Close()
	citizen, _ := env.account(t, identity.RoleCitizen)
	var ids []string
	for i := range 201 {
		rep, err := svc.SubmitReport(t.Context(), identity.Caller{AccountID: citizen.ID, Grants: []identity.Grant{{Role: identity.RoleCitizen}}},
			participation.NewReport{Category: "pothole", Located: true, Lat: 41.1307, Lon: 14.776, Description: fmt.Sprintf("Hole number %d here.", i)})
		if err != nil {
			t.Fatal(err)
		}
		ids = append(ids, rep.ID)
	}
	acc, _ := env.account(t, identity.RoleCityStaff, "roads")
	pc := pageIn(t, srv.URL, "it")
	if res := pc.Login(acc.Email, testPassword); res.StatusCode != http.StatusSeeOther {
		t.Fatalf("login: %d", res.StatusCode)
	}
	res, body := pc.Get("/staff/reports?office=roads")
	next := regexp.MustCompile(`<a href="([^"]+)" rel="next">Segnalazioni successive</a>`).FindStringSubmatch(body)
	if res.StatusCode != http.StatusOK || strings.Count(body, "data-report=") != 200 || !strings.Contains(body, `data-report="`+ids[0]+`"`) ||
		strings.Contains(body, `data-report="`+ids[200]+`"`) || next == nil {
		t.Fatalf("first page: %d, %d reports, next %v", res.StatusCode, strings.Count(body, "data-report="), next)
	}
	res, body = pc.Get(html.UnescapeString(next[1]))
	if res.StatusCode != http.StatusOK || strings.Count(body, "data-report=") != 1 || !strings.Contains(body, `data-report="`+ids[200]+`"`) ||
		strings.Contains(body, `rel="next"`) {
		t.Fatalf("second page %s: %d\n%s", next[1], res.StatusCode, body)
	}
}
