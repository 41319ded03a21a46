package web

import (
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"cityhub/identity"
)

// A participation list asked with a paging link gone bad (the public
// reports, one's own, the proposals, an office's queue) is a 400 page that
// links the list's first page, its filters kept, as the wallet's history
// and the administrators' lists do, where it was an error page without a
// way back to the list.
func TestParticipationListsBadCursorLinkTheFirstPage(t *testing.T) {
	t.Parallel()
	_, env := newTestServer(t, "sqlite", withParticipation)
	srv := httptest.NewServer(env.Server)
	defer srv.Close()
	reporter, cit := env.account(t, identity.RoleCitizen)
	createReportAPI(t, env, cit, `{"category":"pothole","located":true,"lat":41.1307,"lon":14.776,"description":"A deep hole in the road"}`)
	staff, _ := env.account(t, identity.RoleCityStaff, "roads")
	own := pageIn(t, srv.URL, "it")
	if res := own.Login(reporter.Email, testPassword); res.StatusCode != http.StatusSeeOther {
		t.Fatalf("login: %d", res.StatusCode)
	}
	office := pageIn(t, srv.URL, "en")
	if res := office.Login(staff.Email, testPassword); res.StatusCode != http.StatusSeeOther {
		t.Fatalf("staff login: %d", res.StatusCode)
	}
	for _, c := range []struct {
		path, first, words string
		own                bool
	}{
		{"/reports?cursor=zz", "/reports", "Vai alla prima pagina", true},
		{"/reports?category=pothole&status=open&cursor=zz", "/reports?category=pothole&amp;status=open", "Vai alla prima pagina", true},
		{"/reports?before=zz&contrada=centro-storico", "/reports?contrada=centro-storico", "Vai alla prima pagina", true},
		{"/reports/mine?cursor=zz", "/reports/mine", "Vai alla prima pagina", true},
		{"/proposals?cursor=zz", "/proposals", "Vai alla prima pagina", true},
		{"/staff/reports?office=roads&cursor=zz", "/staff/reports?office=roads", "Go to the first page", false},
		{"/staff/reports?cursor=zz", "/staff/reports?office=roads", "Go to the first page", false},
	} {
		pc := office
		if c.own {
			pc = own
		}
		res, body := pc.Get(c.path)
		if res.StatusCode != http.StatusBadRequest || !strings.Contains(body, `data-status="400"`) ||
			!strings.Contains(body, `href="`+c.first+`" data-testid="first-page">`+c.words+`</a>`) {
			t.Errorf("%s: %d, want a 400 page linking %s:\n%s", c.path, res.StatusCode, c.first, body)
		}
	}
}
