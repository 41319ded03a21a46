package web

import (
	"context"
	"net/http"
	"net/http/httptest"
	"net/url"
	"regexp"
	"strings"
	"testing"

	"cityhub/identity"
	"cityhub/simulator"
	"cityhub/web/webtest"
)

// A dock's note refused (too long) brings back the station's page with the
// reason at the top and next to the dock's note, which keeps the text
// typed, where it ended on an error page without the form; the dock stays
// in service. A reset not confirmed comes back there too.
func TestDockNoteRefusedShowsTheStationAgain(t *testing.T) {
	t.Parallel()
	_, env := newTestServer(t, "sqlite", withMobilityCatalogue)
	srv := httptest.NewServer(env.Server)
	t.Cleanup(srv.Close)
	ctx := context.Background()
	if err := simulator.SeedCatalogue(ctx, env.Deps.Mobility, simulator.Layout("nota", 1, 4)); err != nil {
		t.Fatal(err)
	}
	a, _ := env.account(t, identity.RoleOperator)
	op := webtest.SignedIn(t, srv.URL, a.Email, testPassword)
	const page = "/operator/bikes/stations/nota-001"
	note := strings.TrimSpace(strings.Repeat("lucchetto bloccato ", 30))
	res, body := op.Post(page+"/docks/3", url.Values{"csrf_token": {op.CSRF(page)}, "in_service": {"false"}, "note": {note}})
	if res.StatusCode != http.StatusBadRequest {
		t.Fatalf("a note too long: %d\n%s", res.StatusCode, body)
	}
	if !strings.Contains(body, `data-testid="dock-refused"`) || !strings.Contains(body, "500") {
		t.Errorf("no reason at the top:\n%s", body)
	}
	field := regexp.MustCompile(`<input type="text" id="note-3" name="note" maxlength="500" class="is-invalid" value="([^"]*)" aria-invalid="true" aria-describedby="note-3-error">`).FindStringSubmatch(body)
	if field == nil || field[1] != note || !strings.Contains(body, `id="note-3-error"`) {
		t.Fatalf("dock 3's note field lacks the error or the text typed:\n%s", body)
	}
	if strings.Contains(body, `id="note-2-error"`) || strings.Contains(body, `id="note-2" name="note" maxlength="500" class`) {
		t.Errorf("another dock marked wrong")
	}
	if n := strings.Count(body, `data-action="out-of-service"`); n != 4 {
		t.Errorf("%d docks offer to be taken out of service, want 4: nothing changed", n)
	}
	// A reset without its box ticked: the page again, the box marked.
	res, body = op.Post(page+"/reset", url.Values{"csrf_token": {op.CSRF(page)}})
	if res.StatusCode != http.StatusBadRequest || !strings.Contains(body, `data-testid="reset-error">Spunta la casella`) ||
		!strings.Contains(body, `data-testid="reset-confirm" aria-invalid="true" aria-describedby="reset-error"`) {
		t.Errorf("a reset not confirmed: %d\n%s", res.StatusCode, body)
	}
	// At a station that does not exist there is no page to show again: the
	// form is answered as that station's page is, not found, whatever else
	// was wrong with it.
	res, body = op.Post("/operator/bikes/stations/nota-999/docks/3", url.Values{"csrf_token": {op.CSRF(page)}, "in_service": {"false"}, "note": {note}})
	if res.StatusCode != http.StatusNotFound {
		t.Errorf("a dock of no station: %d\n%s", res.StatusCode, body)
	}
}
