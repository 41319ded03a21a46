package feeds

import (
	"cityhub/web/httpx"
	"net/http"
)

// handleJWKS publishes the hub's public signing keys (access tokens and QR
// codes) for tills, door scanners and API clients. Keys change rarely and
// old ones stay listed while their tokens live, so caches may keep it a while.
func (f *Handler) handleJWKS(w http.ResponseWriter, r *http.Request) {
	if f.Keys == nil {
		httpx.WriteProblem(w, httpx.Problem{Type: "https://cityhub.example/problems/unavailable", Title: "Service Unavailable",
			Status: http.StatusServiceUnavailable, Detail: "No signing keys are loaded.", Instance: r.URL.Path, Code: "unavailable"})
		return
	}
	w.Header().Set("Content-Type", "application/jwk-set+json")
	w.Header().Set("Cache-Control", "public, max-age=300")
	w.Header().Set("Access-Control-Allow-Origin", "*")
	_, _ = w.Write(f.Keys.JWKS())
}
