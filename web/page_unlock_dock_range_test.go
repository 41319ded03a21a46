package web

import (
	"net/http"
	"net/url"
	"strings"
	"testing"

	"cityhub/identity"
	"cityhub/store/storetest"
)

// An unlock of a dock the station does not have (dock 99 of 6) is refused
// as such, with the station's range, as a fault report's dock is: 400
// no_such_dock from the API, and the station's page in words that say the
// range, where both said the dock no longer held a bike.
func TestUnlockOfADockTheStationDoesNotHave(t *testing.T) {
	t.Parallel()
	for _, engine := range storetest.Engines {
		t.Run(engine, func(t *testing.T) {
			b := newBikePagesEnvOn(t, engine, nil)
			st := b.m.Stations[0]
			rider, acct := b.signIn(t, identity.RoleCitizen)
			b.topUp(t, acct.ID, 1000)
			other, bearer := b.env.account(t, identity.RoleCitizen)
			b.topUp(t, other.ID, 1000)
			p := wantProblem(t, b.env.do(t, "POST", "/api/v1/mobility/unlock", bearer, `{"station_id":"`+st.ID+`","dock":99,"request_id":"unl_range_1"}`), http.StatusBadRequest)
			if p.Reason != "no_such_dock" || p.Detail != "This station has docks 1 to 6." {
				t.Errorf("the API: %s %q, want no_such_dock \"This station has docks 1 to 6.\"", p.Reason, p.Detail)
			}
			for _, tc := range []struct{ lang, want string }{
				{"it", "Questa stazione ha gli stalli da 1 a 6."},
				{"en", "This station has docks 1 to 6."},
			} {
				if tc.lang == "en" {
					english(rider)
				}
				res, body := rider.Post("/bikes/unlock", url.Values{"csrf_token": {rider.CSRF("/bikes")}, "station_id": {st.ID}, "dock": {"99"}})
				if res.StatusCode != http.StatusBadRequest || !strings.Contains(body, tc.want) {
					t.Errorf("%s: the page's unlock of dock 99: %d, without %q:\n%s", tc.lang, res.StatusCode, tc.want, body)
				}
			}
			if n := b.m.Sim.Unlocks(); n != 0 {
				t.Errorf("the station got %d unlock commands", n)
			}
		})
	}
}
