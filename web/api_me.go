package web

import "net/http"

// handleAPIMe is the caller: account id, email, name, language and grants.
func (s *Server) handleAPIMe(w http.ResponseWriter, r *http.Request) {
	c, err := s.caller(r)
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, c)
}
