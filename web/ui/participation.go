package ui

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"io"
	"mime/multipart"
	"net/http"
	"net/url"
	"strconv"
	"strings"

	"cityhub/apperr"
	"cityhub/identity"
	"cityhub/ids"
	"cityhub/participation"
	"cityhub/photo"
	"cityhub/web/httpx"
)

// Citizens' reports and proposals: the citizen's report form and "my
// reports", the public map and list, the offices' triage and the
// proposals. The participation service decides who may do what; these
// handlers only read forms and show its answers.

// MapTiles are the map tiles the report pages show (CITYHUB_MAP_TILES_URL
// and _ATTRIBUTION); the pages' Content-Security-Policy allows images from
// the URL's origin.
type MapTiles struct {
	URL         string
	Attribution string
}

// participationPages are the report and proposal pages.
type participationPages struct {
	*site
	svc    *participation.Service
	photos photo.Limits
	tiles  MapTiles
	// csp is the pages' policy with the tile host among the image sources.
	csp string
	// names reads the accounts that changed a report, whose names its
	// office's staff see in its history; nil: the history names no one.
	names AccountNames
}

// AccountNames reads an account by its id (identity.Service): NotFound
// when there is none.
type AccountNames interface {
	Account(ctx context.Context, id string) (identity.Account, error)
}

func init() {
	pageViews = append(pageViews, "participation_reports", "participation_report", "participation_report_new", "participation_my_reports",
		"participation_queue", "participation_staff_report", "participation_confirm", "participation_photos",
		"participation_proposals", "participation_proposal", "participation_proposal_new")
}

func newParticipationPages(s *site, svc *participation.Service, photos photo.Limits, tiles MapTiles) *participationPages {
	if photos.MaxBytes <= 0 {
		photos.MaxBytes = photo.DefaultMaxBytes
	}
	if tiles.URL == "" {
		tiles = MapTiles{URL: "https://tile.openstreetmap.org/{z}/{x}/{y}.png",
			Attribution: `&copy; <a href="https://www.openstreetmap.org/copyright">OpenStreetMap</a> contributors`}
	}
	return &participationPages{site: s, svc: svc, photos: photos, tiles: tiles,
		csp: httpx.PolicyWithImages(TilesOrigin(tiles.URL))}
}

// TilesOrigin is the origin images come from for a tile URL template:
// scheme and host, with a {s} server letter as a wildcard label
// ("https://*.tile.example.org"); "" when the template is not a URL.
func TilesOrigin(tmpl string) string {
	u, err := url.Parse(strings.ReplaceAll(tmpl, "{s}", "s--"))
	if err != nil || (u.Scheme != "https" && u.Scheme != "http") || u.Host == "" || strings.ContainsAny(u.Host, "{} ;'\"") {
		return ""
	}
	host := strings.ReplaceAll(u.Host, "s--", "*")
	if strings.Contains(host, "*") && !strings.HasPrefix(host, "*.") {
		// CSP allows a wildcard only as the leftmost label.
		host = "*." + host[strings.Index(host, ".")+1:]
	}
	return u.Scheme + "://" + host
}

// mapped serves h with the tile host allowed among image sources.
func (p *participationPages) mapped(h http.Handler) http.Handler {
	return httpx.Secured(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Security-Policy", p.csp)
		h.ServeHTTP(w, r)
	}))
}

// mapView is what a page's map reads from its data attributes.
type mapView struct {
	Tiles       string
	Attribution string
	// Center is the city's, "lat,lon".
	Center string
}

func (p *participationPages) mapView() mapView {
	b := p.svc.Catalogue().City
	return mapView{Tiles: p.tiles.URL, Attribution: p.tiles.Attribution,
		Center: strconv.FormatFloat((b.MinLat+b.MaxLat)/2, 'f', 5, 64) + "," + strconv.FormatFloat((b.MinLon+b.MaxLon)/2, 'f', 5, 64)}
}

// option is a choice in a select.
type option struct {
	Value, Label string
}

func (p *participationPages) categoryOptions(lang string) []option {
	var out []option
	for _, k := range p.svc.Catalogue().Categories {
		out = append(out, option{k.Code, k.Name(lang)})
	}
	return out
}

func (p *participationPages) contradaOptions() []option {
	var out []option
	for _, k := range p.svc.Catalogue().Contrade {
		out = append(out, option{k.Code, k.Name})
	}
	return out
}

func (p *participationPages) categoryName(code, lang string) string {
	if k, ok := p.svc.Catalogue().Category(code); ok {
		return k.Name(lang)
	}
	return code
}

func (p *participationPages) contradaName(code string) string {
	for _, k := range p.svc.Catalogue().Contrade {
		if k.Code == code {
			return k.Name
		}
	}
	return code
}

// reportForm is the report form, as typed, with the errors by field.
type reportForm struct {
	Values     map[string]string
	Errors     map[string]string
	Problem    string
	Key        string
	Categories []option
	Map        mapView
	MaxPhotos  int
	// PhotosChosen is how many photos the refused form was sent with:
	// the browser does not fill a file field again, so the form says
	// they must be chosen again.
	PhotosChosen int
}

// fieldOf says which field of the report form an error is about.
func fieldOf(reason string) string {
	switch reason {
	case "unknown_category":
		return "category"
	case "outside_city", "bad_location", "no_location", "lat", "lon":
		return "place"
	case "bad_address":
		return "address"
	case "bad_description":
		return "description"
	case "too_many_photos", "bad_photo", "photo_empty", "photo_format", "photo_too_big_to_decode", "photo_too_large", "photo_too_many_pixels",
		"photo_corrupt", "photo_busy":
		return "photo"
	}
	return ""
}

// renderReportForm shows the report form with values as typed and errs by
// their fields: the first error of each field, and the first that belongs
// to none above the form.
func (p *participationPages) renderReportForm(w http.ResponseWriter, r *http.Request, status int, values map[string]string, errs ...error) {
	l := p.locale(r)
	f := reportForm{Key: ids.Token(16), Categories: p.categoryOptions(l.Lang), Map: p.mapView(), MaxPhotos: participation.MaxPhotos, Values: values,
		PhotosChosen: len(chosenPhotos(r))}
	f.Errors, f.Problem = fieldErrors(l, errs, fieldOf)
	p.render(w, r, status, "participation_report_new", "reports", f)
}

// fieldErrors places errs on a citizen's form, in l's words: the first
// error of each field (fieldOf its reason), and the first that belongs to
// no field as the form's problem.
func fieldErrors(l *locale, errs []error, fieldOf func(reason string) string) (map[string]string, string) {
	out, problem := map[string]string{}, ""
	for _, err := range errs {
		if err == nil {
			continue
		}
		if field := fieldOf(apperr.ReasonOf(err)); field == "" {
			if problem == "" {
				problem = l.ErrorText(err)
			}
		} else if _, shown := out[field]; !shown {
			out[field] = l.ErrorText(err)
		}
	}
	return out, problem
}

// refuseReport shows the form again with err, the mistakes more the form
// found itself, and every other mistake the service finds in n, so that
// one sending corrects them all.
func (p *participationPages) refuseReport(w http.ResponseWriter, r *http.Request, status int, values map[string]string, n participation.NewReport, err error, more ...error) {
	p.renderReportForm(w, r, status, values, append(append([]error{err}, more...), p.svc.ReportProblems(n)...)...)
}

// chosenPhotos are the photos the report form was sent with: its file
// field's files but the empty one a form sent without a photo has.
func chosenPhotos(r *http.Request) []*multipart.FileHeader {
	if r.MultipartForm == nil {
		return nil
	}
	var out []*multipart.FileHeader
	for _, fh := range r.MultipartForm.File["photo"] {
		if fh.Size > 0 || fh.Filename != "" {
			out = append(out, fh)
		}
	}
	return out
}

// handleReportForm is the citizen's report form.
func (p *participationPages) handleReportForm(w http.ResponseWriter, r *http.Request, c identity.Caller) {
	p.renderReportForm(w, r, http.StatusOK, map[string]string{"public_name": ""})
}

// reportFields are the fields of the report form.
var reportFields = []string{"category", "lat", "lon", "address", "description", "public_name", "key", csrfField}

// handleReportCreate reads the multipart report form: the fields, and up
// to three photos, each decoded and re-encoded before anything is stored.
// A bad field or photo shows the form again with what was typed; photos
// must be chosen again (browsers never refill a file field), which the
// form says when it was sent with some (reportForm.PhotosChosen).
func (p *participationPages) handleReportCreate(w http.ResponseWriter, r *http.Request, c identity.Caller) {
	values := map[string]string{}
	for _, k := range reportFields {
		values[k] = strings.TrimSpace(r.FormValue(k))
	}
	values["description"] = r.FormValue("description")
	n := participation.NewReport{Category: values["category"], Address: values["address"], Description: values["description"],
		PublicName: values["public_name"] == "yes"}
	// A place that does not read is refused with the photos' own
	// mistakes, so that one sending corrects both at once: the photos are
	// read before the form is refused for it.
	var placeErr error
	for _, v := range []struct {
		name string
		dst  *float64
	}{{"lat", &n.Lat}, {"lon", &n.Lon}} {
		s := strings.Replace(values[v.name], ",", ".", 1)
		if s == "" {
			continue
		}
		x, err := strconv.ParseFloat(s, 64)
		if err != nil {
			placeErr = apperr.R(apperr.Invalid, "bad_location", "not a number")
			break
		}
		*v.dst, n.Located = x, true
	}
	if placeErr == nil && n.Located && (values["lat"] == "" || values["lon"] == "") {
		placeErr = apperr.R(apperr.Invalid, "bad_location", "half a position")
	}
	chosen := chosenPhotos(r)
	if len(chosen) > participation.MaxPhotos {
		p.refuseReport(w, r, http.StatusBadRequest, values, n, apperr.R(apperr.Invalid, "too_many_photos", "too many"), placeErr)
		return
	}
	for _, fh := range chosen {
		// The file is read only once it has its turn to be decoded.
		ph, err := photo.Read(r.Context(), func() (io.ReadCloser, error) { return fh.Open() }, p.photos)
		if rerr := (*photo.ReadError)(nil); errors.As(err, &rerr) {
			p.refuseReport(w, r, http.StatusBadRequest, values, n, apperr.R(apperr.Invalid, "bad_photo", "unreadable"), placeErr)
			return
		}
		if err != nil {
			p.refuseReport(w, r, httpx.StatusFor(err), values, n, err, placeErr)
			return
		}
		n.Photos = append(n.Photos, participation.Photo{Width: ph.Width, Height: ph.Height, Image: ph.JPEG, Thumbnail: ph.Thumbnail})
	}
	if placeErr != nil {
		p.refuseReport(w, r, http.StatusBadRequest, values, n, placeErr)
		return
	}
	// The form's key makes a double submission (two taps, a resend after
	// a lost answer) one report; a changed form under an old key is a new
	// report, under a key made of the form's key and what the form now
	// says, so that a double submission of the changed form (back, edit,
	// two taps) is one report too.
	rep, _, err := p.svc.SubmitReportWithKey(r.Context(), c, values["key"], n)
	switch apperr.ReasonOf(err) {
	case "idempotency_key_reused":
		var key string
		if key, err = changedFormKey(c, values["key"], n); err == nil {
			rep, _, err = p.svc.SubmitReportWithKey(r.Context(), c, key, n)
		}
	case "idempotency_key_missing", "idempotency_key_invalid":
		rep, _, err = p.svc.SubmitReportWithKey(r.Context(), c, ids.Token(16), n)
	}
	if err != nil {
		if apperr.CodeOf(err) == apperr.Invalid {
			p.refuseReport(w, r, http.StatusBadRequest, values, n, err)
			return
		}
		p.pageError(w, r, err)
		return
	}
	http.Redirect(w, r, "/reports/"+rep.ID+"?created=1", http.StatusSeeOther)
}

// uploadAction wraps the multipart report form post: security headers, a
// body bound of the photos and the fields, the text and CSRF checks, then
// the role check.
func (p *participationPages) uploadAction(h pageHandler, roles ...identity.Role) http.Handler {
	limit := int64(participation.MaxPhotos)*int64(p.photos.MaxBytes) + 64<<10
	return httpx.Secured(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		httpx.LimitBody(w, r, limit)
		// The fields and small files in memory, larger files on disk
		// until their turn to be decoded (photo.Read).
		if err := r.ParseMultipartForm(64 << 10); err != nil {
			var tooBig *http.MaxBytesError
			if errors.As(err, &tooBig) {
				// The photos together, never the text (64 KiB): the
				// browser's Back keeps what was typed.
				p.pageErrorStatus(w, r, http.StatusRequestEntityTooLarge, apperr.R(apperr.Invalid, "photos_too_large",
					"The photos together are larger than %d MB: choose fewer or smaller ones.", tooBig.Limit>>20))
				return
			}
			p.pageError(w, r, apperr.R(apperr.Invalid, "malformed_form", "The form could not be read."))
			return
		}
		defer r.MultipartForm.RemoveAll()
		if err := httpx.ValuesTextError(r.MultipartForm.Value, "form"); err != nil {
			p.pageError(w, r, err)
			return
		}
		if !checkCSRF(r) {
			p.csrfRefused(w, r)
			return
		}
		p.signedIn(h, roles...)(w, r)
	}))
}

// handlePhoto serves a report's photo (thumb: its thumbnail) with the
// caller's rights: approved ones to anyone, others to the reporter and
// the office's staff.
func (p *participationPages) handlePhoto(thumb bool) pageHandler {
	return func(w http.ResponseWriter, r *http.Request, c identity.Caller) {
		img, err := p.svc.PhotoImage(r.Context(), c, r.PathValue("id"), thumb)
		if err != nil {
			p.pageError(w, r, err)
			return
		}
		w.Header().Set("Content-Type", "image/jpeg")
		w.Header().Set("Cache-Control", "private, no-store")
		w.Header().Set("Content-Length", strconv.Itoa(len(img)))
		_, _ = w.Write(img)
	}
}

// myReportsData is the citizen's reports.
type myReportsData struct {
	Reports []reportRow
	Next    string
}

// reportRow is a report in a list.
type reportRow struct {
	participation.PublicReport
	CategoryName string
	ContradaName string
}

// row is r as a page in lang shows it: its names, and the hub's fixed
// texts (a reopened report's note, a redacted description's placeholder)
// in that language.
func (p *participationPages) row(lang string, r participation.PublicReport) reportRow {
	return reportRow{PublicReport: r.InLanguage(lang), CategoryName: p.categoryName(r.Category, lang), ContradaName: p.contradaName(r.Contrada)}
}

// ownRow is the reporter's own report as a row (their own text, even
// when staff redacted it for the public).
func (p *participationPages) ownRow(lang string, r participation.Report) reportRow {
	return p.row(lang, participation.PublicReport{ID: r.ID, Category: r.Category, Located: r.Located, Lat: r.Lat, Lon: r.Lon,
		Address: r.Address, Contrada: r.Contrada, Description: r.Description, Status: r.Status, StatusNote: r.StatusNote,
		MergedInto: r.MergedInto, CreatedAt: r.CreatedAt, UpdatedAt: r.UpdatedAt})
}

// handleMyReports is the citizen's reports, newest first, with status.
func (p *participationPages) handleMyReports(w http.ResponseWriter, r *http.Request, c identity.Caller) {
	const limit = 50
	rs, next, err := readPage(r.URL.Query(), limit, func(cursor string, n int) ([]participation.Report, error) {
		return p.svc.MyReports(r.Context(), c, cursor, n)
	}, func(x participation.Report) string { return x.ID })
	if err != nil {
		p.pagingRefused(w, r, err, "/reports/mine")
		return
	}
	lang := p.locale(r).Lang
	d := myReportsData{}
	for _, x := range rs {
		d.Reports = append(d.Reports, p.ownRow(lang, x))
	}
	if next != "" {
		d.Next = "/reports/mine?cursor=" + url.QueryEscape(next)
	}
	p.render(w, r, http.StatusOK, "participation_my_reports", "reports", d)
}

// handleReopen reopens the citizen's fixed report, saying why.
func (p *participationPages) handleReopen(w http.ResponseWriter, r *http.Request, c identity.Caller) {
	id := r.PathValue("id")
	if _, err := p.svc.Reopen(r.Context(), c, id, r.PostFormValue("reason")); err != nil {
		if apperr.CodeOf(err) == apperr.Invalid || apperr.CodeOf(err) == apperr.Conflict {
			p.showReport(w, r, c, id, httpx.StatusOf(apperr.CodeOf(err)), r.PostFormValue("reason"), err)
			return
		}
		p.pageError(w, r, err)
		return
	}
	http.Redirect(w, r, "/reports/"+id+"?reopened=1", http.StatusSeeOther)
}

// changedFormKey is the key of a report form sent under key with other
// contents than the report key already made: the same for the same form
// key and the same report, as the service tells reports apart
// (participation.ReportDigest).
func changedFormKey(c identity.Caller, key string, n participation.NewReport) (string, error) {
	digest, err := participation.ReportDigest(c, n)
	if err != nil {
		return "", err
	}
	sum := sha256.Sum256([]byte(key + "\x00" + digest))
	return "form-changed-" + hex.EncodeToString(sum[:20]), nil
}
