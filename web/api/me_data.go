package api

import (
	"cityhub/web/httpx"
	"net/http"
)

// handleAPIMyData is everything identity holds about the caller (GDPR
// access request), as a download.
func (h *accountHandler) handleAPIMyData(w http.ResponseWriter, r *http.Request) {
	c, err := httpx.Caller(r)
	if err != nil {
		httpx.WriteError(h.log, w, r, err)
		return
	}
	data, err := h.identity.Export(r.Context(), c)
	if err != nil {
		httpx.WriteError(h.log, w, r, err)
		return
	}
	w.Header().Set("Content-Disposition", `attachment; filename="cityhub-my-data.json"`)
	httpx.WriteJSON(w, http.StatusOK, data)
}
