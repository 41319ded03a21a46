package web

import (
	"net/http"
	"strings"
	"testing"

	"cityhub/identity"
	"cityhub/web/webtest"
)

// The stations and their bikes are public, as a bikeshare's map is and as
// the open GBFS feeds and the station API already were (robots.txt listed
// /bikes as open): a visitor sees every station, its bikes by dock, type,
// battery and price, and a link to sign in to unlock one, and nothing that
// needs a sign-in: no bike's code (which would let a scraper follow a bike,
// docs/gbfs.md), no credit, no unlock, favourite or report form, no link
// to their rides. /bikes sent a visitor to the login page.
func TestBikePagesOpenToVisitors(t *testing.T) {
	t.Parallel()
	b := newBikePagesEnv(t)
	st := b.m.Stations[0]
	visitor := webtest.NewPageClient(t, b.srv.URL)

	res, body := visitor.Get("/bikes")
	if res.StatusCode != http.StatusOK || !strings.Contains(body, st.NameIT) || !strings.Contains(body, b.m.Stations[1].NameIT) ||
		!strings.Contains(body, `data-testid="sign-in-to-unlock"`) || !strings.Contains(body, `href="/login?next=/bikes"`) {
		t.Fatalf("stations page for a visitor: %d\n%s", res.StatusCode, body)
	}
	for _, hidden := range []string{`action="/bikes/stations/` + st.ID + `/favourite"`, `href="/bikes/rides"`, `data-testid="ride-banner"`} {
		if strings.Contains(body, hidden) {
			t.Errorf("stations page shows a visitor %s", hidden)
		}
	}
	if res.Header.Get("Content-Security-Policy") == "" || !strings.Contains(body, `id="bike-map"`) {
		t.Errorf("stations page without its map for a visitor")
	}
	// The menu leads a visitor to the stations, as it does a rider.
	if !strings.Contains(body, `<a class="nav-link active" href="/bikes" aria-current="page">`) {
		t.Errorf("the menu does not lead a visitor to the stations")
	}

	res, body = visitor.Get("/bikes/stations/" + st.ID)
	if res.StatusCode != http.StatusOK || !strings.Contains(body, "<h1>"+st.NameIT+"</h1>") ||
		!strings.Contains(body, `href="/login?next=/bikes/stations/`+st.ID+`"`) || !strings.Contains(body, `data-dock="1"`) {
		t.Fatalf("station page for a visitor: %d\n%s", res.StatusCode, body)
	}
	for _, bike := range st.Bikes {
		if strings.Contains(body, bike.ID) {
			t.Errorf("station page shows a visitor the code of bike %s", bike.ID)
		}
	}
	for _, hidden := range []string{`action="/bikes/unlock"`, `action="/bikes/reports"`, `/favourite"`, `data-testid="credit"`, `data-testid="credit-low"`, `id="bike-code"`} {
		if strings.Contains(body, hidden) {
			t.Errorf("station page shows a visitor %s", hidden)
		}
	}
	// Signed in through the link, the rider is back on the station with
	// the unlock buttons (with credit) and the bikes' codes.
	rider, acct := b.signIn(t, identity.RoleCitizen)
	b.topUp(t, acct.ID, 1000)
	if _, body = rider.Get("/bikes/stations/" + st.ID); !strings.Contains(body, `action="/bikes/unlock"`) || !strings.Contains(body, st.Bikes[0].ID) ||
		strings.Contains(body, `data-testid="sign-in-to-unlock"`) {
		t.Errorf("station page for a rider:\n%s", body)
	}
	// An unlock posted without a session is refused, nothing sent.
	if res, _ := visitor.Post("/bikes/unlock", map[string][]string{"station_id": {st.ID}, "dock": {"1"}}); res.StatusCode == http.StatusSeeOther && strings.HasPrefix(res.Header.Get("Location"), "/bikes/rides/") {
		t.Errorf("a visitor's unlock went through")
	}
	if n := b.m.Sim.Unlocks(); n != 0 {
		t.Errorf("the station heard %d unlocks", n)
	}
}
