package api

import (
	"net/http"

	"cityhub/web/httpx"
)

// handleAPINotFound answers an unknown API path with problem+json.
func handleAPINotFound(w http.ResponseWriter, r *http.Request) {
	httpx.WriteProblem(w, httpx.Problem{Type: "https://cityhub.example/problems/not_found", Title: "Not Found", Status: http.StatusNotFound,
		Detail: "No such API endpoint.", Instance: r.URL.Path, Code: "not_found"})
}
