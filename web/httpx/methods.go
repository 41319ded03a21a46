package httpx

import (
	"net/http"
	"path"
	"strings"
)

// probedMethods are the methods a route may be registered for.
var probedMethods = []string{http.MethodGet, http.MethodHead, http.MethodPost, http.MethodPut, http.MethodPatch, http.MethodDelete, http.MethodOptions}

// AllowedMethods are the methods for which mux has a route of its own (a
// pattern naming a method, not a catch-all) at r's path; HEAD goes with
// GET, as the mux serves it. A catch-all answering an unrouted request
// asks this for its Allow: found from the routes themselves, the answer
// cannot drift from them.
func AllowedMethods(mux *http.ServeMux, r *http.Request) []string {
	var allow []string
	for _, m := range probedMethods {
		probe := r.WithContext(r.Context())
		probe.Method = m
		if _, pattern := mux.Handler(probe); strings.HasPrefix(pattern, m+" ") || m == http.MethodHead && strings.HasPrefix(pattern, "GET ") {
			allow = append(allow, m)
		}
	}
	return allow
}

// CanonicalPath is p as the mux would redirect it: dot segments resolved,
// repeated slashes folded, a trailing slash kept; ok is whether p already
// is that. A dot segment written escaped (%2e, .%2E, %2e%2e) is one too,
// as RFC 3986 reads it: the mux decodes it into a ".." it would route as
// a name (/api/v1/accounts/%2e%2e as the account "..").
func CanonicalPath(p string) (canon string, ok bool) {
	canon = unescapeDotSegments(p)
	if canon == "" || canon[0] != '/' {
		canon = "/" + canon
	}
	trailing := strings.HasSuffix(canon, "/")
	canon = path.Clean(canon)
	if trailing && canon != "/" {
		canon += "/"
	}
	return canon, canon == p
}

// unescapeDotSegments writes p's escaped dot segments as the dots they
// are, leaving every other segment as it was.
func unescapeDotSegments(p string) string {
	if !strings.Contains(p, "%") {
		return p
	}
	segs := strings.Split(p, "/")
	for i, seg := range segs {
		if dots := strings.ReplaceAll(strings.ToLower(seg), "%2e", "."); dots != seg && (dots == "." || dots == "..") {
			segs[i] = dots
		}
	}
	return strings.Join(segs, "/")
}
