package api

import (
	"errors"
	"io"
	"log/slog"
	"mime"
	"net/http"
	"slices"
	"strconv"
	"strings"

	"cityhub/apperr"
	"cityhub/identity"
	"cityhub/paging"
	"cityhub/participation"
	"cityhub/photo"
	"cityhub/web/httpx"
)

// Citizens' reports: a citizen reports a problem (with up to three photos),
// follows their reports and reopens one marked fixed; anyone reads the
// public list. The participation service decides who may do what.

// participationHandler serves citizens' reports, the offices' triage and
// proposals.
type participationHandler struct {
	log    *slog.Logger
	svc    *participation.Service
	photos photo.Limits
}

// listPage is one page of a list as r asks for it (?cursor=&limit=): the
// items list gives, under member, and next_cursor, the id of the last item
// when another item follows it (empty on the last page, full or not).
func listPage[T any](r *http.Request, member string, list func(cursor string, limit int) ([]T, error), id func(T) string) (map[string]any, error) {
	return listPageSized(r, 50, participation.MaxListLimit, member, list, id)
}

// listPageSized is listPage for a list with pages of its own size: def
// items when ?limit= is absent, at most most. A list whose service bounds
// its pages otherwise than MaxListLimit (comments) passes its bounds, so
// that a refusal names them and the default is the service's. A cursor or
// limit given twice is refused (duplicate_field) as on every paged list.
func listPageSized[T any](r *http.Request, def, most int, member string, list func(cursor string, limit int) ([]T, error), id func(T) string) (map[string]any, error) {
	cursor, limit, err := httpx.PageQuery(r, def, most)
	if err != nil {
		return nil, err
	}
	// most is also the service's bound: paging.Read never asks it for more.
	items, next, err := paging.Read(cursor, limit, most, list, id)
	if err != nil {
		return nil, err
	}
	return map[string]any{member: items, "next_cursor": next}, nil
}

// required is a body's field name that its schema requires: the JSON
// decoder leaves it nil when the body lacks it (or gives null), which is
// Invalid (missing_field) rather than the field's zero value, so that a
// body of {} cannot unfollow, unredact or flag without a reason. A handler
// whose operation is for some roles only has the service refuse the
// others before it asks this, so that they learn nothing from the body.
func required[T any](name string, v *T) (T, error) {
	if v == nil {
		var zero T
		return zero, apperr.R(apperr.Invalid, "missing_field", "The field %q is required.", name)
	}
	return *v, nil
}

// handleCreateReport is POST /api/v1/reports: a JSON NewReport without
// photos, or a multipart form with the same fields and up to three files
// "photo" (JPEG, PNG or WebP), each decoded and re-encoded without its
// metadata before anything is stored. An Idempotency-Key makes a retry
// answer the first report, never a second.
func (h *participationHandler) handleCreateReport(w http.ResponseWriter, r *http.Request) {
	c, err := httpx.Caller(r)
	if err != nil {
		httpx.WriteError(h.log, w, r, err)
		return
	}
	// Only a citizen reports: anyone else is refused before the body is
	// read, let alone its photos decoded.
	if err := h.svc.RequireCitizen(c); err != nil {
		httpx.WriteError(h.log, w, r, err)
		return
	}
	var in participation.NewReport
	if mt, _, _ := mime.ParseMediaType(r.Header.Get("Content-Type")); mt == "multipart/form-data" {
		in, err = h.readReportForm(w, r)
	} else {
		in, err = readReportJSON(w, r)
	}
	if err != nil {
		httpx.WriteError(h.log, w, r, err)
		return
	}
	// The key is recorded with the report itself: a multipart body with
	// photos is too large for the server to keep its answer, so without
	// this a retry would make a second report.
	rep, replayed, err := h.svc.SubmitReportWithKey(r.Context(), c, r.Header.Get("Idempotency-Key"), in)
	if err != nil {
		httpx.WriteError(h.log, w, r, err)
		return
	}
	w.Header().Set("Location", "/api/v1/reports/"+rep.ID+"/details")
	writeReplayable(w, http.StatusCreated, replayed, rep)
}

// reportJSON is a JSON report as sent: the fields of NewReport, with
// located, lat and lon read as given or left out, for LocatedFrom to say
// whether the report is located, and category and description read so
// too, for a report without one to be refused as missing it.
type reportJSON struct {
	participation.NewReport
	Category    *string  `json:"category"`
	Description *string  `json:"description"`
	Located     *bool    `json:"located"`
	Lat         *float64 `json:"lat"`
	Lon         *float64 `json:"lon"`
}

// readReportJSON reads a JSON report: lat and lon say it is located,
// located left out; located false beside either is refused, and so is a
// report without category or description (missing_field).
func readReportJSON(w http.ResponseWriter, r *http.Request) (participation.NewReport, error) {
	var in reportJSON
	if err := httpx.DecodeJSON(w, r, &in); err != nil {
		return participation.NewReport{}, err
	}
	n := in.NewReport
	var err error
	if n.Category, err = required("category", in.Category); err != nil {
		return n, err
	}
	if n.Description, err = required("description", in.Description); err != nil {
		return n, err
	}
	if n.Located, err = participation.LocatedFrom(in.Located, in.Lat, in.Lon); err != nil {
		return n, err
	}
	if in.Lat != nil {
		n.Lat = *in.Lat
	}
	if in.Lon != nil {
		n.Lon = *in.Lon
	}
	return n, nil
}

// maxFormMemory is how much of a multipart report the server keeps in
// memory while it reads the form: the fields, and files this small; larger
// files wait on disk until their turn to be decoded (photo.Read).
const maxFormMemory = 64 << 10

// reportFormFields are the fields of a multipart report.
var reportFormFields = []string{"category", "located", "lat", "lon", "address", "description", "public_name"}

// readReportForm reads a multipart report: its fields as in JSON
// (located and public_name "true" or "false"), from the body only (a
// query parameter is no field), each at most once; photos processed one
// by one, each read only once it has its turn to be decoded. The body may
// hold the photos and some room for the fields.
func (h *participationHandler) readReportForm(w http.ResponseWriter, r *http.Request) (participation.NewReport, error) {
	var n participation.NewReport
	if err := httpx.Uncompressed(r); err != nil {
		return n, err
	}
	limit := int64(participation.MaxPhotos)*int64(h.photos.MaxBytes) + httpx.MaxJSONBody
	httpx.LimitBody(w, r, limit)
	if err := r.ParseMultipartForm(maxFormMemory); err != nil {
		var tooBig *http.MaxBytesError
		if errors.As(err, &tooBig) {
			return n, httpx.ErrTooLarge(tooBig.Limit)
		}
		return n, apperr.R(apperr.Invalid, "malformed_form", "The multipart form could not be read.")
	}
	f := r.MultipartForm
	defer f.RemoveAll()
	for name, values := range f.Value {
		if !slices.Contains(reportFormFields, name) {
			return n, apperr.R(apperr.Invalid, "unknown_field", "The form has an unknown field %q.", name)
		}
		if len(values) > 1 {
			return n, apperr.R(apperr.Invalid, "duplicate_field", "The form has the field %q more than once.", name)
		}
	}
	for name := range f.File {
		if name != "photo" {
			return n, apperr.R(apperr.Invalid, "unknown_field", "The form has an unknown file %q; photos are sent as \"photo\".", name)
		}
	}
	// A report without its category or description is refused as missing
	// it, as in JSON, not as one of an unknown category "".
	for _, name := range []string{"category", "description"} {
		var given *string
		if vs := f.Value[name]; len(vs) > 0 {
			given = &vs[0]
		}
		if _, err := required(name, given); err != nil {
			return n, err
		}
	}
	// field is a field's one value in the body, "" when absent.
	field := func(name string) string {
		if vs := f.Value[name]; len(vs) > 0 {
			return vs[0]
		}
		return ""
	}
	n.Category = field("category")
	n.Address = field("address")
	n.Description = field("description")
	for _, v := range []struct {
		name string
		dst  *bool
	}{{"public_name", &n.PublicName}, {"located", &n.Located}} {
		b, ok := formBool(f.Value[v.name])
		if !ok {
			return n, apperr.R(apperr.Invalid, "wrong_type", "The field %q must be \"true\" or \"false\".", v.name)
		}
		*v.dst = b
	}
	var lat, lon *float64
	for _, v := range []struct {
		name string
		dst  *float64
		said **float64
	}{{"lat", &n.Lat, &lat}, {"lon", &n.Lon, &lon}} {
		s := strings.TrimSpace(field(v.name))
		if s == "" {
			continue
		}
		x, err := strconv.ParseFloat(s, 64)
		if err != nil {
			return n, apperr.R(apperr.Invalid, "wrong_type", "The field %q must be a number.", v.name)
		}
		*v.dst, *v.said = x, v.dst
	}
	// A form without "located" is located by its coordinates, as in JSON;
	// one that says located=false beside them is refused.
	var located *bool
	if _, said := f.Value["located"]; said {
		located = &n.Located
	}
	var err error
	if n.Located, err = participation.LocatedFrom(located, lat, lon); err != nil {
		return n, err
	}
	if !httpx.ValidText(n.Category + n.Address + n.Description) {
		return n, httpx.ErrInvalidText("form")
	}
	files := f.File["photo"]
	if len(files) > participation.MaxPhotos {
		return n, apperr.R(apperr.Invalid, "too_many_photos", "At most %d photos.", participation.MaxPhotos)
	}
	for _, fh := range files {
		p, err := photo.Read(r.Context(), func() (io.ReadCloser, error) { return fh.Open() }, h.photos)
		if rerr := (*photo.ReadError)(nil); errors.As(err, &rerr) {
			return n, apperr.R(apperr.Invalid, "malformed_form", "A photo could not be read.")
		}
		if err != nil {
			return n, err
		}
		n.Photos = append(n.Photos, participation.Photo{Width: p.Width, Height: p.Height, Image: p.JPEG, Thumbnail: p.Thumbnail})
	}
	return n, nil
}

// formBool reads a boolean form field from its value: "true" or "false",
// as the schema says, and false when absent. Anything else (1, yes, TRUE,
// an empty value) is not ok, rather than false, which would quietly say
// the opposite of what a client meaning true sent. The caller has refused
// a field given more than once.
func formBool(values []string) (b, ok bool) {
	if len(values) == 0 {
		return false, true
	}
	switch values[0] {
	case "true":
		return true, true
	case "false":
		return false, true
	}
	return false, false
}

// handleReports is GET /api/v1/reports: reports as the public sees them,
// newest first, by category, status and contrada (category and status
// may be repeated, contrada given once).
func (h *participationHandler) handleReports(w http.ResponseWriter, r *http.Request) {
	answer(h.log, w, r, http.StatusOK, func() (map[string]any, error) {
		if err := httpx.Once(r.URL.Query(), "contrada"); err != nil {
			return nil, err
		}
		return listPage(r, "reports", func(cursor string, limit int) ([]participation.PublicReport, error) {
			q := r.URL.Query()
			return h.svc.PublicReports(r.Context(), participation.PublicFilter{Categories: q["category"], Statuses: q["status"],
				Contrada: q.Get("contrada"), Before: cursor, Limit: limit})
		}, func(p participation.PublicReport) string { return p.ID })
	})
}

// handleReport is GET /api/v1/reports/{id}: one report as the public sees it.
func (h *participationHandler) handleReport(w http.ResponseWriter, r *http.Request) {
	answer(h.log, w, r, http.StatusOK, func() (participation.PublicReport, error) {
		return h.svc.PublicReport(r.Context(), r.PathValue("id"))
	})
}

// handleReportDetails is GET /api/v1/reports/{id}/details: the whole
// report with its history and photos, for its reporter and the staff of
// its office; the service refuses staff of another office (403
// not_your_office) and answers anyone else as for no report (404).
func (h *participationHandler) handleReportDetails(w http.ResponseWriter, r *http.Request) {
	answerCaller(h.log, w, r, http.StatusOK, func(c identity.Caller) (participation.ReportView, error) {
		return h.svc.Report(r.Context(), c, r.PathValue("id"))
	})
}

// handleMyReports is GET /api/v1/me/reports: the caller's reports, newest first.
func (h *participationHandler) handleMyReports(w http.ResponseWriter, r *http.Request) {
	answerCaller(h.log, w, r, http.StatusOK, func(c identity.Caller) (map[string]any, error) {
		return listPage(r, "reports", func(cursor string, limit int) ([]participation.Report, error) {
			return h.svc.MyReports(r.Context(), c, cursor, limit)
		}, func(p participation.Report) string { return p.ID })
	})
}

// reasonRequest is a body carrying why: a report reopened, a comment
// flagged. Reason is required (a flag's may be empty).
type reasonRequest struct {
	Reason *string `json:"reason"`
}

// handleReopenReport is POST /api/v1/reports/{id}/reopen: the reporter
// reopens a fixed report within the reopen period, saying why.
func (h *participationHandler) handleReopenReport(w http.ResponseWriter, r *http.Request) {
	answerBody(h.log, w, r, http.StatusOK, func(c identity.Caller, in reasonRequest) (participation.Report, error) {
		reason, err := required("reason", in.Reason)
		if err != nil {
			return participation.Report{}, err
		}
		return h.svc.Reopen(r.Context(), c, r.PathValue("id"), reason)
	})
}

// handlePhoto is GET /api/v1/photos/{id} (and .../thumbnail): a report's
// photo with the caller's rights: approved ones to anyone signed in, the
// others to the reporter and the office's staff (who moderate them). Not
// cached: a public copy of approved photos is at /api/v1/open/photos.
func (h *participationHandler) handlePhoto(w http.ResponseWriter, r *http.Request) {
	c, err := httpx.Caller(r)
	if err != nil {
		httpx.WriteError(h.log, w, r, err)
		return
	}
	thumb := strings.HasSuffix(r.Pattern, "/thumbnail")
	img, err := h.svc.PhotoImage(r.Context(), c, r.PathValue("id"), thumb)
	if err != nil {
		httpx.WriteError(h.log, w, r, err)
		return
	}
	w.Header().Set("Content-Type", "image/jpeg")
	w.Header().Set("Cache-Control", "private, no-store")
	w.Header().Set("X-Content-Type-Options", "nosniff")
	w.Header().Set("Content-Length", strconv.Itoa(len(img)))
	_, _ = w.Write(img)
}
