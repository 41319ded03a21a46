package api

import (
	"net/http"
	"time"

	"cityhub/identity"
	"cityhub/wallet"
	"cityhub/web/httpx"
)

// LedgerCheckView is the ledger's self-check with a verdict.
type LedgerCheckView struct {
	OK bool `json:"ok"`
	wallet.LedgerCheck
	// CheckedAt is when the check started.
	CheckedAt time.Time `json:"checked_at"`
}

// handleAPIAdminLedgerCheck is GET /api/v1/admin/ledger/check (city admin):
// every cached balance against its entries, the sum of all balances, and
// transactions whose entries do not sum to zero. 200 either way; "ok" says
// whether the ledger is sound. The check runs for this request, and is kept
// for every hub (wallet.Service.LatestCheck); one that is running already on
// this hub (the background one, another admin's) is waited for and shared
// instead of run twice at once.
func (h *walletHandler) handleAPIAdminLedgerCheck(w http.ResponseWriter, r *http.Request) {
	if _, err := httpx.RequireRole(r, identity.RoleAdmin); err != nil {
		httpx.WriteError(h.log, w, r, err)
		return
	}
	c, err := h.wallet.LatestCheck(r.Context(), 0)
	if err != nil {
		httpx.WriteError(h.log, w, r, err)
		return
	}
	httpx.WriteJSON(w, http.StatusOK, LedgerCheckView{OK: c.OK(), LedgerCheck: c.LedgerCheck, CheckedAt: c.At})
}
