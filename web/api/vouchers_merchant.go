package api

import (
	"net/http"
	"time"

	"cityhub/identity"
	"cityhub/vouchers"
	"cityhub/web/httpx"
)

// The till API for shop staff. The shop always comes from the caller's
// merchant_staff grant; staff of several shops choose among their own with
// ?shop=, given once (twice is 400 shop_required, as none). Nothing here looks at a code before the caller is known to be shop
// staff, so nobody else learns whether a code exists.

func (h *voucherHandler) merchantShop(w http.ResponseWriter, r *http.Request) (identity.Caller, string, bool) {
	c, err := httpx.RequireRole(r, identity.RoleMerchant)
	if err != nil {
		httpx.WriteError(h.log, w, r, err)
		return c, "", false
	}
	// A shop named twice is no choice of one: a redemption would go to
	// whichever came first.
	requested, err := httpx.Choice(r.URL.Query(), "shop", "shop_required")
	if err != nil {
		httpx.WriteError(h.log, w, r, err)
		return c, "", false
	}
	shop, err := vouchers.ShopOf(c, requested)
	if err != nil {
		httpx.WriteError(h.log, w, r, err)
		return c, "", false
	}
	return c, shop, true
}

type previewRequest struct {
	Code string `json:"code"` // a scanned QR token or a typed code
}

// handleAPIPreviewVoucher verifies a scanned or typed code and shows what
// the voucher is worth at this shop, without using it.
func (h *voucherHandler) handleAPIPreviewVoucher(w http.ResponseWriter, r *http.Request) {
	c, shop, ok := h.merchantShop(w, r)
	if !ok {
		return
	}
	var req previewRequest
	if err := httpx.DecodeJSON(w, r, &req); err != nil {
		httpx.WriteError(h.log, w, r, err)
		return
	}
	p, err := h.vouchers.PreviewCode(r.Context(), c, shop, req.Code)
	if err != nil {
		httpx.WriteError(h.log, w, r, err)
		return
	}
	httpx.WriteJSON(w, http.StatusOK, p)
}

// handleAPIRedeemVoucher redeems a voucher for a purchase. Needs an
// Idempotency-Key: a till that retries after a timeout gets the first
// answer, a refusal too, never a second redemption. The operation keeps
// its answers itself (OwnAnswerRoutes).
func (h *voucherHandler) handleAPIRedeemVoucher(w http.ResponseWriter, r *http.Request) {
	c, shop, ok := h.merchantShop(w, r)
	if !ok {
		return
	}
	var req vouchers.RedeemRequest
	if err := httpx.DecodeJSON(w, r, &req); err != nil {
		httpx.WriteError(h.log, w, r, err)
		return
	}
	red, replayed, err := h.vouchers.Redeem(r.Context(), c, shop, r.Header.Get("Idempotency-Key"), req)
	if err != nil {
		writeRefusal(h.log, w, r, replayed, err)
		return
	}
	writeReplayable(w, http.StatusCreated, replayed, redemptionAnswer(red))
}

type RedemptionReply struct {
	vouchers.Redemption
	// ToPayCents is what the customer still pays.
	ToPayCents int64 `json:"to_pay_cents"`
	// ReversibleUntil is the redemption's at plus the reversal window, in
	// the API's form of every time (UTC, to the microsecond).
	ReversibleUntil time.Time `json:"reversible_until"`
}

func redemptionAnswer(r vouchers.Redemption) RedemptionReply {
	return RedemptionReply{Redemption: r, ToPayCents: r.PurchaseCents - r.AmountCents,
		ReversibleUntil: r.At.Add(vouchers.ReversalWindow).UTC()}
}

// handleAPIReverseRedemption reverses a redemption of this shop within the
// reversal window. Needs an Idempotency-Key.
func (h *voucherHandler) handleAPIReverseRedemption(w http.ResponseWriter, r *http.Request) {
	c, shop, ok := h.merchantShop(w, r)
	if !ok {
		return
	}
	red, replayed, err := h.vouchers.Reverse(r.Context(), c, shop, r.PathValue("id"), r.Header.Get("Idempotency-Key"))
	if err != nil {
		httpx.WriteError(h.log, w, r, err)
		return
	}
	writeReplayable(w, http.StatusOK, replayed, red)
}

// handleAPITodayRedemptions lists this shop's redemptions today (in the city's time zone).
func (h *voucherHandler) handleAPITodayRedemptions(w http.ResponseWriter, r *http.Request) {
	c, shop, ok := h.merchantShop(w, r)
	if !ok {
		return
	}
	rep, err := h.vouchers.Today(r.Context(), c, shop)
	if err != nil {
		httpx.WriteError(h.log, w, r, err)
		return
	}
	httpx.WriteJSON(w, http.StatusOK, rep)
}

// handleAPIShopBalance says what the city owes this shop.
func (h *voucherHandler) handleAPIShopBalance(w http.ResponseWriter, r *http.Request) {
	c, shop, ok := h.merchantShop(w, r)
	if !ok {
		return
	}
	b, err := h.vouchers.ShopBalance(r.Context(), c, shop)
	if err != nil {
		httpx.WriteError(h.log, w, r, err)
		return
	}
	httpx.WriteJSON(w, http.StatusOK, b)
}

// handleAPIShopStatements lists this shop's statements newest first, a
// page at a time.
func (h *voucherHandler) handleAPIShopStatements(w http.ResponseWriter, r *http.Request) {
	c, shop, ok := h.merchantShop(w, r)
	if !ok {
		return
	}
	h.writeStatementPage(w, r, c, shop)
}

// handleAPIShopStatement returns one of this shop's statements (CSV with
// ?format=csv, for a spreadsheet with &dialect=excel). 404 for another
// shop's.
func (h *voucherHandler) handleAPIShopStatement(w http.ResponseWriter, r *http.Request) {
	c, shop, ok := h.merchantShop(w, r)
	if !ok {
		return
	}
	h.writeStatement(w, r, func() (vouchers.Statement, error) {
		return h.vouchers.ShopStatement(r.Context(), c, shop, r.PathValue("id"))
	})
}
