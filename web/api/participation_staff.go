package api

import (
	"net/http"

	"cityhub/apperr"
	"cityhub/identity"
	"cityhub/web/httpx"
)

// The offices' triage: city staff (city_staff scoped to an office) and
// city administrators work the reports of their offices. The handlers
// refuse other roles at once; which office's report a member of staff may
// touch is the participation service's decision.

var staffRoles = []identity.Role{identity.RoleCityStaff, identity.RoleAdmin}

// handleQueue is GET /api/v1/staff/queue?office=: an office's reports
// still being worked, oldest first. Staff of one office may leave office
// out.
func (h *participationHandler) handleQueue(w http.ResponseWriter, r *http.Request) {
	c, err := httpx.RequireRole(r, staffRoles...)
	if err != nil {
		httpx.WriteError(h.log, w, r, err)
		return
	}
	_, limit, err := pageQuery(r)
	if err != nil {
		httpx.WriteError(h.log, w, r, err)
		return
	}
	office := r.URL.Query().Get("office")
	if office == "" {
		offices := c.Scopes(identity.RoleCityStaff)
		if len(offices) != 1 || c.Has(identity.RoleAdmin) {
			httpx.WriteError(h.log, w, r, apperr.R(apperr.Invalid, "office_required", "Say which office's queue: ?office=."))
			return
		}
		office = offices[0]
	}
	rs, err := h.svc.Queue(r.Context(), c, office, limit)
	if err != nil {
		httpx.WriteError(h.log, w, r, err)
		return
	}
	httpx.WriteJSON(w, http.StatusOK, map[string]any{"office": office, "reports": rs})
}

// statusRequest moves a report to a status with a public note.
type statusRequest struct {
	Status string `json:"status"`
	Note   string `json:"note"`
}

// handleChangeStatus is PUT /api/v1/staff/reports/{id}/status.
func (h *participationHandler) handleChangeStatus(w http.ResponseWriter, r *http.Request) {
	c, err := httpx.RequireRole(r, staffRoles...)
	if err != nil {
		httpx.WriteError(h.log, w, r, err)
		return
	}
	var in statusRequest
	if err := httpx.DecodeJSON(w, r, &in); err != nil {
		httpx.WriteError(h.log, w, r, err)
		return
	}
	rep, err := h.svc.ChangeStatus(r.Context(), c, r.PathValue("id"), in.Status, in.Note)
	if err != nil {
		httpx.WriteError(h.log, w, r, err)
		return
	}
	httpx.WriteJSON(w, http.StatusOK, rep)
}

// mergeRequest merges a report into another of the same category.
type mergeRequest struct {
	Into string `json:"into"`
	Note string `json:"note"`
}

// handleMergeReport is POST /api/v1/staff/reports/{id}/merge.
func (h *participationHandler) handleMergeReport(w http.ResponseWriter, r *http.Request) {
	c, err := httpx.RequireRole(r, staffRoles...)
	if err != nil {
		httpx.WriteError(h.log, w, r, err)
		return
	}
	var in mergeRequest
	if err := httpx.DecodeJSON(w, r, &in); err != nil {
		httpx.WriteError(h.log, w, r, err)
		return
	}
	rep, err := h.svc.Merge(r.Context(), c, r.PathValue("id"), in.Into, in.Note)
	if err != nil {
		httpx.WriteError(h.log, w, r, err)
		return
	}
	httpx.WriteJSON(w, http.StatusOK, rep)
}

// handleNearbyReports is GET /api/v1/staff/reports/{id}/nearby: what the
// report might duplicate.
func (h *participationHandler) handleNearbyReports(w http.ResponseWriter, r *http.Request) {
	c, err := httpx.RequireRole(r, staffRoles...)
	if err != nil {
		httpx.WriteError(h.log, w, r, err)
		return
	}
	ns, err := h.svc.NearbyReports(r.Context(), c, r.PathValue("id"))
	if err != nil {
		httpx.WriteError(h.log, w, r, err)
		return
	}
	httpx.WriteJSON(w, http.StatusOK, map[string]any{"nearby": ns})
}

// redactRequest hides (or shows again) a report's personal data.
type redactRequest struct {
	Redacted bool `json:"redacted"`
}

// handleRedactReport is PUT /api/v1/staff/reports/{id}/redacted.
func (h *participationHandler) handleRedactReport(w http.ResponseWriter, r *http.Request) {
	c, err := httpx.RequireRole(r, staffRoles...)
	if err != nil {
		httpx.WriteError(h.log, w, r, err)
		return
	}
	var in redactRequest
	if err := httpx.DecodeJSON(w, r, &in); err != nil {
		httpx.WriteError(h.log, w, r, err)
		return
	}
	rep, err := h.svc.Redact(r.Context(), c, r.PathValue("id"), in.Redacted)
	if err != nil {
		httpx.WriteError(h.log, w, r, err)
		return
	}
	httpx.WriteJSON(w, http.StatusOK, rep)
}

// handlePendingPhotos is GET /api/v1/staff/photos: photos awaiting
// moderation in the caller's offices, oldest first.
func (h *participationHandler) handlePendingPhotos(w http.ResponseWriter, r *http.Request) {
	c, err := httpx.RequireRole(r, staffRoles...)
	if err != nil {
		httpx.WriteError(h.log, w, r, err)
		return
	}
	_, limit, err := pageQuery(r)
	if err != nil {
		httpx.WriteError(h.log, w, r, err)
		return
	}
	ps, err := h.svc.PendingPhotos(r.Context(), c, limit)
	if err != nil {
		httpx.WriteError(h.log, w, r, err)
		return
	}
	httpx.WriteJSON(w, http.StatusOK, map[string]any{"photos": ps})
}

// stateRequest sets a moderation state (a photo's, a comment's).
type stateRequest struct {
	State string `json:"state"`
}

// handleModeratePhoto is PUT /api/v1/staff/photos/{id}/state: approved
// (public from now on) or hidden.
func (h *participationHandler) handleModeratePhoto(w http.ResponseWriter, r *http.Request) {
	c, err := httpx.RequireRole(r, staffRoles...)
	if err != nil {
		httpx.WriteError(h.log, w, r, err)
		return
	}
	var in stateRequest
	if err := httpx.DecodeJSON(w, r, &in); err != nil {
		httpx.WriteError(h.log, w, r, err)
		return
	}
	if err := h.svc.ModeratePhoto(r.Context(), c, r.PathValue("id"), in.State); err != nil {
		httpx.WriteError(h.log, w, r, err)
		return
	}
	httpx.WriteJSON(w, http.StatusOK, map[string]any{"id": r.PathValue("id"), "state": in.State})
}
