package api

import (
	"net/http"

	"cityhub/web/httpx"
)

// handleAPIMyData is everything the hub holds about the caller (GDPR
// access request), as a download: the same document as the privacy
// page's (mydata).
func (h *accountHandler) handleAPIMyData(w http.ResponseWriter, r *http.Request) {
	c, err := httpx.Caller(r)
	if err != nil {
		httpx.WriteError(h.log, w, r, err)
		return
	}
	data, err := h.myData(r.Context(), c)
	if err != nil {
		httpx.WriteError(h.log, w, r, err)
		return
	}
	w.Header().Set("Content-Disposition", `attachment; filename="cityhub-my-data.json"`)
	httpx.WriteJSON(w, http.StatusOK, data)
}
