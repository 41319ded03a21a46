package web

import "net/http"

// handleAPIMyData is everything identity holds about the caller (GDPR
// access request), as a download.
func (s *Server) handleAPIMyData(w http.ResponseWriter, r *http.Request) {
	c, err := s.caller(r)
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	data, err := s.Identity.Export(r.Context(), c.AccountID)
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	w.Header().Set("Content-Disposition", `attachment; filename="cityhub-my-data.json"`)
	writeJSON(w, http.StatusOK, data)
}
