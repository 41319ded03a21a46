package web

import (
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"cityhub/identity"
	"cityhub/web/webtest"
)

// A report form whose place does not read (half a position, or not a
// number) and whose photo is no image comes back with both mistakes next
// to their fields at once, not the place's alone with a note to choose
// the photo again: chosen again and sent, that photo would be refused
// only then.
func TestReportFormRefusesABadPlaceAndABadPhotoAtOnce(t *testing.T) {
	t.Parallel()
	_, env := newTestServer(t, "sqlite", withParticipation)
	srv := httptest.NewServer(env.Server)
	defer srv.Close()
	anna, _ := env.account(t, identity.RoleCitizen)
	it := webtest.SignedIn(t, srv.URL, anna.Email, testPassword)
	for name, place := range map[string]map[string]string{
		"half a position": {"lat": "41.1307"},
		"not a number":    {"lat": "41.1307", "lon": "east"},
	} {
		fields := map[string]string{"category": "pothole", "description": "A hole by the school"}
		for k, v := range place {
			fields[k] = v
		}
		res, body := postReport(t, it, fields, []byte("not an image"))
		if res.StatusCode != http.StatusBadRequest || !strings.Contains(body, `id="e-place"`) || !strings.Contains(body, `id="e-photo"`) ||
			strings.Contains(body, `data-testid="photo-again"`) {
			t.Errorf("%s and a file that is no image: %d, place error %v, photo error %v, note to choose again %v", name, res.StatusCode,
				strings.Contains(body, `id="e-place"`), strings.Contains(body, `id="e-photo"`), strings.Contains(body, `data-testid="photo-again"`))
		}
	}
	me := identity.Caller{AccountID: anna.ID, Name: anna.Name, Grants: []identity.Grant{{Role: identity.RoleCitizen}}}
	if rs, err := env.Deps.Participation.Service.MyReports(t.Context(), me, "", 10); err != nil || len(rs) != 0 {
		t.Fatalf("refused forms made reports: %v, %v", rs, err)
	}
}
