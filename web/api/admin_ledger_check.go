package api

import (
	"net/http"

	"cityhub/identity"
	"cityhub/wallet"
	"cityhub/web/httpx"
)

// LedgerCheckView is the ledger's self-check with a verdict.
type LedgerCheckView struct {
	OK bool `json:"ok"`
	wallet.LedgerCheck
}

// handleAPIAdminLedgerCheck is GET /api/v1/admin/ledger/check (city admin):
// every cached balance against its entries, the sum of all balances, and
// transactions whose entries do not sum to zero. 200 either way; "ok" says
// whether the ledger is sound.
func (h *walletHandler) handleAPIAdminLedgerCheck(w http.ResponseWriter, r *http.Request) {
	if _, err := httpx.RequireRole(r, identity.RoleAdmin); err != nil {
		httpx.WriteError(h.log, w, r, err)
		return
	}
	c, err := h.wallet.Check(r.Context())
	if err != nil {
		httpx.WriteError(h.log, w, r, err)
		return
	}
	httpx.WriteJSON(w, http.StatusOK, LedgerCheckView{OK: c.OK(), LedgerCheck: c})
}
