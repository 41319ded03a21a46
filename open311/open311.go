// Package open311 is the hub's Open311 GeoReport v2 endpoint
// (https://wiki.open311.org/GeoReport_v2), so that existing report apps and
// city back offices can list the city's services (report categories), post
// service requests (reports) with an API key the city issued, and follow
// them. It maps between the standard's documents, in JSON and XML, and the
// participation domain, which holds every rule; this package decides
// nothing itself.
//
// The web server mounts it with Routes under a prefix such as /open311/v2.
// What GeoReport v2 leaves open, and what the hub chose:
//   - service_code is the category code; every service is "realtime" (the
//     request exists once POST answers), so the answer carries the
//     service_request_id and, as the standard says, no token; tokens/{token}
//     still resolves a report's token, for tokens given out before.
//   - status is "open" while the city works a report (open, acknowledged,
//     in_progress) and "closed" once fixed, rejected or merged; the hub's
//     finer status and the office's note are in status_notes.
//   - description is optional and up to 4000 characters, as the standard
//     says: the service code says what is wrong. Names (service_name,
//     agency_responsible, the hub's fixed notes) follow Accept-Language,
//     English or Italian, in requests as in services; error descriptions
//     are in English, as the hub's API messages are.
//   - media_url is neither fetched (the hub makes no requests to addresses
//     a client names) nor kept (no photo is public before staff moderate
//     it): an http(s) address is taken and the answer's service_notice
//     says it was not kept; a photo may be sent instead as the multipart
//     file "media" (as FixMyStreet does), re-encoded and moderated like
//     any; up to three, as a report takes. A file under any other name is
//     refused, where a text field the hub does not read is ignored: a
//     file is only sent to be kept.
//   - Names and e-mails a client sends reach the city only: GET answers
//     carry no personal data, and descriptions staff redacted are hidden.
//   - POST takes a form, as the standard says (urlencoded, or multipart
//     with photos); any other body is 415 in the errors document, before
//     the api_key is looked at.
//
// Every POST costs an argon2id hash of its api_key (tens of milliseconds
// and 19 MiB), whether the key exists or not, and the participation domain
// limits failures per key id only. Whoever mounts this endpoint must limit
// POST requests per client address in front of it (as the hub's login
// pages are), or a client cycling key ids can keep the CPU busy hashing.
package open311

import (
	"encoding/json"
	"encoding/xml"
	"log/slog"
	"math"
	"net"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"time"

	"cityhub/apperr"
	"cityhub/internal/acceptlang"
	"cityhub/participation"
	"cityhub/photo"
	"cityhub/web/httpx"
)

// Options tune the endpoint; zero fields take the defaults.
type Options struct {
	// Jurisdictions are the jurisdiction_id values clients may send (any
	// when empty), the first the one to name: each is compared as
	// NormalJurisdiction gives it, so letter case and a leading "www." do
	// not matter, as they do not to the host names they are.
	Jurisdictions []string
	// MediaURL is the public address of an approved photo, for media_url;
	// none is given when nil.
	MediaURL func(photoID string) string
	// Photos limits an uploaded "media" file.
	Photos photo.Limits
	Logger *slog.Logger
	// Now is the clock of the default 90-day window (time.Now when nil).
	Now func() time.Time
}

// Server answers GeoReport v2 requests from the participation service.
type Server struct {
	svc  *participation.Service
	opts Options
	log  *slog.Logger
	// jurisdictions are opts.Jurisdictions as NormalJurisdiction gives
	// them, without repeats, in their order: what checkJurisdiction
	// compares with and names.
	jurisdictions []string
}

// New returns the endpoint over svc.
func New(svc *participation.Service, opts Options) *Server {
	log := opts.Logger
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	if opts.Photos.MaxBytes <= 0 {
		opts.Photos.MaxBytes = photo.DefaultMaxBytes
	}
	if opts.Now == nil {
		opts.Now = time.Now
	}
	var js []string
	for _, j := range opts.Jurisdictions {
		if n := NormalJurisdiction(j); !slices.Contains(js, n) {
			js = append(js, n)
		}
	}
	return &Server{svc: svc, opts: opts, log: log, jurisdictions: js}
}

func (s *Server) now() time.Time { return s.opts.Now() }

// Routes registers the endpoint's resources on mux under prefix (for
// example "/open311/v2"), each in its JSON and XML form.
func (s *Server) Routes(mux *http.ServeMux, prefix string) {
	prefix = strings.TrimSuffix(prefix, "/")
	for _, f := range []string{"json", "xml"} {
		mux.HandleFunc("GET "+prefix+"/services."+f, s.format(f, s.handleServices))
		mux.HandleFunc("GET "+prefix+"/requests."+f, s.format(f, s.handleRequests))
		mux.HandleFunc("POST "+prefix+"/requests."+f, s.format(f, s.handlePostRequest))
	}
	mux.HandleFunc("GET "+prefix+"/services/{file}", s.withFile(s.handleService))
	mux.HandleFunc("GET "+prefix+"/requests/{file}", s.withFile(s.handleRequest))
	mux.HandleFunc("GET "+prefix+"/tokens/{file}", s.withFile(s.handleToken))
}

// Handler is a handler serving only the endpoint under prefix.
func (s *Server) Handler(prefix string) http.Handler {
	mux := http.NewServeMux()
	s.Routes(mux, prefix)
	return mux
}

// handler answers one resource in format f ("json" or "xml").
type handler func(w http.ResponseWriter, r *http.Request, f string, id string)

func (s *Server) format(f string, h handler) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) { h(w, r, f, "") }
}

// withFile splits "{id}.json" or "{id}.xml"; any other name is not found.
func (s *Server) withFile(h handler) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		file := r.PathValue("file")
		i := strings.LastIndexByte(file, '.')
		if i <= 0 || (file[i+1:] != "json" && file[i+1:] != "xml") {
			s.fail(w, "json", apperr.E(apperr.NotFound, "Not found: ask for a .json or .xml resource."))
			return
		}
		h(w, r, file[i+1:], file[:i])
	}
}

// write answers v in format f; xmlRoot wraps XML lists as the standard
// names them.
func (s *Server) write(w http.ResponseWriter, f string, status int, v any) {
	write(w, s.log, f, status, v)
}

func write(w http.ResponseWriter, log *slog.Logger, f string, status int, v any) {
	if f == "xml" {
		w.Header().Set("Content-Type", "text/xml; charset=utf-8")
		w.WriteHeader(status)
		_, _ = w.Write([]byte(xml.Header))
		enc := xml.NewEncoder(w)
		enc.Indent("", "  ")
		if err := enc.Encode(v); err != nil {
			log.Error("open311: encode xml", slog.Any("error", err))
		}
		return
	}
	w.Header().Set("Content-Type", "application/json; charset=utf-8")
	w.WriteHeader(status)
	if err := json.NewEncoder(w).Encode(v); err != nil {
		log.Error("open311: encode json", slog.Any("error", err))
	}
}

// apiError is one error as the standard gives it.
type apiError struct {
	Code        int    `json:"code" xml:"code"`
	Description string `json:"description" xml:"description"`
}

type xmlErrors struct {
	XMLName xml.Name   `xml:"errors"`
	Errors  []apiError `xml:"error"`
}

// fail answers err as the standard's errors document, with the HTTP status
// its code maps to; internal errors are logged and described generically.
func (s *Server) fail(w http.ResponseWriter, f string, err error) {
	status := http.StatusInternalServerError
	switch apperr.CodeOf(err) {
	case apperr.Invalid:
		status = http.StatusBadRequest
	case apperr.Unauthenticated, apperr.Forbidden:
		status = http.StatusForbidden
	case apperr.NotFound:
		status = http.StatusNotFound
	case apperr.Conflict:
		status = http.StatusConflict
	case apperr.RateLimited:
		status = http.StatusTooManyRequests
		if d := apperr.RetryAfterOf(err); d > 0 {
			w.Header().Set("Retry-After", strconv.Itoa(int(math.Ceil(d.Seconds()))))
		}
	case apperr.Unavailable:
		status = http.StatusServiceUnavailable
	default:
		s.log.Error("open311: internal error", slog.Any("error", err))
	}
	writeError(w, s.log, f, status, apperr.MessageOf(err))
}

// WriteError answers one error as GeoReport v2 gives them, a list of
// {code, description} in format f ("xml", or JSON for anything else), for
// what the endpoint's mounting answers itself: its limits, the paths and
// methods no resource takes.
func WriteError(w http.ResponseWriter, f string, status int, description string) {
	writeError(w, slog.New(slog.DiscardHandler), f, status, description)
}

func writeError(w http.ResponseWriter, log *slog.Logger, f string, status int, description string) {
	e := apiError{Code: status, Description: description}
	if f == "xml" {
		write(w, log, f, status, xmlErrors{Errors: []apiError{e}})
		return
	}
	write(w, log, "json", status, []apiError{e})
}

// lang picks the services' language from Accept-Language as the pages do
// (acceptlang.Pick: by the weights, an entry that does not read skipped):
// Italian when the client names neither Italian nor English.
func lang(r *http.Request) string {
	return acceptlang.Pick(r.Header.Get("Accept-Language"), []string{"it", "en"}, "it")
}

// NormalJurisdiction is j as jurisdiction_id values are compared and
// named: in lower case, without a leading "www." (GeoReport v2 suggests
// the jurisdiction's website "without the www", and clients send it either
// way), and given as the website's address (https://www.comune.it/) its
// host alone, as clients set up with the site's address send it. A port
// (comune.it:8443, http://127.0.0.1:18080/) is dropped: it is never part
// of a jurisdiction, and the hub's own address carries one when it is not
// served on the scheme's default port.
func NormalJurisdiction(j string) string {
	j = strings.ToLower(strings.TrimSpace(j))
	if rest, ok := strings.CutPrefix(j, "https://"); ok {
		j = rest
	} else if rest, ok := strings.CutPrefix(j, "http://"); ok {
		j = rest
	}
	if i := strings.IndexByte(j, '/'); i >= 0 && strings.Trim(j[i:], "/") == "" {
		j = j[:i]
	}
	j = withoutPort(j)
	return strings.TrimPrefix(strings.TrimSuffix(j, "."), "www.")
}

// withoutPort is host without a trailing :<digits> port. An IPv6 address
// is a port's host only in brackets ([::1]:8080), and is given without
// them, as url.URL.Hostname names it; a bare one (2001:db8::1) has colons
// of its own and is kept whole.
func withoutPort(host string) string {
	if h, port, err := net.SplitHostPort(host); err == nil && port != "" && strings.Trim(port, "0123456789") == "" {
		return h
	}
	return host
}

// checkJurisdiction refuses a jurisdiction_id given more than once
// (Invalid, duplicate_field: in the query twice, or in a POST's query and
// body), as a POST's fields are, rather than answer for the first, and
// one that is none of the endpoint's, NotFound as GeoReport v2 lists it,
// naming the ones it takes; none (or an empty one) is this endpoint's, as
// the standard allows an endpoint serving one jurisdiction.
func (s *Server) checkJurisdiction(r *http.Request) error {
	j := r.FormValue("jurisdiction_id")
	if err := httpx.Once(r.Form, "jurisdiction_id"); err != nil {
		return err
	}
	if j == "" || len(s.jurisdictions) == 0 || slices.Contains(s.jurisdictions, NormalJurisdiction(j)) {
		return nil
	}
	return apperr.R(apperr.NotFound, "jurisdiction_not_found",
		"This endpoint serves one jurisdiction: send jurisdiction_id %s, or leave it out.", strings.Join(s.jurisdictions, " or "))
}
