package web

import (
	"net/http"

	"cityhub/identity"
	"cityhub/wallet"
	"cityhub/web/httpx"
)

// ledgerAccountView is one ledger account with a page of its history.
type ledgerAccountView struct {
	Account wallet.Account     `json:"account"`
	History wallet.HistoryPage `json:"history"`
}

// handleAPIAdminLedgerAccount is GET /api/v1/admin/ledger/accounts/{id}
// (city admin): any ledger account's balance and a page of its entries
// (?cursor=&limit=). 404 for an unknown account.
func (s *Server) handleAPIAdminLedgerAccount(w http.ResponseWriter, r *http.Request) {
	if _, err := httpx.RequireRole(r, identity.RoleAdmin); err != nil {
		httpx.WriteError(s.log, w, r, err)
		return
	}
	cursor, limit, err := historyQuery(r)
	if err != nil {
		httpx.WriteError(s.log, w, r, err)
		return
	}
	id := wallet.AccountID(r.PathValue("id"))
	acct, err := s.Wallet.Account(r.Context(), id)
	if err != nil {
		httpx.WriteError(s.log, w, r, err)
		return
	}
	page, err := s.Wallet.History(r.Context(), id, cursor, limit)
	if err != nil {
		httpx.WriteError(s.log, w, r, err)
		return
	}
	httpx.WriteJSON(w, http.StatusOK, ledgerAccountView{Account: acct, History: page})
}
