package api

import (
	"net/http"

	"cityhub/apperr"
	"cityhub/identity"
	"cityhub/wallet"
	"cityhub/web/httpx"
)

// WalletView is a citizen's wallet as the API shows it.
type WalletView struct {
	AccountID    string        `json:"account_id"`
	BalanceCents int64         `json:"balance_cents"`
	Currency     string        `json:"currency"`
	Items        []wallet.Item `json:"items"`
	// TestPayments says top-ups are demo money (CITYHUB_TEST_PAYMENTS).
	TestPayments bool `json:"test_payments"`
}

// handleAPIWallet is GET /api/v1/wallet: the calling citizen's balance and
// items. A citizen whose ledger account is not open yet has a balance of 0.
func (h *walletHandler) handleAPIWallet(w http.ResponseWriter, r *http.Request) {
	c, err := httpx.RequireRole(r, identity.RoleCitizen)
	if err != nil {
		httpx.WriteError(h.log, w, r, err)
		return
	}
	v := WalletView{AccountID: c.AccountID, Currency: "EUR", TestPayments: h.testPayments}
	acct, err := h.wallet.AccountFor(r.Context(), c, wallet.CitizenAccount(c.AccountID))
	switch {
	case err == nil:
		v.BalanceCents = acct.Balance
	case !apperr.Has(err, apperr.NotFound):
		httpx.WriteError(h.log, w, r, err)
		return
	}
	if v.Items, err = h.wallet.ItemsFor(r.Context(), c, c.AccountID); err != nil {
		httpx.WriteError(h.log, w, r, err)
		return
	}
	httpx.WriteJSON(w, http.StatusOK, v)
}
