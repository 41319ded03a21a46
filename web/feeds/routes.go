package feeds

import "net/http"

// Register adds every route of the open feeds to mux.
func (f *Handler) Register(mux *http.ServeMux) {
	// Operations.
	mux.HandleFunc("GET /healthz", f.handleHealthz)
	mux.HandleFunc("GET /readyz", f.handleReadyz)
	mux.Handle("GET /metrics", f.metricsHandler())

	// The hub's public signing keys.
	mux.HandleFunc("GET /.well-known/jwks.json", f.handleJWKS)

	// GBFS.
	mux.HandleFunc("GET /gbfs/v3/{feed}", f.handleGBFS)
	mux.HandleFunc("OPTIONS /gbfs/v3/{feed}", f.handleGBFSPreflight)

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
