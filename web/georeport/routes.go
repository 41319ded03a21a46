package georeport

import "net/http"

// Register adds every route of the Open311 endpoint to mux. Each resource
// has a JSON and an XML form; {file} is "{id}.json" or "{id}.xml".
func (h *Handler) Register(mux *http.ServeMux) {
	// Reading: open data, which a web page of any site may read too.
	read := anyOrigin(h.geo)
	mux.Handle("GET /open311/v2/services.json", read)
	mux.Handle("GET /open311/v2/services.xml", read)
	mux.Handle("GET /open311/v2/services/{file}", read)
	mux.Handle("GET /open311/v2/requests.json", read)
	mux.Handle("GET /open311/v2/requests.xml", read)
	mux.Handle("GET /open311/v2/requests/{file}", read)
	mux.Handle("GET /open311/v2/tokens/{file}", read)
	// Posting a request: limited per client address before its API key is
	// hashed.
	mux.Handle("POST /open311/v2/requests.json", h.post)
	mux.Handle("POST /open311/v2/requests.xml", h.post)
	// Service discovery, the one address a city registers.
	mux.Handle("GET /open311/discovery.json", anyOrigin(h.discoveryJSON))
	mux.Handle("GET /open311/discovery.xml", anyOrigin(h.discoveryXML))
	// Anything else under /open311/: GeoReport's errors, not a page.
	mux.Handle("/open311/", h.unrouted(mux))
}

// anyOrigin lets a script of any site read what next answers, as it may
// the GBFS feeds and the open data: what Open311 gives to a GET is public
// and asks for no credentials. Posting, which carries a city-issued API
// key, is left to the browser's same-origin rule.
func anyOrigin(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Access-Control-Allow-Origin", "*")
		next.ServeHTTP(w, r)
	})
}
