package web

import (
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"cityhub/identity"
	"cityhub/web/webtest"
)

// A report form refused for another field than its photos comes back
// without them (a browser never fills a file field again): the page says
// they must be chosen again, at the photo field, in its language, in the
// singular for one photo. A form sent without a photo says nothing of it,
// and a refused photo says it once, in its own error.
func TestReportFormSaysToChooseThePhotosAgain(t *testing.T) {
	t.Parallel()
	_, env := newTestServer(t, "sqlite", withParticipation)
	srv := httptest.NewServer(env.Server)
	defer srv.Close()
	anna, _ := env.account(t, identity.RoleCitizen)
	it := webtest.SignedIn(t, srv.URL, anna.Email, testPassword)
	en := pageIn(t, srv.URL, "en")
	if res := en.Login(anna.Email, testPassword); res.StatusCode != http.StatusSeeOther {
		t.Fatalf("login: %d", res.StatusCode)
	}
	short := map[string]string{"category": "pothole", "lat": "41.1307", "lon": "14.776", "description": "Hole"}
	note := func(body string) string {
		i := strings.Index(body, `data-testid="photo-again"`)
		if i < 0 {
			return ""
		}
		return body[i : i+strings.Index(body[i:], "</div>")]
	}

	res, body := postReport(t, it, short, testPhoto(t))
	if res.StatusCode != http.StatusBadRequest || !strings.Contains(body, `id="e-description"`) ||
		!strings.Contains(note(body), "Scegli di nuovo la foto: per sicurezza il browser non la conserva") ||
		!strings.Contains(body, `aria-describedby="h-photo n-photo"`) {
		t.Fatalf("a refused form with one photo: %d, note %q\n%s", res.StatusCode, note(body), body)
	}
	res, body = postReport(t, en, short, testPhoto(t), testPhoto(t))
	if res.StatusCode != http.StatusBadRequest || !strings.Contains(note(body), "Choose the photos again: for security the browser does not keep them") {
		t.Fatalf("a refused form with two photos, in English: %d, note %q\n%s", res.StatusCode, note(body), body)
	}
	if res, body := postReport(t, it, short); res.StatusCode != http.StatusBadRequest || note(body) != "" || strings.Contains(body, "n-photo") {
		t.Fatalf("a refused form without a photo: %d, note %q", res.StatusCode, note(body))
	}
	res, body = postReport(t, it, map[string]string{"category": "pothole", "lat": "41.1307", "lon": "14.776", "description": "A hole by the school"}, []byte("not an image"))
	if res.StatusCode != http.StatusBadRequest || !strings.Contains(body, `id="e-photo"`) || note(body) != "" {
		t.Fatalf("a refused photo: %d, note %q\n%s", res.StatusCode, note(body), body)
	}
}
