package ui

import (
	"context"
	"log/slog"
	"net/http"
	"net/url"
	"time"

	"cityhub/apperr"
	"cityhub/idem"
	"cityhub/identity"
	"cityhub/ids"
	"cityhub/vouchers"
	"cityhub/web/httpx"
)

// The citizen's voucher pages: campaigns to claim, their own vouchers with
// where they were used, and the shops that take a campaign's vouchers. The
// QR codes themselves are on the wallet page (QRSource).

type vouchersPage struct {
	Claimable []claimCard
	Mine      []myVoucherCard
	// FormError says why a claim form was not accepted.
	FormError string
}

// claimCard is a campaign to claim with its form's request id, drawn anew
// for each page: a double press sends the same id twice and claims once,
// while the page drawn again (after a claim) claims the next voucher.
type claimCard struct {
	vouchers.ClaimableCampaign
	RequestID string
}

type myVoucherCard struct {
	vouchers.VoucherView
	Uses []voucherUse
}

// ValueLabel names the voucher's remaining value (voucherValueLabel), ""
// for none.
func (c myVoucherCard) ValueLabel() string { return voucherValueLabel(c.Status, c.RemainingCents) }

// Unusable says the voucher can no longer be used: the page says so by
// its unspent value.
func (c myVoucherCard) Unusable() bool { return c.Status != vouchers.VoucherActive }

// StatusShown is the status the card names (item.status.<it>): a voucher
// of a campaign the city closed says so, not that it expired beside a
// validity that has not ended.
func (c myVoucherCard) StatusShown() string {
	if c.Status == vouchers.VoucherExpired && c.CampaignStatus == vouchers.StatusClosed {
		return "campaign_closed"
	}
	return c.Status
}

type voucherUse struct {
	Shop     string
	At       time.Time
	Amount   int64
	Reversed bool
}

// handleVouchersPage lists what the citizen may claim and what they hold.
func (s *voucherPages) handleVouchersPage(w http.ResponseWriter, r *http.Request, c identity.Caller) {
	page, err := s.vouchersPageFor(r.Context(), c)
	if err != nil {
		s.pageError(w, r, err)
		return
	}
	s.render(w, r, http.StatusOK, "vouchers", "vouchers", page)
}

func (s *voucherPages) vouchersPageFor(ctx context.Context, c identity.Caller) (vouchersPage, error) {
	claimable, err := s.vouchers.Claimable(ctx, c)
	if err != nil {
		return vouchersPage{}, err
	}
	mine, err := s.vouchers.MyVouchers(ctx, c)
	if err != nil {
		return vouchersPage{}, err
	}
	var page vouchersPage
	for _, camp := range claimable {
		page.Claimable = append(page.Claimable, claimCard{ClaimableCampaign: camp, RequestID: ids.New("vcl")})
	}
	for _, v := range mine {
		card := myVoucherCard{VoucherView: v}
		full, err := s.vouchers.MyVoucher(ctx, c, v.ID)
		if err != nil {
			return vouchersPage{}, err
		}
		for _, red := range full.Redemptions {
			card.Uses = append(card.Uses, voucherUse{Shop: red.ShopName, At: red.At, Amount: red.AmountCents, Reversed: red.ReversedAt != nil})
		}
		page.Mine = append(page.Mine, card)
	}
	return page, nil
}

// handleVoucherClaimPage claims a voucher from the page's form and shows it
// in the wallet, where its QR code is. The form's request id is the claim's
// idempotency key (scoped to the citizen by the claim): a form sent twice,
// also at once, makes one voucher and both answers confirm it. A form
// without one (from a page older than the id) is shown again, fresh.
func (s *voucherPages) handleVoucherClaimPage(w http.ResponseWriter, r *http.Request, c identity.Caller) {
	id := r.PostFormValue("campaign_id")
	if id == "" {
		s.claimRefused(w, r, c, apperr.R(apperr.Invalid, "campaign_missing", "Choose a campaign."))
		return
	}
	key := r.PostFormValue("request_id")
	if idem.ValidateKey(key) != nil {
		page, err := s.vouchersPageFor(r.Context(), c)
		if err != nil {
			s.pageError(w, r, err)
			return
		}
		page.FormError = s.locale(r).T("vouchers.form_stale")
		s.render(w, r, http.StatusBadRequest, "vouchers", "vouchers", page)
		return
	}
	if _, _, err := s.vouchers.ClaimWithKey(r.Context(), c, id, key); err != nil {
		s.claimRefused(w, r, c, err)
		return
	}
	http.Redirect(w, r, "/wallet?done=voucher_claimed", http.StatusSeeOther)
}

// claimRefused shows the vouchers page again with why a claim was refused
// (the campaign paused or over since the page was drawn, the citizen's
// limit reached), so the citizen goes on from the campaigns open now. A
// failure of the hub's own gets the error page.
func (s *voucherPages) claimRefused(w http.ResponseWriter, r *http.Request, c identity.Caller, refusal error) {
	if apperr.CodeOf(refusal) == apperr.Internal {
		s.pageError(w, r, refusal)
		return
	}
	page, err := s.vouchersPageFor(r.Context(), c)
	if err != nil {
		// The refusal is the answer; the page that could not be drawn
		// again around it is the operator's to know of.
		s.log.ErrorContext(r.Context(), "draw the vouchers page again after a refused claim", slog.Any("error", err))
		s.pageError(w, r, refusal)
		return
	}
	page.FormError = s.locale(r).ErrorText(refusal)
	s.render(w, r, httpx.StatusFor(refusal), "vouchers", "vouchers", page)
}

type voucherShopsPage struct {
	Campaign  string
	Districts []districtShops
	// Closed says the campaign is closed: no shop takes its vouchers any
	// more, so the page says so and lists none.
	Closed bool
}

type districtShops struct {
	Code  string
	Shops []vouchers.Shop
}

// handleVoucherShopsPage lists the shops that take a campaign's vouchers,
// by district.
func (s *voucherPages) handleVoucherShopsPage(w http.ResponseWriter, r *http.Request, c identity.Caller) {
	// Two districts are refused as the API refuses them, with the link to
	// every shop of the campaign.
	if err := httpx.Once(r.URL.Query(), "district"); err != nil {
		s.pagingRefused(w, r, err, "/vouchers/campaigns/"+url.PathEscape(r.PathValue("id"))+"/shops")
		return
	}
	ctx := r.Context()
	camp, err := s.vouchers.Campaign(ctx, r.PathValue("id"))
	if err != nil {
		s.pageError(w, r, err)
		return
	}
	if camp.Status == vouchers.StatusClosed {
		s.render(w, r, http.StatusOK, "voucher_shops", "vouchers", voucherShopsPage{Campaign: camp.Name, Closed: true})
		return
	}
	shops, err := s.vouchers.ShopsFor(ctx, camp.ID, r.URL.Query().Get("district"))
	if err != nil {
		s.pageError(w, r, err)
		return
	}
	page := voucherShopsPage{Campaign: camp.Name}
	for _, sh := range shops { // ShopsFor sorts by district
		if n := len(page.Districts); n == 0 || page.Districts[n-1].Code != sh.District {
			page.Districts = append(page.Districts, districtShops{Code: sh.District})
		}
		d := &page.Districts[len(page.Districts)-1]
		d.Shops = append(d.Shops, sh)
	}
	s.render(w, r, http.StatusOK, "voucher_shops", "vouchers", page)
}
