package web

import (
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"cityhub/identity"
	"cityhub/web/webtest"
)

// The report form's key makes one report of a double submission, also of a
// form changed after its first submission (back, edit, two taps): the
// changed form is a second report, and sent again it is still that one.
func TestReportFormKeyAfterAChange(t *testing.T) {
	t.Parallel()
	_, env := newTestServer(t, "sqlite", withParticipation)
	srv := httptest.NewServer(env.Server)
	defer srv.Close()
	anna, _ := env.account(t, identity.RoleCitizen)
	pc := webtest.NewPageClient(t, srv.URL)
	if res := pc.Login(anna.Email, testPassword); res.StatusCode != http.StatusSeeOther {
		t.Fatalf("login: %d", res.StatusCode)
	}
	send := func(description string) string {
		t.Helper()
		res, _ := postReport(t, pc, map[string]string{"key": "form-key-1", "category": "pothole", "lat": "41.1307", "lon": "14.776", "description": description})
		if res.StatusCode != http.StatusSeeOther {
			t.Fatalf("report %q: %d", description, res.StatusCode)
		}
		return strings.SplitN(res.Header.Get("Location"), "?", 2)[0]
	}
	first := send("A deep hole by the school gate")
	if again := send("A deep hole by the school gate"); again != first {
		t.Fatalf("the form sent twice made two reports: %s, %s", first, again)
	}
	changed := send("A deep hole by the school gate, now wider")
	if changed == first {
		t.Fatal("the changed form was taken for the first report")
	}
	if again := send("A deep hole by the school gate, now wider"); again != changed {
		t.Fatalf("the changed form sent twice made two reports: %s, %s", changed, again)
	}
	if third := send("Another hole, by the church"); third == changed || third == first {
		t.Fatal("a form changed again was taken for an earlier report")
	}
}
