package web

import (
	"context"
	"net/http"
	"net/http/httptest"
	"regexp"
	"strings"
	"testing"

	"cityhub/identity"
	"cityhub/mobility"
	"cityhub/store/storetest"
	"cityhub/web/webtest"
)

// A report's place is written for people as the page's language writes
// numbers: "41,1307; 14,776" in Italian (a decimal comma, so the two are
// parted by a semicolon), "41.1307, 14.776" in English; the map's data
// attributes keep the decimal point the script reads.
func TestReportPlaceWrittenInThePagesLanguage(t *testing.T) {
	t.Parallel()
	_, env := newTestServer(t, "sqlite", withParticipation)
	srv := httptest.NewServer(env.Server)
	defer srv.Close()
	anna, _ := env.account(t, identity.RoleCitizen)
	staffAcc, _ := env.account(t, identity.RoleCityStaff)
	cit := webtest.SignedIn(t, srv.URL, anna.Email, testPassword)
	res, _ := postReport(t, cit, map[string]string{"category": "pothole", "lat": "41.1307", "lon": "14.776", "description": "A hole by the arch"}, testPhoto(t))
	if res.StatusCode != http.StatusSeeOther {
		t.Fatalf("report: %d", res.StatusCode)
	}
	id := strings.TrimPrefix(strings.SplitN(res.Header.Get("Location"), "?", 2)[0], "/reports/")
	staff := webtest.SignedIn(t, srv.URL, staffAcc.Email, testPassword)
	place := regexp.MustCompile(`data-testid="place">([^<]*)<`)
	for _, page := range []struct {
		pc   *webtest.PageClient
		path string
	}{{cit, "/reports/" + id}, {staff, "/staff/reports/" + id}} {
		for _, tc := range []struct{ lang, want string }{{"it", "41,1307; 14,776"}, {"en", "41.1307, 14.776"}} {
			if tc.lang == "en" {
				english(page.pc)
			}
			res, body := page.pc.Get(page.path)
			m := place.FindStringSubmatch(body)
			if res.StatusCode != http.StatusOK || m == nil {
				t.Fatalf("%s (%s): %d, no place\n%s", page.path, tc.lang, res.StatusCode, body)
			}
			if m[1] != tc.want {
				t.Errorf("%s (%s): the place reads %q, want %q", page.path, tc.lang, m[1], tc.want)
			}
			if !strings.Contains(body, `data-lat="41.1307" data-lon="14.776"`) {
				t.Errorf("%s (%s): the map's coordinates are not the machine's:\n%s", page.path, tc.lang, body)
			}
		}
	}
}

// The stations' list in the bikes' administration writes a station's
// position as the page's language writes numbers, where the Italian page
// read "Posizione 41,13, 14,78", a comma for two things.
func TestStationPositionWrittenInThePagesLanguage(t *testing.T) {
	t.Parallel()
	b := newBikeAdminEnv(t, storetest.Engines[0])
	st := mobility.Station{ID: "arco", NameIT: "Arco di Traiano", Lat: 41.13, Lon: 14.78, Capacity: 4, Open: true}
	if _, err := b.svc.PutStation(context.Background(), identity.System(), st); err != nil {
		t.Fatal(err)
	}
	pc := b.signIn(t, identity.RoleAdmin)
	if _, body := pc.Get("/admin/bikes/stations"); !strings.Contains(body, "Posizione 41,13; 14,78") {
		t.Errorf("the Italian list does not write the position with decimal commas:\n%s", body)
	}
	english(pc)
	if _, body := pc.Get("/admin/bikes/stations"); !strings.Contains(body, "Position 41.13, 14.78") {
		t.Errorf("the English list does not write the position with decimal points:\n%s", body)
	}
}
