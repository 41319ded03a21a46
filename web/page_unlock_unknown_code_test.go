package web

import (
	"net/http"
	"net/url"
	"regexp"
	"strconv"
	"strings"
	"testing"

	"cityhub/identity"
)

// A bike code typed on a station's page that no bike has is refused as
// such (404 no_such_bike, words that say so), where it was "this bike is
// not docked at this station", which sent the rider looking for a bike
// that does not exist; a bike of the hub docked at another station keeps
// that refusal. Whatever the refusal, the code comes back in its field as
// typed, to be corrected rather than typed again. The API tells the same
// two apart, and neither asks the station anything.
func TestUnlockByACodeNoBikeHas(t *testing.T) {
	t.Parallel()
	b := newBikePagesEnv(t)
	st := b.m.Stations[0]
	rider, acct := b.signIn(t, identity.RoleCitizen)
	b.topUp(t, acct.ID, 1000)
	page := "/bikes/stations/" + st.ID
	tok := rider.CSRF(page)
	elsewhere := strings.ToUpper(b.m.Stations[1].Bikes[0].ID)
	field := regexp.MustCompile(`<input type="text" id="bike-code" name="bike_id" value="([^"]*)"[^>]*>`)
	for _, tc := range []struct {
		lang, code string
		status     int
		reason     string
		words      string
		invalid    bool
	}{
		{"it", "NOPE-123", http.StatusNotFound, "no_such_bike", "Nessuna bici ha questo codice: controlla quello stampato sul telaio, sotto il codice QR.", true},
		{"it", " BN-001-B99 ", http.StatusNotFound, "no_such_bike", "Nessuna bici ha questo codice", true},
		{"en", "NOPE-123", http.StatusNotFound, "no_such_bike", "No bike has this code: check the one printed on the frame, under the QR code.", true},
		{"it", elsewhere, http.StatusConflict, "bike_not_at_station", "Questa bici non è agganciata a questa stazione.", true},
		{"en", elsewhere, http.StatusConflict, "bike_not_at_station", "This bike is not docked at this station.", true},
		{"it", "b/1", http.StatusBadRequest, "invalid_id", "non è scritto correttamente", true},
	} {
		chooseLanguage(t, rider, tc.lang, page)
		res, body := rider.Post("/bikes/unlock", url.Values{"csrf_token": {tok}, "request_id": {"unl_" + tc.lang + "_" + tc.reason}, "station_id": {st.ID}, "bike_id": {tc.code}})
		if res.StatusCode != tc.status || !strings.Contains(body, `data-reason="`+tc.reason+`"`) || !strings.Contains(body, tc.words) {
			t.Fatalf("%s code %q: %d, want %d %s with %q\n%s", tc.lang, tc.code, res.StatusCode, tc.status, tc.reason, tc.words, body)
		}
		got := field.FindStringSubmatch(body)
		if got == nil || got[1] != strings.TrimSpace(tc.code) {
			t.Errorf("%s code %q: the field comes back as %q", tc.lang, tc.code, got)
		} else if strings.Contains(got[0], `aria-invalid="true"`) != tc.invalid {
			t.Errorf("%s code %q: the field %s, want aria-invalid %v", tc.lang, tc.code, got[0], tc.invalid)
		}
	}
	// Drawn afresh, the field is empty and not marked.
	if _, body := rider.Get(page); !strings.Contains(body, `name="bike_id" value="" required`) || strings.Contains(body, `aria-invalid`) {
		t.Errorf("the code form drawn afresh is not empty")
	}

	// The API: the same two refusals, told apart.
	_, citizen := b.env.account(t, identity.RoleCitizen)
	for _, tc := range []struct {
		code   string
		status int
		reason string
	}{
		{"NOPE-123", http.StatusNotFound, "no_such_bike"},
		{elsewhere, http.StatusConflict, "bike_not_at_station"},
	} {
		p := wantProblem(t, vreq(t, b.env, "POST", "/api/v1/mobility/unlock", citizen, `{"station_id":"`+st.ID+`","bike_id":"`+tc.code+`"}`), tc.status)
		if p.Reason != tc.reason {
			t.Errorf("API code %q: %+v, want %s", tc.code, p, tc.reason)
		}
		p = wantProblem(t, vreq(t, b.env, "POST", "/api/v1/mobility/unlock", citizen, `{"station_id":"`+st.ID+`","dock":`+strconv.Itoa(st.Bikes[0].Dock)+`,"bike_id":"`+tc.code+`"}`), tc.status)
		if want := map[string]string{"no_such_bike": "no_such_bike", "bike_not_at_station": "bike_not_at_dock"}[tc.reason]; p.Reason != want {
			t.Errorf("API code %q at dock %d: %+v, want %s", tc.code, st.Bikes[0].Dock, p, want)
		}
	}
	if n := b.m.Sim.Unlocks(); n != 0 {
		t.Errorf("the station heard %d unlocks", n)
	}
	if got := b.m.Balance(t, acct.ID); got != 1000 {
		t.Errorf("balance after refused unlocks = %d", got)
	}
}
