package web

import (
	"net/http"
	"testing"
	"time"

	"cityhub/ticketing"
)

// A performance's duration_minutes is 1 to 720: an explicit 0 is 400
// invalid_duration, on a new performance and on a change, as -5 is; absent
// or null it is the default end, 3 hours after the start. 0 was taken as
// absent (201, ending 3 hours later).
func TestPerformanceDurationZeroRefused(t *testing.T) {
	t.Parallel()
	env, v, p, admin := ticketingEnv(t, "sqlite")
	body := func(duration string) string {
		return `{"venue_id":"` + v.ID + `","title":"T","starts_at":"2099-01-01T20:00:00Z"` + duration + `,"prices_cents":{"stalls":100}}`
	}
	for _, d := range []string{`,"duration_minutes":0`, `,"duration_minutes":-5`, `,"duration_minutes":721`} {
		for _, c := range []struct{ method, path string }{
			{"POST", "/api/v1/admin/performances"},
			{"PUT", "/api/v1/admin/performances/" + p.ID},
		} {
			if pr := wantProblem(t, env.do(t, c.method, c.path, admin, body(d)), http.StatusBadRequest); pr.Reason != "invalid_duration" {
				t.Errorf("%s %s with %s: reason %q, want invalid_duration", c.method, c.path, d, pr.Reason)
			}
		}
	}
	start := time.Date(2099, 1, 1, 20, 0, 0, 0, time.UTC)
	for d, end := range map[string]time.Time{
		``:                         start.Add(3 * time.Hour),
		`,"duration_minutes":null`: start.Add(3 * time.Hour),
		`,"duration_minutes":1`:    start.Add(time.Minute),
		`,"duration_minutes":720`:  start.Add(12 * time.Hour),
	} {
		var made ticketing.Performance
		decodeInto(t, mustStatus(t, env.do(t, "POST", "/api/v1/admin/performances", admin, body(d)), http.StatusCreated), &made)
		if !made.EndsAt.Equal(end) {
			t.Errorf("POST with %q: ends %v, want %v", d, made.EndsAt, end)
		}
		var changed ticketing.Performance
		decodeInto(t, mustStatus(t, env.do(t, "PUT", "/api/v1/admin/performances/"+made.ID, admin, body(d)), http.StatusOK), &changed)
		if !changed.EndsAt.Equal(end) {
			t.Errorf("PUT with %q: ends %v, want %v", d, changed.EndsAt, end)
		}
	}
}
