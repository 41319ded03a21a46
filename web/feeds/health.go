package feeds

import (
	"cityhub/web/httpx"
	"context"
	"maps"
	"net/http"
	"slices"
	"time"

	"github.com/prometheus/client_golang/prometheus/promhttp"
)

// handleHealthz answers 200 while the process is up.
func (f *Handler) handleHealthz(w http.ResponseWriter, r *http.Request) {
	httpx.WriteJSON(w, http.StatusOK, map[string]string{"status": "ok", "version": f.Version})
}

// handleReadyz answers 200 when every dependency answers, else 503 with the
// failing ones named. A Degraded check that fails (the hub is behind on
// station telemetry) keeps the answer 200, since the hub still serves every
// request and taking it out of the load balancer would not help it catch
// up, but says "degraded" and why.
func (f *Handler) handleReadyz(w http.ResponseWriter, r *http.Request) {
	ctx, cancel := context.WithTimeout(r.Context(), 3*time.Second)
	defer cancel()
	checks := map[string]string{}
	status, state := http.StatusOK, "ready"
	for _, name := range slices.Sorted(maps.Keys(f.Degraded)) {
		if err := f.Degraded[name](ctx); err != nil {
			checks[name] = "degraded: " + err.Error()
			state = "degraded"
			continue
		}
		checks[name] = "ok"
	}
	for _, name := range slices.Sorted(maps.Keys(f.Ready)) {
		if err := f.Ready[name](ctx); err != nil {
			checks[name] = "failing: " + err.Error()
			status, state = http.StatusServiceUnavailable, "not ready"
			continue
		}
		checks[name] = "ok"
	}
	httpx.WriteJSON(w, status, map[string]any{"status": state, "checks": checks})
}

func (f *Handler) metricsHandler() http.Handler {
	return promhttp.HandlerFor(f.Registry, promhttp.HandlerOpts{Registry: f.Registry})
}
