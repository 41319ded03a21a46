package feeds

import (
	"context"
	"crypto/subtle"
	"errors"
	"log/slog"
	"maps"
	"net"
	"net/http"
	"net/netip"
	"slices"
	"strings"
	"time"

	"github.com/prometheus/client_golang/prometheus/promhttp"

	"cityhub/apperr"
	"cityhub/web/httpx"
)

// handleHealthz answers 200 while the process is up.
func (f *Handler) handleHealthz(w http.ResponseWriter, r *http.Request) {
	httpx.WriteJSON(w, http.StatusOK, map[string]string{"status": "ok", "version": f.Version})
}

// Reason is a check's error whose text may be shown to anyone: /readyz is
// open, and a dependency's own error (a database driver's, a broker
// client's) names hosts, ports, users and databases, so it only goes to
// the log. A check wraps its error in a Reason to say publicly why.
type Reason string

func (r Reason) Error() string { return string(r) }

// publicly is what /readyz shows of a failed check: its Reason, if any.
func publicly(state string, err error) string {
	var r Reason
	if errors.As(err, &r) {
		return state + ": " + string(r)
	}
	return state
}

// handleReadyz answers 200 when every dependency answers, else 503 with the
// failing ones named. A Degraded check that fails (the hub is behind on
// station telemetry, or its broker does not answer) keeps the answer 200,
// since the hub still serves every other request and taking it out of the
// load balancer would not help it catch up, but says "degraded" and, where
// the check gives a Reason, why. Each failure's error goes to the log.
func (f *Handler) handleReadyz(w http.ResponseWriter, r *http.Request) {
	ctx, cancel := context.WithTimeout(r.Context(), 3*time.Second)
	defer cancel()
	checks := map[string]string{}
	status, state := http.StatusOK, "ready"
	for _, name := range slices.Sorted(maps.Keys(f.Degraded)) {
		if err := f.Degraded[name](ctx); err != nil {
			f.log.WarnContext(ctx, "readiness check degraded", slog.String("check", name), slog.Any("error", err))
			checks[name] = publicly("degraded", err)
			state = "degraded"
			continue
		}
		checks[name] = "ok"
	}
	for _, name := range slices.Sorted(maps.Keys(f.Ready)) {
		if err := f.Ready[name](ctx); err != nil {
			f.log.WarnContext(ctx, "readiness check failing", slog.String("check", name), slog.Any("error", err))
			checks[name] = publicly("failing", err)
			status, state = http.StatusServiceUnavailable, "not ready"
			continue
		}
		checks[name] = "ok"
	}
	httpx.WriteJSON(w, status, map[string]any{"status": state, "checks": checks})
}

// metricsHandler serves the Prometheus metrics to the city's monitoring,
// not to the public: what they count (requests by route, the outbox's
// backlog, the broker's state) is the hub's own business. With a token
// configured it asks for it as a bearer token; without one, it answers
// only a request from this machine that no proxy forwarded.
func (f *Handler) metricsHandler() http.Handler {
	h := promhttp.HandlerFor(f.Registry, promhttp.HandlerOpts{Registry: f.Registry})
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if f.MetricsToken != "" {
			h, err := httpx.OneAuthorization(r)
			if err != nil {
				httpx.WriteError(f.log, w, r, err)
				return
			}
			// The scheme's case is not the sender's to choose (RFC 9110
			// 11.1): "bearer" is read as the API reads it.
			scheme, given, ok := strings.Cut(h, " ")
			if !ok || !strings.EqualFold(scheme, "Bearer") || subtle.ConstantTimeCompare([]byte(given), []byte(f.MetricsToken)) != 1 {
				w.Header().Set("WWW-Authenticate", `Bearer realm="metrics"`)
				httpx.WriteError(f.log, w, r, apperr.R(apperr.Unauthenticated, "metrics_token", "The metrics ask for the monitoring's bearer token."))
				return
			}
		} else if !fromThisMachine(r) {
			httpx.WriteError(f.log, w, r, apperr.R(apperr.Forbidden, "metrics_restricted",
				"The metrics answer only this machine: set CITYHUB_METRICS_TOKEN to scrape them from elsewhere."))
			return
		}
		h.ServeHTTP(w, r)
	})
}

// fromThisMachine: the request's peer is a loopback address and no proxy
// says it forwarded it from elsewhere. A forwarding header refuses by its
// presence, empty too: a proxy on this machine that sends one blank still
// forwards someone else's request.
func fromThisMachine(r *http.Request) bool {
	for _, h := range []string{"X-Forwarded-For", "Forwarded", "X-Real-Ip"} {
		if _, ok := r.Header[h]; ok {
			return false
		}
	}
	host, _, err := net.SplitHostPort(r.RemoteAddr)
	if err != nil {
		return false
	}
	ip, err := netip.ParseAddr(host)
	return err == nil && ip.Unmap().IsLoopback()
}
