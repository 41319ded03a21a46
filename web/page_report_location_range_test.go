package web

import (
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"cityhub/identity"
	"cityhub/web/webtest"
)

// A report's coordinate out of range (lat 99) is refused by the form in
// words that give the range, as the API's bad_location detail does, where
// they asked for both coordinates "as numbers" though both were numbers.
func TestReportFormNamesTheCoordinatesRange(t *testing.T) {
	t.Parallel()
	_, env := newTestServer(t, "sqlite", withParticipation)
	srv := httptest.NewServer(env.Server)
	defer srv.Close()
	anna, _ := env.account(t, identity.RoleCitizen)
	cit := webtest.SignedIn(t, srv.URL, anna.Email, testPassword)
	for _, tc := range []struct{ lang, want string }{
		{"it", "latitudine da -90 a 90 e longitudine da -180 a 180"},
		{"en", "latitude -90 to 90 and longitude -180 to 180"},
	} {
		if tc.lang == "en" {
			english(cit)
		}
		res, body := postReport(t, cit, map[string]string{"category": "pothole", "lat": "99", "lon": "14.7", "description": "A hole by the arch"})
		if res.StatusCode != http.StatusBadRequest || !strings.Contains(body, `id="e-place"`) || !strings.Contains(body, tc.want) {
			t.Errorf("lat 99 (%s): %d, the place's error does not say %q:\n%s", tc.lang, res.StatusCode, tc.want, body)
		}
	}
}
