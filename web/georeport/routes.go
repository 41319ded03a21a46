package georeport

import "net/http"

// Register adds every route of the Open311 endpoint to mux. Each resource
// has a JSON and an XML form; {file} is "{id}.json" or "{id}.xml".
func (h *Handler) Register(mux *http.ServeMux) {
	mux.Handle("GET /open311/v2/services.json", h.geo)
	mux.Handle("GET /open311/v2/services.xml", h.geo)
	mux.Handle("GET /open311/v2/services/{file}", h.geo)
	mux.Handle("GET /open311/v2/requests.json", h.geo)
	mux.Handle("GET /open311/v2/requests.xml", h.geo)
	mux.Handle("GET /open311/v2/requests/{file}", h.geo)
	mux.Handle("GET /open311/v2/tokens/{file}", h.geo)
	// Posting a request: limited per client address before its API key is
	// hashed.
	mux.Handle("POST /open311/v2/requests.json", h.post)
	mux.Handle("POST /open311/v2/requests.xml", h.post)
	// Service discovery, the one address a city registers.
	mux.Handle("GET /open311/discovery.json", h.discoveryJSON)
	mux.Handle("GET /open311/discovery.xml", h.discoveryXML)
	// Anything else under /open311/: GeoReport's errors, not a page.
	mux.Handle("/open311/", h.unrouted(mux))
}
