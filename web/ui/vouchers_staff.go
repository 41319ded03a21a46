package ui

import (
	"net/http"
	"time"

	"cityhub/identity"
	"cityhub/vouchers"
)

// The shopkeeper's voucher page: what the city owes the shop, today's
// redemptions with a reverse button while that is allowed, and statements.

type voucherStaffPage struct {
	ShopName   string
	Balance    vouchers.Balance
	Today      vouchers.DayReport
	Rows       []staffRedemptionRow
	Statements []vouchers.Settlement
}

type staffRedemptionRow struct {
	vouchers.Redemption
	Reversible bool
}

// handleVoucherStaffPage shows the caller's shop (staff of several shops
// choose with ?shop=).
func (s *voucherPages) handleVoucherStaffPage(w http.ResponseWriter, r *http.Request, c identity.Caller) {
	ctx := r.Context()
	shopID, err := vouchers.ShopOf(c, r.URL.Query().Get("shop"))
	if err != nil {
		s.pageError(w, r, err)
		return
	}
	shop, err := s.vouchers.Shop(ctx, shopID)
	if err != nil {
		s.pageError(w, r, err)
		return
	}
	page := voucherStaffPage{ShopName: shop.Name}
	if page.Balance, err = s.vouchers.ShopBalance(ctx, c, shopID); err == nil {
		if page.Today, err = s.vouchers.Today(ctx, c, shopID); err == nil {
			page.Statements, err = s.vouchers.Statements(ctx, c, shopID)
		}
	}
	if err != nil {
		s.pageError(w, r, err)
		return
	}
	now := time.Now()
	for i := len(page.Today.Redemptions) - 1; i >= 0; i-- { // newest first
		red := page.Today.Redemptions[i]
		page.Rows = append(page.Rows, staffRedemptionRow{Redemption: red,
			Reversible: red.ReversedAt == nil && red.SettlementID == "" && now.Sub(red.At) < vouchers.ReversalWindow})
	}
	s.render(w, r, http.StatusOK, "voucher_staff", "vstaff", page)
}

// handleVoucherReversePage reverses a redemption from the page. The key is
// the redemption itself: pressing the button twice reverses it once.
func (s *voucherPages) handleVoucherReversePage(w http.ResponseWriter, r *http.Request, c identity.Caller) {
	shopID, err := vouchers.ShopOf(c, r.URL.Query().Get("shop"))
	if err != nil {
		s.pageError(w, r, err)
		return
	}
	id := r.PathValue("id")
	if _, _, err := s.vouchers.Reverse(r.Context(), c, shopID, id, "page-reverse:"+id); err != nil {
		s.pageError(w, r, err)
		return
	}
	http.Redirect(w, r, "/staff/vouchers", http.StatusSeeOther)
}
