package api

import (
	"cityhub/web/httpx"
	"net/http"
)

// handleAPIMe is the caller: account id, email, name, language and grants.
func (h *accountHandler) handleAPIMe(w http.ResponseWriter, r *http.Request) {
	c, err := httpx.Caller(r)
	if err != nil {
		httpx.WriteError(h.log, w, r, err)
		return
	}
	httpx.WriteJSON(w, http.StatusOK, c)
}
