package web

import (
	"net/http"
	"testing"

	"cityhub/identity"
	"cityhub/store/storetest"
)

// The API refuses a performance starting in the past as starts_in_past,
// and schedules nothing.
func TestAPIPerformanceStartingInThePast(t *testing.T) {
	t.Parallel()
	for _, engine := range storetest.Engines {
		t.Run(engine, func(t *testing.T) {
			_, env := newTestServer(t, engine, withTicketing)
			admin := env.login(t, identity.RoleAdmin)
			var v struct{ ID string }
			decodeInto(t, mustStatus(t, env.do(t, "POST", "/api/v1/admin/venues", admin, validVenue), http.StatusCreated), &v)
			mustStatus(t, env.do(t, "PUT", "/api/v1/admin/venues/"+v.ID+"/seats", admin, seatMapBody), http.StatusOK)
			for _, body := range []string{
				`{"venue_id":"` + v.ID + `","title":"Ieri","starts_at":"2020-11-20T21:00","prices_cents":{"stalls":2500}}`,
				`{"venue_id":"` + v.ID + `","title":"Ieri","starts_at":"2020-11-20T21:00","sales_open":"2020-11-01T10:00","prices_cents":{"stalls":2500}}`,
			} {
				if p := wantProblem(t, env.do(t, "POST", "/api/v1/admin/performances", admin, body), http.StatusBadRequest); p.Reason != "starts_in_past" {
					t.Errorf("%s: reason %q, want starts_in_past", body, p.Reason)
				}
			}
			var list struct{ Performances []any }
			decodeInto(t, mustStatus(t, env.do(t, "GET", "/api/v1/admin/performances", admin, ""), http.StatusOK), &list)
			if len(list.Performances) != 0 {
				t.Errorf("the refused performances were scheduled: %v", list.Performances)
			}
		})
	}
}
