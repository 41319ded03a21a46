package web

import (
	"net/http"

	"cityhub/identity"
	"cityhub/wallet"
	"cityhub/web/httpx"
)

// ledgerCheckView is the ledger's self-check with a verdict.
type ledgerCheckView struct {
	OK bool `json:"ok"`
	wallet.LedgerCheck
}

// handleAPIAdminLedgerCheck is GET /api/v1/admin/ledger/check (city admin):
// every cached balance against its entries, the sum of all balances, and
// transactions whose entries do not sum to zero. 200 either way; "ok" says
// whether the ledger is sound.
func (s *Server) handleAPIAdminLedgerCheck(w http.ResponseWriter, r *http.Request) {
	if _, err := httpx.RequireRole(r, identity.RoleAdmin); err != nil {
		httpx.WriteError(s.log, w, r, err)
		return
	}
	c, err := s.Wallet.Check(r.Context())
	if err != nil {
		httpx.WriteError(s.log, w, r, err)
		return
	}
	httpx.WriteJSON(w, http.StatusOK, ledgerCheckView{OK: c.OK(), LedgerCheck: c})
}
