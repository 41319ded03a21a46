package web

import (
	"context"
	"fmt"
	"log/slog"
	"net/http"
	"runtime/debug"
	"strconv"
	"strings"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"cityhub/apperr"
	"cityhub/audit"
	"cityhub/ids"
	"cityhub/tlsserve"
	"cityhub/web/feeds"
	"cityhub/web/georeport"
	"cityhub/web/httpx"
)

type statusRecorder struct {
	http.ResponseWriter
	status int
	bytes  int
}

func (r *statusRecorder) WriteHeader(code int) {
	if r.status == 0 {
		r.status = code
	}
	r.ResponseWriter.WriteHeader(code)
}

func (r *statusRecorder) Write(b []byte) (int, error) {
	if r.status == 0 {
		r.status = http.StatusOK
	}
	n, err := r.ResponseWriter.Write(b)
	r.bytes += n
	return n, err
}

func (r *statusRecorder) Unwrap() http.ResponseWriter { return r.ResponseWriter }

// routeInfo carries the pattern the mux matched back out to observe: the
// middlewares between them (authenticate) pass copies of the request down,
// so observe's own request never sees r.Pattern.
type routeInfo struct {
	pattern string
	// route is how routed takes the request, decided once by routeFirst
	// (nil when no routeFirst ran).
	route *routeDecision
}

// routeDecision is how routed takes a request: refused as not canonical
// (refuse), handed to the feeds as unrouted (feed), or dispatched on
// pattern.
type routeDecision struct {
	refuse  func(http.ResponseWriter)
	feed    bool
	pattern string
}

// decideRoute is how routed takes r on mux.
func (s *Server) decideRoute(mux *http.ServeMux, r *http.Request) *routeDecision {
	if refuse := s.canonicalRefusal(r); refuse != nil {
		return &routeDecision{refuse: refuse}
	}
	pattern, ok := routeOf(mux, r)
	return &routeDecision{feed: !ok, pattern: pattern}
}

type routeInfoKey struct{}

// routed dispatches r on mux. It tells observe which pattern matched before
// the handler runs, so that even a panicking handler is counted under its
// route, and answers keyed API calls through their kept first answer (see
// web/httpx/replay.go). A request for a feed's path that only a catch-all
// took (the pages' "/": another method, no such feed) is the feeds' to
// refuse, with a problem rather than a page; it counts as unmatched.
func (s *Server) routed(mux *http.ServeMux) http.Handler {
	unroutedFeed := s.feeds.Unrouted(mux)
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		info, _ := r.Context().Value(routeInfoKey{}).(*routeInfo)
		var d *routeDecision
		if info != nil && info.route != nil {
			d = info.route // routeFirst's, before authentication
		} else {
			d = s.decideRoute(mux, r)
		}
		switch {
		case d.refuse != nil:
			d.refuse(w)
			return
		case d.feed:
			unroutedFeed.ServeHTTP(w, r)
			return
		}
		pattern := d.pattern
		if info != nil {
			info.pattern = pattern
		}
		if s.replay.Keyed(r, pattern) {
			s.replay.ServeKeyed(w, r, pattern, mux)
			return
		}
		if apiRead(r, pattern) {
			httpx.NoBody(s.log, mux.ServeHTTP)(w, r)
			return
		}
		mux.ServeHTTP(w, r)
	})
}

// apiRead reports whether r is a GET (or HEAD) of a JSON API operation:
// none takes a body, so a signed-in caller's is judged as the API's other
// operations without one judge it (httpx.NoBody), refused rather than
// ignored, so that no client believes what it sent was read.
func apiRead(r *http.Request, pattern string) bool {
	return (r.Method == http.MethodGet || r.Method == http.MethodHead) && strings.HasPrefix(pattern, "GET /api/v1/")
}

// routeOf is the pattern mux picks for r, and false for a feed's path
// that only a catch-all took (routed hands it to the feeds, unmatched).
func routeOf(mux *http.ServeMux, r *http.Request) (string, bool) {
	_, pattern := mux.Handler(r)
	if !strings.Contains(pattern, " ") && feeds.Serves(r.URL.Path) {
		return "", false
	}
	return pattern, true
}

// routeFirst decides, before authentication, how routed will take r, and
// tells observe the route it counts r under, so that a request whose token
// is refused (a 401 before routed runs) is counted under the route it was
// sent to, as one without a token is. A path routed refuses as not
// canonical stays unmatched. routed takes the decision made here rather
// than matching the request on the mux a second time.
func (s *Server) routeFirst(mux *http.ServeMux, next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if info, ok := r.Context().Value(routeInfoKey{}).(*routeInfo); ok {
			info.route = s.decideRoute(mux, r)
			if d := info.route; d.refuse == nil && !d.feed {
				info.pattern = d.pattern
			}
		}
		next.ServeHTTP(w, r)
	})
}

// canonicalRefusal answers a machine's request whose path is not canonical
// ("/api/v1/a/../me", "/api/v1//me") with an error that names the
// canonical path; nil when it lets r on. The mux would answer with a bare
// redirect, which a client may follow with its body to another endpoint
// than the one it meant; a page's path is still redirected, as a browser
// expects.
func (s *Server) canonicalRefusal(r *http.Request) func(http.ResponseWriter) {
	if r.Method == http.MethodConnect {
		return nil
	}
	raw := r.URL.EscapedPath()
	canon, ok := httpx.CanonicalPath(raw)
	if ok {
		return nil
	}
	msg := fmt.Sprintf("The path is not in canonical form: it names %s.", canon)
	switch {
	case s.open311 != nil && (strings.HasPrefix(raw, "/open311/") || strings.HasPrefix(canon, "/open311/")):
		return func(w http.ResponseWriter) { georeport.WriteError(w, r, http.StatusBadRequest, msg) }
	case machinePath(raw) || machinePath(canon):
		return func(w http.ResponseWriter) {
			httpx.WriteError(s.log, w, r, apperr.Said(apperr.Invalid, "path_not_canonical", msg))
		}
	}
	return nil
}

// observe logs each request, counts it in /metrics under the route pattern
// it matched, sets HSTS when the public URL is https and nosniff always,
// and turns a panic into a 500 problem so that no panic reaches a user.
func (s *Server) observe(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		start := time.Now()
		info := &routeInfo{}
		rid := r.Header.Get("X-Request-Id")
		if rid == "" || len(rid) > 64 {
			rid = ids.Token(10)
		}
		w.Header().Set("X-Request-Id", rid)
		// HSTS on every answer, pages, API and feeds alike, once, and only
		// when people reach the hub over HTTPS: on a plain-HTTP hub it
		// would promise an HTTPS that is not there.
		if s.hsts {
			w.Header().Set("Strict-Transport-Security", tlsserve.HSTSValue)
		}
		// nosniff on every answer too: the API's JSON, problems and CSV,
		// the open data, GBFS and Open311 are read by the declared type
		// only, as the pages are.
		w.Header().Set("X-Content-Type-Options", "nosniff")
		rec := &statusRecorder{ResponseWriter: w}
		ctx := audit.WithOrigin(r.Context(), audit.Origin{IP: s.proxies.PeerIP(r), Device: r.Header.Get("X-Device-Id")})
		ctx = context.WithValue(ctx, routeInfoKey{}, info)
		r = r.WithContext(ctx)
		defer func() {
			if p := recover(); p != nil {
				if p == http.ErrAbortHandler {
					panic(p)
				}
				s.log.ErrorContext(ctx, "panic in handler", slog.Any("panic", p), slog.String("stack", string(debug.Stack())))
				if rec.status == 0 {
					httpx.WriteError(s.log, rec, r, apperr.Wrap(fmt.Errorf("panic: %v", p), apperr.Internal, "internal error"))
				}
			}
			elapsed := time.Since(start)
			route := info.pattern
			if route == "" {
				route = "unmatched"
			}
			s.metrics.requests.WithLabelValues(route, strconv.Itoa(rec.status)).Inc()
			s.metrics.latency.WithLabelValues(route).Observe(elapsed.Seconds())
			s.log.LogAttrs(ctx, slog.LevelInfo, "http request",
				slog.String("id", rid), slog.String("method", r.Method), slog.String("path", r.URL.Path),
				slog.String("route", route), slog.Int("status", rec.status), slog.Int("bytes", rec.bytes),
				slog.Duration("elapsed", elapsed), slog.String("ip", httpx.ClientIP(r)))
		}()
		next.ServeHTTP(rec, r)
	})
}

type httpMetrics struct {
	requests *prometheus.CounterVec
	latency  *prometheus.HistogramVec
}

func newHTTPMetrics(reg prometheus.Registerer) httpMetrics {
	m := httpMetrics{
		requests: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "cityhub_http_requests_total", Help: "HTTP requests by route and status.",
		}, []string{"route", "status"}),
		latency: prometheus.NewHistogramVec(prometheus.HistogramOpts{
			Name: "cityhub_http_request_duration_seconds", Help: "HTTP request latency by route.",
			Buckets: prometheus.ExponentialBuckets(0.0005, 2, 16),
		}, []string{"route"}),
	}
	reg.MustRegister(m.requests, m.latency)
	return m
}

// openPreflight answers a browser's preflight for the open data before
// anything else looks at the request (feeds.OpenPreflight); the rest goes
// on to next.
func openPreflight(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if feeds.OpenPreflight(w, r) {
			return
		}
		next.ServeHTTP(w, r)
	})
}
