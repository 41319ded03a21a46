package web

import (
	"net/http"
	"strings"
	"testing"

	"cityhub/identity"
)

// The API refuses a local time the city's clocks skip (Rome, the spring
// change of 2099 on 29 March) or show twice (25 October) with its own
// reason and words naming the change or the offsets to give, and takes the
// second with the offset: it scheduled 02:30 as 03:30 and took 02:30 in
// autumn as the second one, silently.
func TestAPIPerformanceLocalTimeAtClockChange(t *testing.T) {
	t.Parallel()
	_, env := newTestServer(t, "sqlite", withTicketing)
	admin := env.login(t, identity.RoleAdmin)
	var v struct{ ID string }
	decodeInto(t, mustStatus(t, env.do(t, "POST", "/api/v1/admin/venues", admin, validVenue), http.StatusCreated), &v)
	mustStatus(t, env.do(t, "PUT", "/api/v1/admin/venues/"+v.ID+"/seats", admin, seatMapBody), http.StatusOK)
	perf := func(startsAt string) string {
		return `{"venue_id":"` + v.ID + `","title":"Notte","starts_at":"` + startsAt + `","prices_cents":{"stalls":2500}}`
	}
	for startsAt, want := range map[string][2]string{
		"2099-03-29T02:30": {"local_time_gap", "from 02:00 to 03:00"},
		"2099-10-25T02:30": {"local_time_ambiguous", "2099-10-25T02:30:00+02:00 for the first or 2099-10-25T02:30:00+01:00 for the second"},
	} {
		p := wantProblem(t, env.do(t, "POST", "/api/v1/admin/performances", admin, perf(startsAt)), http.StatusBadRequest)
		if p.Reason != want[0] || !strings.Contains(p.Detail, want[1]) || !strings.Contains(p.Detail, "starts_at") {
			t.Errorf("%s: %q %q, want %s naming %q", startsAt, p.Reason, p.Detail, want[0], want[1])
		}
	}
	var made struct {
		StartsAt string `json:"starts_at"`
	}
	decodeInto(t, mustStatus(t, env.do(t, "POST", "/api/v1/admin/performances", admin, perf("2099-10-25T02:30:00+01:00")), http.StatusCreated), &made)
	if !strings.HasPrefix(made.StartsAt, "2099-10-25T01:30:00Z") && !strings.HasPrefix(made.StartsAt, "2099-10-25T02:30:00+01:00") {
		t.Errorf("starts_at with the offset: %s", made.StartsAt)
	}
}
