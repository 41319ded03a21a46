package api

import (
	"net/http"

	"cityhub/identity"
	"cityhub/wallet"
	"cityhub/web/httpx"
)

// LedgerAccountView is one ledger account with a page of its history.
type LedgerAccountView struct {
	Account wallet.Account     `json:"account"`
	History wallet.HistoryPage `json:"history"`
}

// handleAPIAdminLedgerAccount is GET /api/v1/admin/ledger/accounts/{id}
// (city admin): any ledger account's balance and a page of its entries
// (?cursor=&limit=). 404 for an unknown account.
func (h *walletHandler) handleAPIAdminLedgerAccount(w http.ResponseWriter, r *http.Request) {
	c, err := httpx.RequireRole(r, identity.RoleAdmin)
	if err != nil {
		httpx.WriteError(h.log, w, r, err)
		return
	}
	cursor, limit, err := historyQuery(r)
	if err != nil {
		httpx.WriteError(h.log, w, r, err)
		return
	}
	id := wallet.AccountID(r.PathValue("id"))
	acct, err := h.wallet.AccountFor(r.Context(), c, id)
	if err != nil {
		httpx.WriteError(h.log, w, r, err)
		return
	}
	page, err := h.wallet.HistoryFor(r.Context(), c, id, cursor, limit)
	if err != nil {
		httpx.WriteError(h.log, w, r, err)
		return
	}
	httpx.WriteJSON(w, http.StatusOK, LedgerAccountView{Account: acct, History: page})
}
