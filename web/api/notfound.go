package api

import (
	"net/http"

	"cityhub/web/httpx"
)

// apiFallback answers a request that no API route took. A path that a
// route serves with other methods is 405 with Allow; any other path is
// 404. Both are problem+json rather than the mux's text.
func apiFallback(mux *http.ServeMux) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		allow := httpx.AllowedMethods(mux, r)
		if len(allow) > 0 {
			httpx.WriteMethodNotAllowed(w, r, allow)
			return
		}
		httpx.WriteProblem(w, httpx.Problem{Type: "https://cityhub.example/problems/not_found", Title: "Not Found", Status: http.StatusNotFound,
			Detail: "No such API endpoint.", Instance: r.URL.Path, Code: "not_found", Reason: "not_found"})
	}
}
