package feeds

import (
	"net/http"
	"strconv"
	"time"

	"cityhub/identity"
	"cityhub/participation"
	"cityhub/web/httpx"
)

// Citizens' reports and proposals as open data (CC-BY-4.0): no account, no
// e-mail, a name only where its person chose it, nothing staff redacted,
// photos only once approved. JSON in one document; CSV per table.

// handleOpenParticipation is the reports, proposals and counts as JSON.
func (f *Handler) handleOpenParticipation(w http.ResponseWriter, r *http.Request) {
	od, at, ok := f.openParticipation(w, r)
	if !ok {
		return
	}
	f.participationData.setCacheHeaders(w.Header(), at)
	if answerNotModified(w, r, at) {
		return
	}
	httpx.WriteJSON(w, http.StatusOK, od)
}

func (f *Handler) handleOpenReportsCSV(w http.ResponseWriter, r *http.Request) {
	if od, at, ok := f.openParticipation(w, r); ok {
		httpx.WriteCSVHeaders(w, "reports.csv")
		f.participationData.setCacheHeaders(w.Header(), at)
		if answerNotModified(w, r, at) {
			return
		}
		_ = participation.WriteReportsCSV(w, od)
	}
}

func (f *Handler) handleOpenProposalsCSV(w http.ResponseWriter, r *http.Request) {
	if od, at, ok := f.openParticipation(w, r); ok {
		httpx.WriteCSVHeaders(w, "proposals.csv")
		f.participationData.setCacheHeaders(w.Header(), at)
		if answerNotModified(w, r, at) {
			return
		}
		_ = participation.WriteProposalsCSV(w, od)
	}
}

func (f *Handler) handleOpenReportCountsCSV(w http.ResponseWriter, r *http.Request) {
	if od, at, ok := f.openParticipation(w, r); ok {
		httpx.WriteCSVHeaders(w, "report-counts.csv")
		f.participationData.setCacheHeaders(w.Header(), at)
		if answerNotModified(w, r, at) {
			return
		}
		_ = participation.WriteCountsCSV(w, od)
	}
}

// openParticipation reads the open data and sets the headers every form
// shares (openData).
func (f *Handler) openParticipation(w http.ResponseWriter, r *http.Request) (participation.OpenData, time.Time, bool) {
	return openData(f, w, r, f.participationData, func(od participation.OpenData) string { return od.LicenceURL })
}

// PhotoCacheSeconds is how long a browser or proxy may keep an approved
// photo. A photo staff hide later may be seen that much longer from a
// cache, so it stays short.
const PhotoCacheSeconds = 300

// handleOpenPhoto serves an approved photo of a report as JPEG (its
// thumbnail at .../thumbnail), to anyone; a photo awaiting moderation or
// hidden is 404 here whoever asks. The bytes of a photo never change, so
// its id is its ETag.
func (f *Handler) handleOpenPhoto(w http.ResponseWriter, r *http.Request) {
	thumb := r.Pattern == "GET /api/v1/open/photos/{id}/thumbnail"
	id := r.PathValue("id")
	img, err := f.Participation.PhotoImage(r.Context(), identity.Caller{}, id, thumb)
	if err != nil {
		httpx.WriteError(f.log, w, r, err)
		return
	}
	etag := `"` + id + `"`
	if thumb {
		etag = `"` + id + `-t"`
	}
	h := w.Header()
	h.Set("Cache-Control", "public, max-age="+strconv.Itoa(PhotoCacheSeconds))
	h.Set("ETag", etag)
	h.Set("Access-Control-Allow-Origin", "*")
	// If-None-Match alone decides, in any form RFC 9110 gives it (a list,
	// a weak tag, *), as caches send it; the photo gives no Last-Modified,
	// so If-Modified-Since has nothing to compare with.
	if r.Header.Get("If-None-Match") != "" && notModified(r, etag, time.Time{}) {
		w.WriteHeader(http.StatusNotModified)
		return
	}
	h.Set("Content-Type", "image/jpeg")
	h.Set("X-Content-Type-Options", "nosniff")
	h.Set("Content-Length", strconv.Itoa(len(img)))
	w.WriteHeader(http.StatusOK)
	_, _ = w.Write(img)
}
