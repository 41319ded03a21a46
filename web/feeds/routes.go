package feeds

import (
	"net/http"
	"strings"

	"cityhub/apperr"
	"cityhub/web/httpx"
)

// Register adds every route of the open feeds to mux.
func (f *Handler) Register(mux *http.ServeMux) {
	// Operations.
	mux.HandleFunc("GET /healthz", f.handleHealthz)
	mux.HandleFunc("GET /readyz", f.handleReadyz)
	mux.Handle("GET /metrics", f.metricsHandler())

	// What search engines may index.
	mux.HandleFunc("GET /robots.txt", f.handleRobots)

	// The hub's public signing keys.
	mux.HandleFunc("GET /.well-known/jwks.json", f.handleJWKS)
	// Where to report a flaw (RFC 9116).
	mux.HandleFunc("GET /.well-known/security.txt", f.handleSecurityTxt)

	// GBFS.
	mux.HandleFunc("GET /gbfs/v3/{feed}", f.handleGBFS)
	mux.HandleFunc("OPTIONS /gbfs/v3/{feed}", f.handleGBFSPreflight)

	// The open data catalogue (DCAT-AP_IT) that data portals harvest.
	if f.OpenDataCatalog != nil {
		mux.HandleFunc("GET /api/v1/open/dcat-ap_it.rdf", f.handleCatalog(false))
		mux.HandleFunc("GET /api/v1/open/dcat-ap_it.jsonld", f.handleCatalog(true))
	}

	// The voucher scheme's open data.
	if f.Vouchers != nil {
		mux.HandleFunc("GET /api/v1/open/vouchers/stats", f.handleOpenVoucherStats)
		mux.HandleFunc("GET /api/v1/open/vouchers/stats.csv", f.handleOpenVoucherStatsCSV)
	}

	// Citizens' reports and proposals: open data and approved photos.
	if f.Participation != nil {
		mux.HandleFunc("GET /api/v1/open/participation", f.handleOpenParticipation)
		mux.HandleFunc("GET /api/v1/open/reports.csv", f.handleOpenReportsCSV)
		mux.HandleFunc("GET /api/v1/open/proposals.csv", f.handleOpenProposalsCSV)
		mux.HandleFunc("GET /api/v1/open/report-counts.csv", f.handleOpenReportCountsCSV)
		mux.HandleFunc("GET /api/v1/open/photos/{id}", f.handleOpenPhoto)
		mux.HandleFunc("GET /api/v1/open/photos/{id}/thumbnail", f.handleOpenPhoto)
	}
}

// feedPaths are the feeds' addresses outside the API, each with what lies
// under it.
var feedPaths = []string{"/gbfs", "/.well-known", "/healthz", "/readyz", "/metrics", "/robots.txt"}

// Serves reports whether path is the feeds' rather than a page's. Machines
// read these addresses, so a request no feed route takes (another method,
// no such feed) and a refused one (invalid text) get problem+json as the
// API's do, never an HTML page. The open data under /api/ is the API's.
func Serves(path string) bool {
	for _, p := range feedPaths {
		if path == p || strings.HasPrefix(path, p+"/") {
			return true
		}
	}
	return false
}

// Unrouted answers a request for one of the feeds' paths that no feed route
// of mux takes: 405 with Allow when the path has routes for other methods,
// 404 otherwise.
func (f *Handler) Unrouted(mux *http.ServeMux) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if allow := httpx.AllowedMethods(mux, r); len(allow) > 0 {
			httpx.WriteMethodNotAllowed(w, r, allow)
			return
		}
		httpx.WriteError(f.log, w, r, apperr.E(apperr.NotFound, "No such feed."))
	})
}
