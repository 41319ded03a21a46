package api

import (
	"net/http"

	"cityhub/qrimage"

	"cityhub/identity"
	"cityhub/web/httpx"
)

// The citizen's voucher API: claimable campaigns, claiming, the wallet's
// vouchers, their rotating QR tokens, and the shops that take them.

// handleAPIClaimableCampaigns lists the campaigns the caller may claim now.
func (h *voucherHandler) handleAPIClaimableCampaigns(w http.ResponseWriter, r *http.Request) {
	c, err := httpx.RequireRole(r, identity.RoleCitizen)
	if err != nil {
		httpx.WriteError(h.log, w, r, err)
		return
	}
	cs, err := h.vouchers.Claimable(r.Context(), c)
	if err != nil {
		httpx.WriteError(h.log, w, r, err)
		return
	}
	httpx.WriteJSON(w, http.StatusOK, map[string]any{"campaigns": cs})
}

// handleAPIClaimVoucher claims a voucher of a campaign. 201 with the voucher.
// An Idempotency-Key makes a retry answer the first voucher, never a second,
// or the first refusal. The operation keeps its answers itself
// (OwnAnswerRoutes).
func (h *voucherHandler) handleAPIClaimVoucher(w http.ResponseWriter, r *http.Request) {
	c, err := httpx.RequireRole(r, identity.RoleCitizen)
	if err != nil {
		httpx.WriteError(h.log, w, r, err)
		return
	}
	v, replayed, err := h.vouchers.ClaimWithKey(r.Context(), c, r.PathValue("id"), r.Header.Get("Idempotency-Key"))
	if err != nil {
		writeRefusal(h.log, w, r, replayed, err)
		return
	}
	w.Header().Set("Location", "/api/v1/vouchers/"+v.ID)
	writeReplayable(w, http.StatusCreated, replayed, v)
}

// handleAPICampaignShops lists the shops that take a campaign's vouchers,
// optionally in one ?district= (given twice, Invalid: duplicate_field, as
// on every list). Any signed-in account may ask.
func (h *voucherHandler) handleAPICampaignShops(w http.ResponseWriter, r *http.Request) {
	if _, err := httpx.Caller(r); err != nil {
		httpx.WriteError(h.log, w, r, err)
		return
	}
	if err := httpx.Once(r.URL.Query(), "district"); err != nil {
		httpx.WriteError(h.log, w, r, err)
		return
	}
	shops, err := h.vouchers.ShopsFor(r.Context(), r.PathValue("id"), r.URL.Query().Get("district"))
	if err != nil {
		httpx.WriteError(h.log, w, r, err)
		return
	}
	type publicShop struct {
		ID       string `json:"id"`
		Name     string `json:"name"`
		Address  string `json:"address"`
		District string `json:"district"`
		Category string `json:"category"`
	}
	out := make([]publicShop, 0, len(shops))
	for _, sh := range shops {
		out = append(out, publicShop{sh.ID, sh.Name, sh.Address, sh.District, sh.Category})
	}
	httpx.WriteJSON(w, http.StatusOK, map[string]any{"shops": out})
}

// handleAPIMyVouchers lists the caller's vouchers.
func (h *voucherHandler) handleAPIMyVouchers(w http.ResponseWriter, r *http.Request) {
	c, err := httpx.RequireRole(r, identity.RoleCitizen)
	if err != nil {
		httpx.WriteError(h.log, w, r, err)
		return
	}
	vs, err := h.vouchers.MyVouchers(r.Context(), c)
	if err != nil {
		httpx.WriteError(h.log, w, r, err)
		return
	}
	httpx.WriteJSON(w, http.StatusOK, map[string]any{"vouchers": vs})
}

// handleAPIMyVoucher returns one of the caller's vouchers with where it was
// used. 404 for anyone else's.
func (h *voucherHandler) handleAPIMyVoucher(w http.ResponseWriter, r *http.Request) {
	c, err := httpx.RequireRole(r, identity.RoleCitizen)
	if err != nil {
		httpx.WriteError(h.log, w, r, err)
		return
	}
	v, err := h.vouchers.MyVoucher(r.Context(), c, r.PathValue("id"))
	if err != nil {
		httpx.WriteError(h.log, w, r, err)
		return
	}
	httpx.WriteJSON(w, http.StatusOK, v)
}

// handleAPIVoucherQR gives a fresh QR token for one of the caller's
// vouchers; the wallet asks again after refresh_after (about 30 s).
func (h *voucherHandler) handleAPIVoucherQR(w http.ResponseWriter, r *http.Request) {
	c, err := httpx.RequireRole(r, identity.RoleCitizen)
	if err != nil {
		httpx.WriteError(h.log, w, r, err)
		return
	}
	tok, err := h.vouchers.FreshToken(r.Context(), c, r.PathValue("id"))
	if err != nil {
		httpx.WriteError(h.log, w, r, err)
		return
	}
	httpx.WriteJSON(w, http.StatusOK, tok)
}

// handleAPIVoucherQRPNG is the same fresh token as a QR image (level M).
func (h *voucherHandler) handleAPIVoucherQRPNG(w http.ResponseWriter, r *http.Request) {
	c, err := httpx.RequireRole(r, identity.RoleCitizen)
	if err != nil {
		httpx.WriteError(h.log, w, r, err)
		return
	}
	tok, err := h.vouchers.FreshToken(r.Context(), c, r.PathValue("id"))
	if err != nil {
		httpx.WriteError(h.log, w, r, err)
		return
	}
	png, err := qrimage.PNG(tok.Token, 320)
	if err != nil {
		httpx.WriteError(h.log, w, r, err)
		return
	}
	w.Header().Set("Content-Type", "image/png")
	w.Header().Set("Cache-Control", "no-store")
	_, _ = w.Write(png)
}
