package feeds

import (
	"net/http"
	"strconv"
	"strings"
	"time"

	"cityhub/apperr"
	"cityhub/web/httpx"
)

// handleGBFS serves one GBFS v3.0 feed, /gbfs/v3/{feed}.json, from the bodies
// gbfs.Feeds keeps rendered: no database read per request. Conditional
// requests (ETag, Last-Modified) are answered with 304, clients that accept
// gzip get the body compressed at rendering, and anyone may read the feeds
// from a browser (open data).
func (f *Handler) handleGBFS(w http.ResponseWriter, r *http.Request) {
	file := r.PathValue("feed")
	name, ok := strings.CutSuffix(file, ".json")
	if !ok || f.GBFS == nil {
		httpx.WriteError(f.log, w, r, apperr.R(apperr.NotFound, "no_feed", "There is no GBFS feed %q.", file))
		return
	}
	body, err := f.GBFS.Feed(r.Context(), name)
	if err != nil {
		if apperr.Has(err, apperr.Unavailable) {
			w.Header().Set("Retry-After", "5")
		}
		httpx.WriteError(f.log, w, r, err)
		return
	}
	content, etag := body.JSON, body.ETag
	h := w.Header()
	h.Set("Content-Type", "application/json; charset=utf-8")
	h.Set("Access-Control-Allow-Origin", "*")
	// A browser app reads the validators to make conditional requests.
	h.Set("Access-Control-Expose-Headers", "ETag, Last-Modified")
	h.Set("Vary", "Accept-Encoding")
	h.Set("Cache-Control", "public, max-age="+strconv.Itoa(body.MaxAge(time.Now())))
	if body.Gzip != nil && acceptsGzip(r) {
		content, etag = body.Gzip, body.GzipETag
		h.Set("Content-Encoding", "gzip")
	}
	h.Set("ETag", etag)
	h.Set("Last-Modified", body.LastUpdated.UTC().Format(http.TimeFormat))
	if notModified(r, etag, body.LastUpdated) {
		h.Del("Content-Encoding")
		w.WriteHeader(http.StatusNotModified)
		return
	}
	h.Set("Content-Length", strconv.Itoa(len(content)))
	w.WriteHeader(http.StatusOK)
	if r.Method != http.MethodHead {
		_, _ = w.Write(content)
	}
}

// handleGBFSPreflight answers a browser's CORS preflight for a feed: 204,
// any origin, the read methods, and the request headers a conditional GET
// sends. The feeds are open data and carry no credentials.
func (f *Handler) handleGBFSPreflight(w http.ResponseWriter, r *http.Request) {
	preflight(w)
}

// OpenPreflight answers, before any route, a browser's CORS preflight for
// an open data address under /api/v1/open/ as handleGBFSPreflight answers
// GBFS's, and reports whether it did: a page of another site that
// revalidates its copy (If-None-Match, If-Modified-Since) asks first, and
// the open data is read from any site. It is not a route: a preflight is
// the browser's question about the address's GET, which the API document
// describes, not an operation of its own.
func OpenPreflight(w http.ResponseWriter, r *http.Request) bool {
	if r.Method != http.MethodOptions || r.Header.Get("Access-Control-Request-Method") == "" || !strings.HasPrefix(r.URL.Path, "/api/v1/open/") {
		return false
	}
	preflight(w)
	return true
}

// preflight is the answer to a preflight for open data: 204, any origin,
// the read methods, and the request headers a conditional GET sends.
func preflight(w http.ResponseWriter) {
	h := w.Header()
	h.Set("Access-Control-Allow-Origin", "*")
	h.Set("Access-Control-Allow-Methods", "GET, HEAD, OPTIONS")
	h.Set("Access-Control-Allow-Headers", "If-None-Match, If-Modified-Since, Accept-Language")
	h.Set("Access-Control-Expose-Headers", "ETag, Last-Modified")
	h.Set("Access-Control-Max-Age", "86400")
	w.WriteHeader(http.StatusNoContent)
}

// acceptsGzip reports whether Accept-Encoding allows gzip (q above 0).
func acceptsGzip(r *http.Request) bool {
	for _, v := range r.Header.Values("Accept-Encoding") {
		for part := range strings.SplitSeq(v, ",") {
			coding, params, _ := strings.Cut(strings.TrimSpace(part), ";")
			if !strings.EqualFold(strings.TrimSpace(coding), "gzip") {
				continue
			}
			q, found := strings.CutPrefix(strings.ReplaceAll(params, " ", ""), "q=")
			if !found {
				return true
			}
			f, err := strconv.ParseFloat(q, 64)
			return err == nil && f > 0
		}
	}
	return false
}

// notModified applies RFC 9110: If-None-Match decides when present, else
// If-Modified-Since.
func notModified(r *http.Request, etag string, modified time.Time) bool {
	if inm := r.Header.Get("If-None-Match"); inm != "" {
		for tag := range strings.SplitSeq(inm, ",") {
			tag = strings.TrimPrefix(strings.TrimSpace(tag), "W/")
			if tag == "*" || tag == etag {
				return true
			}
		}
		return false
	}
	if ims := r.Header.Get("If-Modified-Since"); ims != "" {
		if t, err := http.ParseTime(ims); err == nil {
			return !modified.Truncate(time.Second).After(t)
		}
	}
	return false
}
