package open311

import (
	"encoding/xml"
	"errors"
	"fmt"
	"io"
	"math"
	"mime"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	"cityhub/apperr"
	"cityhub/participation"
	"cityhub/photo"
	"cityhub/web/httpx"
)

// ServiceRequest is one request of GET requests and GET requests/{id}.
type ServiceRequest struct {
	ServiceRequestID  string `json:"service_request_id" xml:"service_request_id"`
	Status            string `json:"status" xml:"status"`
	StatusNotes       string `json:"status_notes" xml:"status_notes"`
	ServiceName       string `json:"service_name" xml:"service_name"`
	ServiceCode       string `json:"service_code" xml:"service_code"`
	Description       string `json:"description" xml:"description"`
	AgencyResponsible string `json:"agency_responsible" xml:"agency_responsible"`
	ServiceNotice     string `json:"service_notice" xml:"service_notice"`
	RequestedDatetime string `json:"requested_datetime" xml:"requested_datetime"`
	UpdatedDatetime   string `json:"updated_datetime" xml:"updated_datetime"`
	// expected_datetime is never written: the hub has no service level
	// dates, and the standard's "may not be returned" leaves it out rather
	// than an empty string, on which strict parsers fail.
	Address string `json:"address" xml:"address"`
	// address_id and zipcode are never written either: the hub keeps no
	// address database to give an id from, and no postal code apart from
	// what the address says. Neither is required (the Open311 schema has
	// both optional, null allowed), and an empty one would claim an id or
	// code that is "", so they are left out in JSON and XML alike, as
	// FixMyStreet's GeoReport output leaves them.
	Lat      *float64 `json:"lat" xml:"lat,omitempty"`
	Long     *float64 `json:"long" xml:"long,omitempty"`
	MediaURL string   `json:"media_url" xml:"media_url"`
}

type xmlRequests struct {
	XMLName  xml.Name         `xml:"service_requests"`
	Requests []ServiceRequest `xml:"request"`
}

// Created is the answer to POST requests: the new request's id. No token:
// every service is realtime, and GeoReport v2 says a token "should not be
// returned if service_request_id is returned". A report still has one,
// which tokens/{token} resolves, for tokens given out before.
type Created struct {
	ServiceRequestID string `json:"service_request_id" xml:"service_request_id"`
	ServiceNotice    string `json:"service_notice" xml:"service_notice"`
	AccountID        string `json:"account_id" xml:"account_id"`
}

type xmlCreated struct {
	XMLName  xml.Name  `xml:"service_requests"`
	Requests []Created `xml:"request"`
}

// TokenAnswer is one entry of GET tokens/{token}.
type TokenAnswer struct {
	ServiceRequestID string `json:"service_request_id" xml:"service_request_id"`
	Token            string `json:"token" xml:"token"`
}

type xmlTokens struct {
	XMLName  xml.Name      `xml:"service_requests"`
	Requests []TokenAnswer `xml:"request"`
}

// Time format of the standard: W3C ISO 8601 with a zone.
const w3c = time.RFC3339

// openStatus maps the hub's status to the standard's two.
func openStatus(st string) string {
	if participation.Closed(st) {
		return "closed"
	}
	return "open"
}

// request is p as a service request, its names in lang ("it" or "en") as
// services are.
func (s *Server) request(p participation.PublicReport, lang string) ServiceRequest {
	cat := s.svc.Catalogue()
	k := cat.CategoryOrCode(p.Category)
	// The report's own office: its category may have left the catalogue.
	office, _ := cat.Office(p.OfficeID)
	agency := office.NameIT
	if lang == "en" {
		agency = office.NameEN
	}
	// The hub's fixed texts (a reopened report's note, a redacted
	// description) follow the language as the names do.
	p = p.InLanguage(lang)
	note := p.StatusNote
	notes := p.Status
	if note != "" {
		notes += ": " + note
	}
	out := ServiceRequest{ServiceRequestID: p.ID, Status: openStatus(p.Status), StatusNotes: notes, ServiceName: k.Name(lang),
		ServiceCode: p.Category, Description: p.Description, AgencyResponsible: agency,
		RequestedDatetime: p.CreatedAt.Format(w3c), UpdatedDatetime: p.UpdatedAt.Format(w3c), Address: p.Address}
	if p.Located {
		lat, lon := p.Lat, p.Lon
		out.Lat, out.Long = &lat, &lon
	}
	if len(p.PhotoIDs) > 0 && s.opts.MediaURL != nil {
		out.MediaURL = s.opts.MediaURL(p.PhotoIDs[0])
	}
	return out
}

func (s *Server) writeRequests(w http.ResponseWriter, r *http.Request, f string, ps []participation.PublicReport) {
	out := make([]ServiceRequest, 0, len(ps))
	for _, p := range ps {
		out = append(out, s.request(p, lang(r)))
	}
	if f == "xml" {
		s.write(w, f, http.StatusOK, xmlRequests{Requests: out})
		return
	}
	s.write(w, f, http.StatusOK, out)
}

// maxForm bounds a POST without a photo.
const maxForm = 64 << 10

// handlePostRequest is POST requests.{format}: a report from an app with
// an API key. Form fields as the standard lists them; a multipart "media"
// file is a photo.
func (s *Server) handlePostRequest(w http.ResponseWriter, r *http.Request, f, _ string) {
	// A body that is no form (JSON, say) would be read as an empty form
	// and refused for its missing api_key, which misleads a client whose
	// key is right: the body's type is what is wrong, so it is checked
	// first, before the body is read or the key looked at.
	if !formPost(r) {
		writeError(w, s.log, f, http.StatusUnsupportedMediaType,
			"A request is posted as application/x-www-form-urlencoded, or as multipart/form-data with photos.")
		return
	}
	// Nor a form declared in another charset than UTF-8: its text read as
	// UTF-8 would be refused for characters it does not have ("è" in
	// Latin-1 is no UTF-8), or kept garbled; the client learns what to
	// send instead.
	if !utf8Form(r) {
		writeError(w, s.log, f, http.StatusUnsupportedMediaType,
			"A request's form is sent in UTF-8: declare charset=utf-8, or no charset.")
		return
	}
	// Nor is a compressed body read (httpx.Uncompressed, as the JSON API
	// refuses one): decoded as it came, it would be read as other than its
	// header says.
	if httpx.Uncompressed(r) != nil {
		writeError(w, s.log, f, http.StatusUnsupportedMediaType,
			"A request's body is not compressed: send it without Content-Encoding.")
		return
	}
	n, key, media, err := s.readPost(w, r)
	if r.MultipartForm != nil {
		defer r.MultipartForm.RemoveAll()
	}
	if err != nil {
		s.fail(w, f, err)
		return
	}
	k, err := s.svc.AuthenticateAPIKey(r.Context(), key)
	if err != nil {
		s.fail(w, f, err)
		return
	}
	// GeoReport v2 lists "404 - service_code or jurisdiction_id was not
	// found" for POST: the service, not the request, is what is missing
	// (the participation domain calls it an invalid report). Told only
	// to an app the city knows, as every answer about a request is.
	if _, ok := s.svc.Catalogue().Category(n.Category); !ok {
		s.fail(w, f, unknownService(apperr.NotFound, n.Category, f))
		return
	}
	// Photos are decoded only for an app the city knows.
	if n.Photos, err = s.readPhotos(r); err != nil {
		s.fail(w, f, err)
		return
	}
	// The report keeps the language asked for, as the answer's notice
	// follows it: its reporter's e-mails speak it.
	rep, err := s.svc.SubmitReportFromApp(r.Context(), k, lang(r), n)
	if err != nil {
		s.fail(w, f, inOpenTerms(err))
		return
	}
	c := Created{ServiceRequestID: rep.ID}
	if media != "" {
		c.ServiceNotice = mediaURLNotice(lang(r))
	}
	if f == "xml" {
		s.write(w, f, http.StatusOK, xmlCreated{Requests: []Created{c}})
		return
	}
	s.write(w, f, http.StatusOK, []Created{c})
}

// formPost reports whether r's body is a form GeoReport v2 posts:
// application/x-www-form-urlencoded, or multipart/form-data (photos). A
// post without a Content-Type is taken as an empty form only when it has
// no body.
func formPost(r *http.Request) bool {
	ct := r.Header.Get("Content-Type")
	if ct == "" {
		return r.ContentLength == 0
	}
	mt, _, err := mime.ParseMediaType(ct)
	return err == nil && (mt == "application/x-www-form-urlencoded" || mt == "multipart/form-data")
}

// utf8Form reports whether r's form is in UTF-8: no charset declared
// (HTML's forms and most clients send UTF-8 without saying so), or
// charset=utf-8 in any case.
func utf8Form(r *http.Request) bool {
	_, params, err := mime.ParseMediaType(r.Header.Get("Content-Type"))
	if err != nil {
		return true // no Content-Type: formPost judged it
	}
	cs, ok := params["charset"]
	return !ok || strings.EqualFold(cs, "utf-8") || strings.EqualFold(cs, "utf8")
}

// readPost reads a POST's form: the report, the api_key, and the
// media_url given (checked, never fetched nor kept).
func (s *Server) readPost(w http.ResponseWriter, r *http.Request) (n participation.NewReport, key, media string, err error) {
	mt, _, _ := mime.ParseMediaType(r.Header.Get("Content-Type"))
	multipart := mt == "multipart/form-data"
	limit := int64(maxForm)
	if multipart {
		// As many photos as a report takes, each at its limit, and the
		// fields.
		limit += int64(participation.MaxPhotos) * int64(s.opts.Photos.MaxBytes)
	}
	httpx.LimitBody(w, r, limit)
	if multipart {
		if err := r.ParseMultipartForm(maxForm); err != nil {
			return n, "", "", formError(err)
		}
	} else {
		if err := r.ParseForm(); err != nil {
			return n, "", "", formError(err)
		}
	}
	if err := s.checkJurisdiction(r); err != nil {
		return n, "", "", err
	}
	for name, vs := range r.PostForm {
		// The first of two would be taken silently: a client's mistake
		// (two service codes, two descriptions) must not file a report.
		if len(vs) > 1 {
			return n, "", "", apperr.R(apperr.Invalid, "duplicate_field", "The field %q is given more than once.", name)
		}
	}
	// A field the hub does not read (phone, device_id, attribute[...]) is
	// ignored, as GeoReport v2 lets clients send more than a service
	// needs; but a file is only ever sent to be kept, and the hub keeps
	// the files named "media" alone. A photo under another name (media[],
	// photo) dropped would file a report without it, its client told only
	// by a service_notice few clients show: the mistake is refused, as a
	// repeated field is, and nothing is made.
	if r.MultipartForm != nil {
		for name := range r.MultipartForm.File {
			if name != "media" {
				return n, "", "", apperr.R(apperr.Invalid, "unknown_field",
					"The form has a file named %q: photos are sent as multipart/form-data files named \"media\" (up to %d).", name, participation.MaxPhotos)
			}
		}
	}
	key = r.PostFormValue("api_key")
	if key == "" {
		return n, "", "", apperr.R(apperr.Unauthenticated, "api_key_required", "An api_key issued by the city is required to post a request.")
	}
	code := r.PostFormValue("service_code")
	if code == "" {
		return n, "", "", apperr.R(apperr.Invalid, "service_code_required", "service_code is required.")
	}
	n.Category = code
	lat, long := r.PostFormValue("lat"), r.PostFormValue("long")
	if lat != "" || long != "" {
		la, err1 := strconv.ParseFloat(lat, 64)
		lo, err2 := strconv.ParseFloat(long, 64)
		if err1 != nil || err2 != nil || math.IsNaN(la) || math.IsNaN(lo) || math.IsInf(la, 0) || math.IsInf(lo, 0) {
			return n, "", "", badLocation()
		}
		n.Located, n.Lat, n.Lon = true, la, lo
	}
	n.Address = r.PostFormValue("address_string")
	// GeoReport v2 takes address_id as a location of its own, an id in the
	// jurisdiction's address database. The hub has none, so an address_id
	// alone names no place it knows; beside lat and long or an
	// address_string it is ignored.
	if !n.Located && strings.TrimSpace(n.Address) == "" && r.PostFormValue("address_id") != "" {
		return n, "", "", apperr.R(apperr.Invalid, "unknown_address_id",
			"The address_id is not known to this jurisdiction, which keeps no address database: give the place as lat and long, or address_string.")
	}
	n.Description = r.PostFormValue("description")
	n.Name = strings.TrimSpace(strings.TrimSpace(r.PostFormValue("first_name")) + " " + strings.TrimSpace(r.PostFormValue("last_name")))
	n.Email = r.PostFormValue("email")
	media = r.PostFormValue("media_url")
	if media != "" && !mediaURL(media) {
		return n, "", "", apperr.R(apperr.Invalid, "bad_media_url", "media_url must be an http:// or https:// address of at most %d characters.", MaxMediaURLLen)
	}
	return n, key, media, nil
}

// badLocation refuses a POST's lat and long that are not both degrees of
// a point: one left out, not a number, or beyond ±90 or ±180.
func badLocation() error {
	return apperr.R(apperr.Invalid, "bad_location", "lat and long must both be decimal degrees.")
}

// MaxMediaURLLen is the longest media_url a POST may give, the length
// browsers and servers commonly take for an address.
const MaxMediaURLLen = 2048

// mediaURL reports whether v is a media_url as GeoReport v2 describes it,
// an absolute http or https address with a host.
func mediaURL(v string) bool {
	if len(v) > MaxMediaURLLen {
		return false
	}
	u, err := url.Parse(v)
	return err == nil && (u.Scheme == "http" || u.Scheme == "https") && u.Host != "" && u.Hostname() != ""
}

// mediaURLNotice tells a client that gave a media_url, in lang ("it" or
// "en"), that it was not kept and how photos reach the city instead. The
// hub fetches no address a client names (it would reach, for the client,
// whatever the hub can reach), and keeps no photo its staff did not
// moderate; the "media" files of the POST are photos it keeps that way.
func mediaURLNotice(lang string) string {
	if lang == "en" {
		return fmt.Sprintf(`The media_url was not kept: this hub fetches no links. Send photos with the request as multipart/form-data files named "media" (up to %d); they are public once city staff approve them.`, participation.MaxPhotos)
	}
	return fmt.Sprintf(`Il media_url non è stato conservato: l'hub non scarica collegamenti. Inviate le foto con la richiesta come file multipart/form-data di nome "media" (fino a %d); diventano pubbliche dopo l'approvazione del personale del Comune.`, participation.MaxPhotos)
}

// readPhotos processes the multipart "media" files of a parsed POST, each
// read from where the form left it only once it has its turn to be
// decoded (photo.Read).
func (s *Server) readPhotos(r *http.Request) ([]participation.Photo, error) {
	if r.MultipartForm == nil {
		return nil, nil
	}
	files := r.MultipartForm.File["media"]
	if len(files) > participation.MaxPhotos {
		return nil, apperr.R(apperr.Invalid, "too_many_photos", "At most %d media files.", participation.MaxPhotos)
	}
	var out []participation.Photo
	for _, fh := range files {
		p, err := photo.Read(r.Context(), func() (io.ReadCloser, error) { return fh.Open() }, s.opts.Photos)
		if rerr := (*photo.ReadError)(nil); errors.As(err, &rerr) {
			return nil, formError(rerr.Err)
		}
		if err != nil {
			return nil, err
		}
		out = append(out, participation.Photo{Width: p.Width, Height: p.Height, Image: p.JPEG, Thumbnail: p.Thumbnail})
	}
	return out, nil
}

func formError(err error) error {
	var tooBig *http.MaxBytesError
	if errors.As(err, &tooBig) {
		return apperr.R(apperr.Invalid, "request_too_large", "The request is too large.")
	}
	return apperr.Wrap(err, apperr.Invalid, "The request's form could not be read.")
}

// handleRequests is GET requests.{format} with the standard's filters.
func (s *Server) handleRequests(w http.ResponseWriter, r *http.Request, f, _ string) {
	pf, err := s.filter(r, f)
	if err != nil {
		s.fail(w, f, err)
		return
	}
	ps, err := s.svc.PublicReports(r.Context(), pf)
	if err != nil {
		s.fail(w, f, err)
		return
	}
	s.writeRequests(w, r, f, ps)
}

// Window is the longest span of requested_datetime one GET requests
// answers, GeoReport v2's 90 days.
const Window = 90 * 24 * time.Hour

// MinDate is the earliest start_date or end_date GET requests takes, the
// Unix epoch.
var MinDate = time.Unix(0, 0).UTC()

// filterParams are the parameters of GET requests, each taken once.
var filterParams = []string{"service_request_id", "service_code", "status", "start_date", "end_date", "page", "page_size"}

// filter reads GET requests' parameters (f the format asked). With
// service_request_id the others are ignored, as the standard says; the
// dates span at most Window.
func (s *Server) filter(r *http.Request, f string) (participation.PublicFilter, error) {
	var pf participation.PublicFilter
	if err := s.checkJurisdiction(r); err != nil {
		return pf, err
	}
	q := r.URL.Query()
	if err := httpx.Once(q, filterParams...); err != nil {
		return pf, err
	}
	ids, err := list(q.Get("service_request_id"), MaxRequestIDs, "service_request_id")
	if err != nil {
		return pf, err
	}
	if len(ids) > 0 {
		pf.IDs = ids
		return pf, nil
	}
	// Every service at most: any more would repeat one or name one that
	// does not exist.
	if pf.Categories, err = list(q.Get("service_code"), len(s.svc.Catalogue().Categories), "service_code"); err != nil {
		return pf, err
	}
	// Checked here, where the domain would name it a category.
	for _, code := range pf.Categories {
		if _, ok := s.svc.Catalogue().Category(code); !ok {
			return pf, unknownService(apperr.Invalid, code, f)
		}
	}
	statuses, err := list(q.Get("status"), 2, "status")
	if err != nil {
		return pf, err
	}
	for _, st := range statuses {
		switch st {
		case "open":
			pf.Statuses = append(pf.Statuses, participation.ActiveStatuses...)
		case "closed":
			pf.Statuses = append(pf.Statuses, participation.StatusFixed, participation.StatusRejected, participation.StatusDuplicate)
		default:
			return pf, apperr.R(apperr.Invalid, "bad_status", "status must be open or closed.")
		}
	}
	for _, d := range []struct {
		name string
		dst  *time.Time
	}{{"start_date", &pf.Since}, {"end_date", &pf.Until}} {
		v := q.Get(d.name)
		if v == "" {
			continue
		}
		t, err := time.Parse(w3c, v)
		if err != nil {
			return pf, apperr.R(apperr.Invalid, "bad_date", "%s must be a W3C date and time with a zone, e.g. 2026-11-30T09:00:00Z.", d.name)
		}
		// No request predates the epoch, and a date before it is most
		// often an unset one (0001-01-01T00:00:00Z, the zero time of
		// many languages), which the reports' store would also read as
		// no bound: refused, rather than answered for 90 days of nothing
		// or for every request. So a date given is never the zero time,
		// which below stands for a date left out.
		if t.Before(MinDate) {
			return pf, apperr.R(apperr.Invalid, "bad_date", "%s must be from %s on.", d.name, MinDate.Format(w3c))
		}
		*d.dst = t
	}
	// A span of at most Window, whichever bound is given: the standard
	// says a range "may not span more than 90 days" and, for either date
	// left out, "defaults to most recent 90 days"; a bound given alone
	// takes the other Window from it.
	switch {
	case pf.Since.IsZero() && pf.Until.IsZero():
		pf.Since = s.now().Add(-Window)
	case pf.Until.IsZero():
		pf.Until = pf.Since.Add(Window)
	case pf.Since.IsZero():
		pf.Since = pf.Until.Add(-Window)
	case pf.Until.Before(pf.Since):
		return pf, apperr.R(apperr.Invalid, "bad_date_range", "end_date is before start_date.")
	case pf.Until.Sub(pf.Since) > Window:
		return pf, apperr.R(apperr.Invalid, "bad_date_range", "start_date and end_date may not span more than 90 days: ask for the requests 90 days at a time.")
	}
	// page and page_size: the pagination extension most GeoReport servers
	// and clients share (wiki.open311.org/GeoReport_v2/Extensions); page 1
	// of 1000 is what the standard answers without them.
	size, ok := whole(q.Get("page_size"), participation.MaxListLimit, participation.MaxListLimit)
	if !ok {
		return pf, apperr.R(apperr.Invalid, "bad_page", "page_size must be a whole number from 1 to %d.", participation.MaxListLimit)
	}
	// The pages before the one asked may hold at most MaxListOffset
	// requests together, so the deepest page depends on the page size:
	// whatever is wrong with page, its refusal names the bound for this
	// size, where one bound for every size named pages the default size
	// refuses.
	deepest := participation.MaxListOffset/size + 1
	page, ok := whole(q.Get("page"), 1, deepest)
	if !ok {
		return pf, apperr.R(apperr.Invalid, "bad_page", "page must be a whole number from 1 to %d with page_size %d: later pages would skip more than %d requests; narrow the dates instead.",
			deepest, size, participation.MaxListOffset)
	}
	pf.Limit, pf.Offset = size, (page-1)*size
	return pf, nil
}

// whole reads a positive whole number parameter, at most max; def when
// absent. ok is false for anything else.
func whole(v string, def, max int) (n int, ok bool) {
	if v == "" {
		return def, true
	}
	n, err := strconv.Atoi(v)
	if err != nil || n < 1 || n > max || strings.TrimLeft(v, "0123456789") != "" {
		return 0, false
	}
	return n, true
}

// MaxRequestIDs is how many service_request_id one GET requests may name.
const MaxRequestIDs = 50

// list splits a comma-separated parameter, dropping empty and repeated
// items; Invalid (too_many_values) past max distinct items. It stops
// reading at the first item past max, so a long parameter costs no more.
func list(v string, max int, name string) ([]string, error) {
	var out []string
	seen := map[string]bool{}
	for s := range strings.SplitSeq(v, ",") {
		if s = strings.TrimSpace(s); s == "" || seen[s] {
			continue
		}
		if len(out) == max {
			return nil, apperr.R(apperr.Invalid, "too_many_values", "%s may list at most %d different values.", name, max)
		}
		seen[s] = true
		out = append(out, s)
	}
	return out, nil
}

// handleRequest is GET requests/{service_request_id}.{format}: a list of
// one, as the standard gives it.
func (s *Server) handleRequest(w http.ResponseWriter, r *http.Request, f, id string) {
	if err := s.checkJurisdiction(r); err != nil {
		s.fail(w, f, err)
		return
	}
	p, err := s.svc.PublicReport(r.Context(), id)
	if err != nil {
		s.fail(w, f, err)
		return
	}
	s.writeRequests(w, r, f, []participation.PublicReport{p})
}

// handleToken is GET tokens/{token}.{format}.
func (s *Server) handleToken(w http.ResponseWriter, r *http.Request, f, token string) {
	if err := s.checkJurisdiction(r); err != nil {
		s.fail(w, f, err)
		return
	}
	p, err := s.svc.ReportByToken(r.Context(), token)
	if err != nil {
		s.fail(w, f, err)
		return
	}
	a := TokenAnswer{ServiceRequestID: p.ID, Token: token}
	if f == "xml" {
		s.write(w, f, http.StatusOK, xmlTokens{Requests: []TokenAnswer{a}})
		return
	}
	s.write(w, f, http.StatusOK, []TokenAnswer{a})
}
