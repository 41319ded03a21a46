package api

import (
	"net/http"

	"cityhub/identity"
	"cityhub/wallet"
	"cityhub/web/httpx"
)

// historyQuery reads ?cursor=&limit= of a history request. Invalid for a
// limit that is not 1..wallet.MaxPage.
func historyQuery(r *http.Request) (cursor string, limit int, err error) {
	return httpx.PageQuery(r, 20, wallet.MaxPage)
}

// handleAPIWalletHistory is GET /api/v1/wallet/history: a page of the
// calling citizen's own entries, newest first. There is no account
// parameter: a citizen can only ever name their own account.
func (h *walletHandler) handleAPIWalletHistory(w http.ResponseWriter, r *http.Request) {
	c, err := httpx.RequireRole(r, identity.RoleCitizen)
	if err != nil {
		httpx.WriteError(h.log, w, r, err)
		return
	}
	cursor, limit, err := historyQuery(r)
	if err != nil {
		httpx.WriteError(h.log, w, r, err)
		return
	}
	page, err := h.wallet.HistoryFor(r.Context(), c, wallet.CitizenAccount(c.AccountID), cursor, limit)
	if err != nil {
		httpx.WriteError(h.log, w, r, err)
		return
	}
	httpx.WriteJSON(w, http.StatusOK, page)
}
