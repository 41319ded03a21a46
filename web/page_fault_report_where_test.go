package web

import (
	"encoding/json"
	"html"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"cityhub/identity"
	"cityhub/mobility"
)

// A bike reported from a station it is not docked at (the hub sees it at
// another) reaches the operators under the station it is at, saying which
// one the citizen named, on their page and in their API; the citizen's
// answer and list keep the station they named.
func TestFaultReportOfABikeDockedElsewhere(t *testing.T) {
	t.Parallel()
	b := newBikePagesEnv(t)
	first, second := b.m.Stations[0], b.m.Stations[1]
	citizen := b.env.login(t, identity.RoleCitizen)
	bike := first.Bikes[0].ID
	report, _ := json.Marshal(mobility.FaultReport{StationID: second.ID, Target: mobility.TargetBike, BikeID: bike, Description: "Il manubrio è storto"})
	var made mobility.MyReport
	decodeInto(t, mustStatus(t, b.env.do(t, "POST", "/api/v1/mobility/fault-reports", citizen, string(report)), http.StatusCreated), &made)
	var mine struct{ Reports []mobility.MyReport }
	decodeInto(t, wantOK(t, b.env.do(t, "GET", "/api/v1/mobility/fault-reports", citizen, "")), &mine)
	if made.StationID != second.ID || len(mine.Reports) != 1 || mine.Reports[0].StationID != second.ID {
		t.Errorf("the citizen's answer %+v and list %+v: want the station named, %s", made, mine.Reports, second.ID)
	}

	var incidents struct{ Incidents []mobility.Incident }
	decodeInto(t, wantOK(t, b.env.do(t, "GET", "/api/v1/operator/mobility/incidents?kind=citizen_report", b.env.login(t, identity.RoleOperator), "")), &incidents)
	if len(incidents.Incidents) != 1 || incidents.Incidents[0].StationID != first.ID || incidents.Incidents[0].NamedStationID != second.ID {
		t.Errorf("the operators' API: %+v; want it at %s, naming %s", incidents.Incidents, first.ID, second.ID)
	}
	op, _ := b.signIn(t, identity.RoleOperator)
	res, body := op.Get("/operator/bikes/reports")
	body = html.UnescapeString(body)
	if res.StatusCode != http.StatusOK || !strings.Contains(body, "Bici "+bike+" alla stazione "+first.NameIT) ||
		!strings.Contains(body, "Il cittadino l'ha segnalata alla stazione "+second.NameIT+", ma l'hub vede la bici qui") || !strings.Contains(body, "Il manubrio è storto") {
		t.Fatalf("operator's page: %d\n%s", res.StatusCode, body)
	}
	// The overview's incident says where the bike is and which station the
	// citizen named, not the one as if it were the other.
	_, body = op.Get("/operator/bikes")
	body = html.UnescapeString(body)
	for _, want := range []string{
		"Bici " + bike + " alla stazione " + first.NameIT + ": guasto segnalato da un cittadino (segnalazione",
		"Il cittadino l'ha segnalata alla stazione " + second.NameIT + ", ma l'hub vede la bici alla stazione " + first.NameIT,
	} {
		if !strings.Contains(body, want) {
			t.Errorf("operators' overview without %q\n%s", want, body)
		}
	}
	if res, _ := op.Post("/language", url.Values{"csrf_token": {op.CSRF("/operator/bikes")}, "lang": {"en"}, "next": {"/operator/bikes"}}); res.StatusCode != http.StatusSeeOther {
		t.Fatalf("switch to English: %d", res.StatusCode)
	}
	_, body = op.Get("/operator/bikes")
	body = html.UnescapeString(body)
	for _, want := range []string{
		"Bike " + bike + " at station " + first.NameEN + ": fault reported by a citizen (report",
		"The citizen reported it at station " + second.NameEN + ", but the hub sees the bike at station " + first.NameEN,
	} {
		if !strings.Contains(body, want) {
			t.Errorf("English overview without %q\n%s", want, body)
		}
	}
}
