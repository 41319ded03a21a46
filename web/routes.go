package web

import "net/http"

// routes lists every route of the hub, in one place. Each area keeps its own
// block; a handler lives in a file of its own area.
func (s *Server) routes(mux *http.ServeMux) {
	// Operations.
	mux.HandleFunc("GET /healthz", s.handleHealthz)
	mux.HandleFunc("GET /readyz", s.handleReadyz)
	mux.Handle("GET /metrics", s.metricsHandler())

	// Identity: login, tokens, keys.

	// Wallet.

	// Vouchers.

	// Mobility and GBFS.

	// Pages.

	// Unknown API paths answer problem+json rather than the mux's text 404.
	mux.HandleFunc("/api/", s.handleAPINotFound)
}

func (s *Server) handleAPINotFound(w http.ResponseWriter, r *http.Request) {
	writeProblem(w, Problem{Type: "https://cityhub.example/problems/not_found", Title: "Not Found", Status: http.StatusNotFound,
		Detail: "No such API endpoint.", Instance: r.URL.Path, Code: "not_found"})
}
