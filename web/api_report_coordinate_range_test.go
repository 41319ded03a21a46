package web

import (
	"net/http"
	"testing"

	"cityhub/identity"
)

// A coordinate too large for a number (1e400) is refused as one beyond
// ±90 or ±180 is, not as a value of the wrong type ("must be a number").
func TestReportCoordinateBeyondANumber(t *testing.T) {
	t.Parallel()
	_, env := newTestServer(t, "sqlite", withParticipation)
	_, cit := env.account(t, identity.RoleCitizen)
	body := func(lat, lon string) string {
		return `{"category":"pothole","lat":` + lat + `,"lon":` + lon + `,"description":"A deep hole by the bus stop"}`
	}
	want := wantProblem(t, env.do(t, "POST", "/api/v1/reports", cit, body("91", "14.776")), http.StatusBadRequest)
	if want.Reason == "wrong_type" {
		t.Fatalf("lat 91: %+v", want)
	}
	for _, tc := range [][2]string{{"1e400", "14.776"}, {"-1e400", "14.776"}, {"41.1307", "1e400"}, {"41.1307", "-9e99999"}} {
		got := wantProblem(t, env.do(t, "POST", "/api/v1/reports", cit, body(tc[0], tc[1])), http.StatusBadRequest)
		if got.Reason != want.Reason || got.Detail != want.Detail {
			t.Errorf("lat %s, lon %s: %s %q; want %s %q as for lat 91", tc[0], tc[1], got.Reason, got.Detail, want.Reason, want.Detail)
		}
	}
}
