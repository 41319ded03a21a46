package web

import (
	"cityhub/web/httpx"
	"net/http"
)

// handleAPIMyData is everything identity holds about the caller (GDPR
// access request), as a download.
func (s *Server) handleAPIMyData(w http.ResponseWriter, r *http.Request) {
	c, err := httpx.Caller(r)
	if err != nil {
		httpx.WriteError(s.log, w, r, err)
		return
	}
	data, err := s.Identity.Export(r.Context(), c.AccountID)
	if err != nil {
		httpx.WriteError(s.log, w, r, err)
		return
	}
	w.Header().Set("Content-Disposition", `attachment; filename="cityhub-my-data.json"`)
	httpx.WriteJSON(w, http.StatusOK, data)
}
