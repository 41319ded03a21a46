package web

import (
	"context"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"testing"

	"cityhub/identity"
)

var stationOrderRE = regexp.MustCompile(`<li class="card station" data-station="([^"]+)"`)

// The rider's stations page carries the map (tiles allowed by the page's
// policy, a position per station) and the list; a favourite goes first;
// a fault report sent from the station page reaches the operators' list
// of reported faults, keeps what was typed when refused, and is resolved
// there.
func TestBikeMapFavouritesAndFaultReports(t *testing.T) {
	t.Parallel()
	b := newBikePagesEnv(t)
	first, second := b.m.Stations[0], b.m.Stations[1]
	citizen, acct := b.signIn(t, identity.RoleCitizen)

	res, body := citizen.Get("/bikes")
	if res.StatusCode != http.StatusOK || !strings.Contains(body, `data-map="bikes"`) || !strings.Contains(body, `data-tiles="https://tile.openstreetmap.org/{z}/{x}/{y}.png"`) ||
		!strings.Contains(body, `data-lat="`) || !strings.Contains(body, "js/bikes-map.js") {
		t.Fatalf("stations page without its map: %d\n%s", res.StatusCode, body)
	}
	if csp := res.Header.Get("Content-Security-Policy"); !strings.Contains(csp, "https://tile.openstreetmap.org") {
		t.Fatalf("policy does not allow the tiles: %s", csp)
	}
	if got := stationOrderRE.FindAllStringSubmatch(body, -1); len(got) != 2 || got[0][1] != first.ID {
		t.Fatalf("stations before any favourite: %v", got)
	}

	// Marking needs the page's CSRF token.
	if res, _ := citizen.Post("/bikes/stations/"+second.ID+"/favourite", url.Values{"on": {"1"}}); res.StatusCode != http.StatusForbidden {
		t.Fatalf("favourite without CSRF: %d", res.StatusCode)
	}
	tok := citizen.CSRF("/bikes")
	if res, _ := citizen.Post("/bikes/stations/"+second.ID+"/favourite", url.Values{"csrf_token": {tok}, "on": {"1"}}); res.StatusCode != http.StatusSeeOther || res.Header.Get("Location") != "/bikes" {
		t.Fatalf("favourite: %d %s", res.StatusCode, res.Header.Get("Location"))
	}
	_, body = citizen.Get("/bikes")
	if got := stationOrderRE.FindAllStringSubmatch(body, -1); len(got) != 2 || got[0][1] != second.ID || !strings.Contains(body, `data-testid="favourite"`) {
		t.Fatalf("the favourite is not first: %v", got)
	}
	// Another citizen does not see it.
	other, _ := b.signIn(t, identity.RoleCitizen)
	if _, body := other.Get("/bikes"); strings.Contains(body, `data-testid="favourite"`) {
		t.Fatal("another citizen sees the favourite")
	}

	// A refused report: the error next to its field, the typed values kept,
	// nothing reaching the operator.
	page := "/bikes/stations/" + first.ID
	if _, body := citizen.Get(page); !strings.Contains(body, `data-testid="fault-report"`) || !strings.Contains(body, `action="/bikes/reports"`) {
		t.Fatalf("station page without the report form:\n%s", body)
	}
	tok = citizen.CSRF(page)
	bike := first.Bikes[0].ID
	res, body = citizen.Post("/bikes/reports", url.Values{"csrf_token": {tok}, "station_id": {first.ID}, "target": {"bike"}, "bike_id": {bike}, "description": {"x"}})
	if res.StatusCode != http.StatusUnprocessableEntity && res.StatusCode != http.StatusBadRequest {
		t.Fatalf("short description: %d", res.StatusCode)
	}
	if !strings.Contains(body, `data-field-error="description"`) || !strings.Contains(body, `value="`+bike+`"`) || !strings.Contains(body, "Descrivi il guasto in 3–500 caratteri.") {
		t.Fatalf("refusal without the field error or the typed bike:\n%s", body)
	}
	// Characters the rider cannot see are named as such, not blamed on the
	// length, and the text comes back to be typed again.
	res, body = citizen.Post("/bikes/reports", url.Values{"csrf_token": {tok}, "station_id": {first.ID}, "target": {"bike"}, "bike_id": {bike}, "description": {"freno \u202erotto"}})
	if res.StatusCode == http.StatusOK || res.StatusCode == http.StatusSeeOther || !strings.Contains(body, `data-field-error="description"`) ||
		!strings.Contains(body, "caratteri invisibili") || strings.Contains(body, "3–500") {
		t.Fatalf("bidi override: %d\n%s", res.StatusCode, body)
	}
	res, body = citizen.Post("/bikes/reports", url.Values{"csrf_token": {tok}, "station_id": {first.ID}, "target": {"dock"}, "dock": {"99"}, "description": {"lo stallo non si blocca"}})
	if res.StatusCode == http.StatusOK || res.StatusCode == http.StatusSeeOther || !strings.Contains(body, `data-field-error="dock"`) || !strings.Contains(body, "lo stallo non si blocca</textarea>") {
		t.Fatalf("dock out of range: %d\n%s", res.StatusCode, body)
	}
	op, _ := b.signIn(t, identity.RoleOperator)
	if _, body := op.Get("/operator/bikes/reports"); !strings.Contains(body, `data-testid="no-reports"`) {
		t.Fatalf("a refused report reached the operator:\n%s", body)
	}

	res, _ = citizen.Post("/bikes/reports", url.Values{"csrf_token": {tok}, "station_id": {first.ID}, "target": {"bike"}, "bike_id": {bike}, "description": {"I freni non funzionano"}})
	if res.StatusCode != http.StatusSeeOther || !strings.HasPrefix(res.Header.Get("Location"), page+"?reported=1") {
		t.Fatalf("report: %d %s", res.StatusCode, res.Header.Get("Location"))
	}
	if _, body := citizen.Get(page + "?reported=1"); !strings.Contains(body, `data-testid="report-sent"`) {
		t.Fatal("no confirmation after reporting")
	}
	// The same report again while open is the same incident.
	if res, _ := citizen.Post("/bikes/reports", url.Values{"csrf_token": {tok}, "station_id": {first.ID}, "target": {"bike"}, "bike_id": {bike}, "description": {"I freni non funzionano"}}); res.StatusCode != http.StatusSeeOther {
		t.Fatalf("repeat: %d", res.StatusCode)
	}

	if res, _ := citizen.Get("/operator/bikes/reports"); res.StatusCode != http.StatusForbidden {
		t.Fatalf("citizen on the operators' list: %d", res.StatusCode)
	}
	res, body = op.Get("/operator/bikes/reports")
	if res.StatusCode != http.StatusOK || strings.Count(body, `<li class="card report"`) != 1 || !strings.Contains(body, "I freni non funzionano") ||
		!strings.Contains(body, `<dd data-testid="report-who">`+acct.Name+`</dd>`) || !strings.Contains(body, bike) {
		t.Fatalf("operator's list: %d\n%s", res.StatusCode, body)
	}
	// Its resolve button names the bike and the station to a screen reader.
	if !strings.Contains(body, `Segna come risolto<span class="visually-hidden">: Bici `+bike+` alla stazione `+first.NameIT+`</span></button>`) {
		t.Errorf("the report's button does not name it:\n%s", body)
	}
	// The operators' incident list names it too, pointing to the details,
	// with a button of its own.
	if _, body := op.Get("/operator/bikes"); !strings.Contains(body, "Bici "+bike+" alla stazione "+first.NameIT+": guasto segnalato da un cittadino (segnalazione") ||
		!strings.Contains(body, `Segna come risolta<span class="visually-hidden">: Bici `+bike+` alla stazione `+first.NameIT+`</span></button>`) {
		t.Errorf("the incident list does not show the citizen's report:\n%s", body)
	}
	if _, body := op.Get("/operator"); !strings.Contains(body, `href="/operator/bikes/reports"`) {
		t.Error("the operator dashboard does not link the reported faults")
	}
	list, err := b.m.Svc.CitizenReports(context.Background(), identity.Caller{AccountID: "x", Grants: []identity.Grant{{Role: identity.RoleOperator}}}, true)
	if err != nil || len(list) != 1 {
		t.Fatalf("reports %+v %v", list, err)
	}
	tok = op.CSRF("/operator/bikes/reports")
	if res, _ := op.Post("/operator/bikes/reports/"+list[0].ID+"/resolve", url.Values{"csrf_token": {tok}}); res.StatusCode != http.StatusSeeOther {
		t.Fatalf("resolve: %d", res.StatusCode)
	}
	if _, body := op.Get("/operator/bikes/reports?resolved=1"); !strings.Contains(body, `data-testid="no-reports"`) || !strings.Contains(body, `data-testid="resolved"`) {
		t.Fatalf("after resolving:\n%s", body)
	}
	// Pressed again (a stale tab, a double press), the list says the
	// report is no longer open, where an error page said "not found".
	res, _ = op.Post("/operator/bikes/reports/"+list[0].ID+"/resolve", url.Values{"csrf_token": {tok}})
	if loc := res.Header.Get("Location"); res.StatusCode != http.StatusSeeOther || loc != "/operator/bikes/reports?closed=1" {
		t.Fatalf("resolved twice: %d to %q", res.StatusCode, loc)
	}
	if _, body := op.Get("/operator/bikes/reports?closed=1"); !strings.Contains(body, `data-testid="closed"`) || !strings.Contains(body, "era già stata risolta") {
		t.Fatalf("after resolving twice:\n%s", body)
	}
	// An id that names no report at all was never resolved: it is not
	// found, as the API and the incidents' own button answer it, not "it
	// was already resolved".
	res, body = op.Post("/operator/bikes/reports/inc_nosuchreport/resolve", url.Values{"csrf_token": {tok}})
	if res.StatusCode != http.StatusNotFound || strings.Contains(body, "era già stata risolta") {
		t.Fatalf("unknown report resolved: %d to %q\n%s", res.StatusCode, res.Header.Get("Location"), body)
	}
}
