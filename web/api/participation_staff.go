package api

import (
	"net/http"

	"cityhub/identity"
	"cityhub/participation"
	"cityhub/web/httpx"
)

// The offices' triage: city staff (city_staff scoped to an office) and
// city administrators work the reports of their offices. The participation
// service decides who may: it refuses anyone who works no office before it
// reads what they sent, and decides which office's report a member of
// staff may touch.

// handleQueue is GET /api/v1/staff/queue?office=&cursor=&limit=: an
// office's reports still being worked, oldest first, a page at a time.
// Staff of one office may leave office out.
func (h *participationHandler) handleQueue(w http.ResponseWriter, r *http.Request) {
	answerCaller(h.log, w, r, http.StatusOK, func(c identity.Caller) (map[string]any, error) {
		q := r.URL.Query()
		office, err := h.svc.QueueOffice(c, q.Get("office"))
		if err != nil {
			return nil, err
		}
		// Checked once the service has said the caller may read a queue.
		if err := httpx.Once(q, "office"); err != nil {
			return nil, err
		}
		page, err := listPage(r, "reports", func(cursor string, limit int) ([]participation.Report, error) {
			return h.svc.Queue(r.Context(), c, office, cursor, limit)
		}, func(rep participation.Report) string { return rep.ID })
		if err != nil {
			return nil, err
		}
		page["office"] = office
		return page, nil
	})
}

// statusRequest moves a report to a status with a public note.
type statusRequest struct {
	Status string `json:"status"`
	Note   string `json:"note"`
}

// handleChangeStatus is PUT /api/v1/staff/reports/{id}/status.
func (h *participationHandler) handleChangeStatus(w http.ResponseWriter, r *http.Request) {
	answerBody(h.log, w, r, http.StatusOK, func(c identity.Caller, in statusRequest) (participation.Report, error) {
		return h.svc.ChangeStatus(r.Context(), c, r.PathValue("id"), in.Status, in.Note)
	})
}

// mergeRequest merges a report into another of the same category. Into
// is required: the service refuses an empty one (missing_field).
type mergeRequest struct {
	Into string `json:"into"`
	Note string `json:"note"`
}

// handleMergeReport is POST /api/v1/staff/reports/{id}/merge.
func (h *participationHandler) handleMergeReport(w http.ResponseWriter, r *http.Request) {
	answerBody(h.log, w, r, http.StatusOK, func(c identity.Caller, in mergeRequest) (participation.Report, error) {
		return h.svc.Merge(r.Context(), c, r.PathValue("id"), in.Into, in.Note)
	})
}

// handleNearbyReports is GET /api/v1/staff/reports/{id}/nearby: what the
// report might duplicate.
func (h *participationHandler) handleNearbyReports(w http.ResponseWriter, r *http.Request) {
	answerCaller(h.log, w, r, http.StatusOK, func(c identity.Caller) (map[string]any, error) {
		ns, err := h.svc.NearbyReports(r.Context(), c, r.PathValue("id"))
		return map[string]any{"nearby": ns}, err
	})
}

// redactRequest hides (or shows again) a report's personal data.
// Redacted is required.
type redactRequest struct {
	Redacted *bool `json:"redacted"`
}

// handleRedactReport is PUT /api/v1/staff/reports/{id}/redacted.
func (h *participationHandler) handleRedactReport(w http.ResponseWriter, r *http.Request) {
	answerBody(h.log, w, r, http.StatusOK, func(c identity.Caller, in redactRequest) (participation.Report, error) {
		if err := h.svc.RequireAnyStaff(c); err != nil {
			return participation.Report{}, err
		}
		hide, err := required("redacted", in.Redacted)
		if err != nil {
			return participation.Report{}, err
		}
		return h.svc.Redact(r.Context(), c, r.PathValue("id"), hide)
	})
}

// handlePendingPhotos is GET /api/v1/staff/photos: photos awaiting
// moderation in the caller's offices, oldest first, a page at a time
// (next_cursor, as the other lists).
func (h *participationHandler) handlePendingPhotos(w http.ResponseWriter, r *http.Request) {
	answerCaller(h.log, w, r, http.StatusOK, func(c identity.Caller) (map[string]any, error) {
		return listPage(r, "photos", func(cursor string, limit int) ([]participation.Photo, error) {
			return h.svc.PendingPhotos(r.Context(), c, cursor, limit)
		}, func(p participation.Photo) string { return p.ID })
	})
}

// stateRequest sets a moderation state (a photo's, a comment's).
type stateRequest struct {
	State string `json:"state"`
}

// handleModeratePhoto is PUT /api/v1/staff/photos/{id}/state: approved
// (public from now on) or hidden.
func (h *participationHandler) handleModeratePhoto(w http.ResponseWriter, r *http.Request) {
	answerBody(h.log, w, r, http.StatusOK, func(c identity.Caller, in stateRequest) (map[string]any, error) {
		return map[string]any{"id": r.PathValue("id"), "state": in.State}, h.svc.ModeratePhoto(r.Context(), c, r.PathValue("id"), in.State)
	})
}
