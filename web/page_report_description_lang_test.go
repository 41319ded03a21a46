package web

import (
	"context"
	"net/http"
	"net/http/httptest"
	"regexp"
	"strings"
	"testing"

	"cityhub/identity"
	"cityhub/participation"
	"cityhub/web/webtest"
)

// A report's description is marked with the language it was written in,
// so that on an English page a screen reader reads an Italian description
// in Italian: on the report's page, in the list and on the staff's page. A
// description the city hid is the hub's own text, in the page's language,
// and is not marked.
func TestReportDescriptionSaysItsLanguage(t *testing.T) {
	t.Parallel()
	_, env := newTestServer(t, "sqlite", withParticipation)
	srv := httptest.NewServer(env.Server)
	defer srv.Close()
	anna, _ := env.account(t, identity.RoleCitizen)
	staffAcc, _ := env.account(t, identity.RoleCityStaff)
	cit := webtest.SignedIn(t, srv.URL, anna.Email, testPassword)
	res, _ := postReport(t, cit, map[string]string{"category": "pothole", "lat": "41.1307", "lon": "14.776", "description": "Una buca davanti alla scuola"})
	if res.StatusCode != http.StatusSeeOther {
		t.Fatalf("report: %d", res.StatusCode)
	}
	id := strings.TrimPrefix(strings.SplitN(res.Header.Get("Location"), "?", 2)[0], "/reports/")

	reader := webtest.NewPageClient(t, srv.URL)
	chooseLanguage(t, reader, "en", "/reports")
	staff := webtest.SignedIn(t, srv.URL, staffAcc.Email, testPassword)
	chooseLanguage(t, staff, "en", "/staff/reports")
	marked := regexp.MustCompile(`<p class="[^"]*" lang="it"[^>]*>Una buca davanti alla scuola</p>`)
	for _, tc := range []struct {
		who  string
		c    *webtest.PageClient
		page string
	}{{"anyone", reader, "/reports/" + id}, {"anyone", reader, "/reports"}, {"staff", staff, "/staff/reports/" + id}} {
		res, body := tc.c.Get(tc.page)
		if res.StatusCode != http.StatusOK || !strings.Contains(body, `<html lang="en"`) || !marked.MatchString(body) {
			t.Errorf("%s's %s: %d, the Italian description not marked lang=\"it\" on the English page", tc.who, tc.page, res.StatusCode)
		}
	}

	// Hidden by the city: the placeholder is the page's, unmarked.
	admin := identity.Caller{AccountID: staffAcc.ID, Grants: []identity.Grant{{Role: identity.RoleCityStaff, Scope: testOffice}}}
	if _, err := env.Deps.Participation.Service.Redact(context.Background(), admin, id, true); err != nil {
		t.Fatal(err)
	}
	_, body := reader.Get("/reports/" + id)
	if !strings.Contains(body, participation.RedactedText) || regexp.MustCompile(`lang="it"[^>]*>`+regexp.QuoteMeta(participation.RedactedText)).MatchString(body) {
		t.Errorf("the hidden description: %s", body)
	}
}
