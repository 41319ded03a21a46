package web

import (
	"net/http"

	"cityhub/identity"
	"cityhub/wallet"
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
	if _, err := s.requireRole(r, identity.RoleAdmin); err != nil {
		s.writeError(w, r, err)
		return
	}
	c, err := s.Wallet.Check(r.Context())
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, ledgerCheckView{OK: c.OK(), LedgerCheck: c})
}
