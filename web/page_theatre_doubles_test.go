package web

import (
	"html"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"cityhub/identity"
	"cityhub/ticketing"
	"cityhub/web/webtest"
)

// The theatre's administrators see how many double entries each
// performance had beside its sales, and the performance's list of them on
// a page of its own; door staff do not reach that page.
func TestTheatreAdminSeesDoubleEntries(t *testing.T) {
	t.Parallel()
	f, tonight, in, token := offlineEvening(t)
	env := f.env
	staff, _ := env.account(t, identity.RoleDoor, f.venue.ID)
	door := staff.Caller()
	// Entries of one minute, seconds apart: the page tells which came first.
	for i, dev := range []string{"3f2a9c1e-door-a", "77d0e5b4-door-b"} {
		at := in.Add(time.Duration(i)*40*time.Second + 7*time.Second)
		if _, err := env.Deps.Ticketing.RecordOfflineEntries(t.Context(), door, ticketing.OfflineUpload{PerformanceID: tonight.ID, Device: dev,
			Entries: []ticketing.OfflineEntry{{ID: "q-1", Code: token(at), At: at}}}); err != nil {
			t.Fatal(err)
		}
	}
	srv := httptest.NewServer(env.Server)
	defer srv.Close()
	admin, _ := env.account(t, identity.RoleAdmin)
	pc := webtest.SignedIn(t, srv.URL, admin.Email, testPassword)
	link := `href="/admin/theatre/performances/` + tonight.ID + `/doubles">1<span class="visually-hidden">: Sei personaggi</span></a>`
	if res, body := pc.Get("/admin/theatre?all=1"); res.StatusCode != http.StatusOK || !strings.Contains(body, link) {
		t.Fatalf("the theatre page: %d\n%s", res.StatusCode, body)
	}
	res, body := pc.Get("/admin/theatre/performances/" + tonight.ID + "/doubles")
	if res.StatusCode != http.StatusOK || !strings.Contains(body, "<td>Platea, fila A, posto 2</td><td>già entrato alle 20:00:07</td>") || !strings.Contains(body, ", 20:00:47</time>") ||
		!strings.Contains(body, "<code>77d0e5b4</code>") || !strings.Contains(body, "Sei personaggi") || !strings.Contains(body, html.EscapeString(f.venue.Name)) {
		t.Fatalf("the double entries' page: %d\n%s", res.StatusCode, body)
	}
	if res, _ := pc.Get("/admin/theatre/performances/prf_nobody/doubles"); res.StatusCode != http.StatusNotFound {
		t.Fatalf("an unknown performance: %d", res.StatusCode)
	}
	dc := webtest.SignedIn(t, srv.URL, staff.Email, testPassword)
	if res, _ := dc.Get("/admin/theatre/performances/" + tonight.ID + "/doubles"); res.StatusCode != http.StatusForbidden {
		t.Fatalf("door staff on the administrators' page: %d", res.StatusCode)
	}
}
