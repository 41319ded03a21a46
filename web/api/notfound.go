package api

import (
	"net/http"

	"cityhub/web/httpx"
)

// apiMethods are the methods the API's routes are registered with; HEAD
// goes with GET, as the mux serves it.
var apiMethods = []string{http.MethodGet, http.MethodPost, http.MethodPut, http.MethodPatch, http.MethodDelete}

// apiFallback answers a request that no API route took. A path that a
// route serves with other methods is 405 with Allow, found by asking mux
// itself which of its patterns each method would reach, so the answer
// cannot drift from the routes; any other path is 404. Both are
// problem+json rather than the mux's text.
func apiFallback(mux *http.ServeMux) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		var allow []string
		for _, m := range apiMethods {
			probe := r.Clone(r.Context())
			probe.Method = m
			if _, pattern := mux.Handler(probe); pattern != "" && pattern != apiCatchAll {
				allow = append(allow, m)
				if m == http.MethodGet {
					allow = append(allow, http.MethodHead)
				}
			}
		}
		if len(allow) > 0 {
			httpx.WriteMethodNotAllowed(w, r, allow)
			return
		}
		httpx.WriteProblem(w, httpx.Problem{Type: "https://cityhub.example/problems/not_found", Title: "Not Found", Status: http.StatusNotFound,
			Detail: "No such API endpoint.", Instance: r.URL.Path, Code: "not_found"})
	}
}

// apiCatchAll is the pattern of apiFallback's route.
const apiCatchAll = "/api/"
