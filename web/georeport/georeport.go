// Package georeport is the hub's Open311 GeoReport v2 surface under
// /open311/v2: report apps and city back offices list the city's services,
// post service requests with an API key the city issued, and follow them.
// The documents and the rules are the open311 and participation packages';
// this surface mounts them and adds what the HTTP edge owes them: a limit
// of POSTs per client address, applied before the API key is hashed; the
// jurisdiction the endpoint serves (the city's jurisdiction_id, and the
// hub's public host); and the
// standard's errors document for whatever the server refuses before any
// route is picked (invalid text, unknown paths and methods).
package georeport

import (
	"log/slog"
	"net/http"
	"net/url"
	"strings"
	"time"

	"cityhub/apperr"
	"cityhub/open311"
	"cityhub/participation"
	"cityhub/photo"
	"cityhub/web/httpx"
)

// Prefix is where the endpoint lives; routes.go writes it out in each route.
const Prefix = "/open311/v2"

// Limits of POST requests per client address: a burst, then one request
// per interval. Each POST costs an argon2id hash (tens of milliseconds, 19
// MiB) whether its key exists or not; a report app posts a few requests a
// minute per person, and a shared address (a school, a mobile carrier's
// NAT) still gets 30 at once.
const (
	DefaultPostBurst = 30
	DefaultPostEvery = 2 * time.Second
)

// Deps is what the endpoint needs.
type Deps struct {
	Log     *slog.Logger
	Service *participation.Service
	// MediaURL is the public address of an approved photo.
	MediaURL func(photoID string) string
	Photos   photo.Limits
	// PostLimiter limits POST requests per client address; when nil, one
	// with DefaultPostBurst and DefaultPostEvery.
	PostLimiter *httpx.IPLimiter
	// Discovery is what /open311/discovery.{json,xml} says; its URL is
	// the endpoint's public address.
	Discovery open311.Discovery
	// Jurisdiction is the city's jurisdiction_id
	// (CITYHUB_OPEN311_JURISDICTION), GeoReport v2's suggestion being the
	// city's website without "www." (comune.benevento.it). Clients may
	// send it or the host name of Discovery.URL (the hub's public host,
	// from CITYHUB_PUBLIC_URL), in any letter case, with or without a
	// leading "www."; another is 404 (jurisdiction_not_found), none is
	// this one. The discovery document names it, or the hub's host when
	// it is empty.
	Jurisdiction string
}

// jurisdiction is the host name of the endpoint's public URL, "" when it
// has none.
func jurisdiction(endpoint string) string {
	u, err := url.Parse(endpoint)
	if err != nil {
		return ""
	}
	return strings.ToLower(u.Hostname())
}

// Handler serves the endpoint.
type Handler struct {
	log *slog.Logger
	// geo dispatches every resource of the endpoint (open311's own mux).
	geo http.Handler
	// post is geo behind the limit per client address.
	post http.Handler
	// discoveryJSON and discoveryXML are the service discovery document.
	discoveryJSON, discoveryXML http.Handler
}

// New builds the endpoint over d.Service.
func New(d Deps) *Handler {
	if d.Log == nil {
		d.Log = slog.New(slog.DiscardHandler)
	}
	if d.PostLimiter == nil {
		d.PostLimiter = httpx.NewIPLimiter(DefaultPostBurst, DefaultPostEvery)
	}
	// The city's own id first: it is the one the discovery document and
	// the 404 name first. A client that read the hub's address off the
	// discovery document may send its host instead.
	var accepted []string
	for _, j := range []string{d.Jurisdiction, jurisdiction(d.Discovery.URL)} {
		if j != "" {
			accepted = append(accepted, j)
		}
	}
	if d.Discovery.Jurisdiction == "" && len(accepted) > 0 {
		d.Discovery.Jurisdiction = accepted[0]
	}
	srv := open311.New(d.Service, open311.Options{Jurisdictions: accepted, MediaURL: d.MediaURL, Photos: d.Photos, Logger: d.Log})
	geo := srv.Handler(Prefix)
	h := &Handler{log: d.Log, geo: geo, discoveryJSON: srv.DiscoveryHandler(d.Discovery, "json"), discoveryXML: srv.DiscoveryHandler(d.Discovery, "xml")}
	h.post = d.PostLimiter.Limit(h.refuse, geo)
	return h
}

// refuse answers a refusal of the limit as the standard's errors document,
// in the format the path asks for.
func (h *Handler) refuse(w http.ResponseWriter, r *http.Request, err error) {
	WriteError(w, r, http.StatusTooManyRequests, apperr.MessageOf(err))
}

// unrouted answers what no route of the endpoint takes, as the standard's
// errors document rather than a page or the mux's text: a resource asked
// with a method it does not take is 405 with Allow, anything else 404.
func (h *Handler) unrouted(mux *http.ServeMux) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if allow := httpx.AllowedMethods(mux, r); len(allow) > 0 {
			w.Header().Set("Allow", strings.Join(allow, ", "))
			WriteError(w, r, http.StatusMethodNotAllowed, "This resource answers "+strings.Join(allow, ", ")+" only.")
			return
		}
		WriteError(w, r, http.StatusNotFound, "No such resource: the endpoint serves services, requests and tokens, each as .json or .xml.")
	})
}

// WriteError answers one error as the standard's errors document, in the
// format r's path names: XML for .xml, JSON otherwise (the format the
// standard's clients ask for most).
func WriteError(w http.ResponseWriter, r *http.Request, status int, description string) {
	w.Header().Set("Cache-Control", "no-store")
	f := "json"
	if strings.HasSuffix(r.URL.Path, ".xml") {
		f = "xml"
	}
	open311.WriteError(w, f, status, description)
}
