package web

import (
	"context"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"cityhub/identity"
	"cityhub/mobility"
	"cityhub/mobility/mobilitytest"
)

// The words of a running ride and of the operators' reported faults read
// right in both languages: "Hai una corsa in corso" and "Corsa in corso"
// said the ride twice over, and "Risolvila" followed a plural ("Le
// segnalazioni aperte ..."); the English said a ride was "running".
func TestBikeRideAndReportWords(t *testing.T) {
	t.Parallel()
	b := newBikePagesEnv(t)
	ctx := context.Background()
	st := b.m.Stations[0]
	rider, acct := b.signIn(t, identity.RoleCitizen)
	b.topUp(t, acct.ID, 1000)
	ride, err := b.m.Svc.Unlock(ctx, mobilitytest.Citizen(acct.ID), mobility.UnlockRequest{StationID: st.ID, Dock: st.Bikes[0].Dock})
	if err != nil {
		t.Fatal(err)
	}
	op, _ := b.signIn(t, identity.RoleOperator)
	for _, lang := range []struct {
		name                          string
		banner, state, again, reports string
	}{
		{"it", "Hai una corsa aperta.", "Corsa aperta", "Hai già una corsa aperta: aggancia prima quella bici.",
			"Le segnalazioni aperte dei cittadini su bici e stalli, dalla più recente. Quando hai sistemato un guasto, segna la sua segnalazione come risolta."},
		{"en", "You have a ride in progress.", "Ride in progress", "You already have a ride in progress: dock that bike first.",
			"Citizens' open reports on bikes and docks, newest first. Once you have fixed a fault, mark its report resolved."},
	} {
		if lang.name == "en" {
			english(rider)
			english(op)
		}
		for _, p := range []string{"/bikes", "/bikes/stations/" + st.ID} {
			if _, body := rider.Get(p); !strings.Contains(body, `data-testid="ride-banner">`+lang.banner+" <a") {
				t.Errorf("%s %s: no banner %q:\n%s", lang.name, p, lang.banner, body)
			}
		}
		if _, body := rider.Get("/bikes/rides/" + ride.ID); !strings.Contains(body, `data-testid="ride-state">`+lang.state+`</h2>`) {
			t.Errorf("%s: ride state is not %q:\n%s", lang.name, lang.state, body)
		}
		res, body := rider.Post("/bikes/unlock", url.Values{"csrf_token": {rider.CSRF("/bikes")}, "station_id": {st.ID}, "dock": {"2"}})
		if res.StatusCode != http.StatusConflict || !strings.Contains(body, strings.ReplaceAll(lang.again, "'", "&#39;")) {
			t.Errorf("%s: a second unlock: %d, without %q:\n%s", lang.name, res.StatusCode, lang.again, body)
		}
		if _, body := op.Get("/operator/bikes/reports"); !strings.Contains(body, `<p class="lead">`+strings.ReplaceAll(lang.reports, "'", "&#39;")+`</p>`) {
			t.Errorf("%s: reported faults' lead is not %q:\n%s", lang.name, lang.reports, body)
		}
	}
}
