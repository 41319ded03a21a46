package api

import (
	"net/http"

	"cityhub/web/httpx"
)

// paymentsOff answers, on a hub without card payments, the routes that
// exist only with them (Stripe's webhook, the events it left for an
// operator): 404, as a route that is not there, whoever asks, with reason
// payments_off, as top-ups and ticket card payments give on such a hub
// (503 there, where the operation itself exists).
func paymentsOff(w http.ResponseWriter, r *http.Request) {
	httpx.WriteProblem(w, httpx.Problem{Type: "https://cityhub.example/problems/not_found", Title: "Not Found", Status: http.StatusNotFound,
		Detail: "Card payments are not configured on this hub.", Instance: r.URL.Path, Code: "not_found", Reason: "payments_off"})
}

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
