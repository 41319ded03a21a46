package ui

import (
	"net/http"
	"net/url"
	"strings"

	"cityhub/apperr"
	"cityhub/identity"
	"cityhub/money"
	"cityhub/vouchers"
	"cityhub/web/httpx"
)

// voucherScanForm is handleVoucherScan for the page's plain form (no
// script): the typed code and amount are previewed, and the page shows the
// preview with a "Riscatta" form carrying them and a key of its own;
// that form redeems (confirm=1). Each answer is the scanner page with the
// result where the script would show it; a refusal answers its status,
// with the typed code and amount kept in the fields.
func (s *voucherPages) voucherScanForm(w http.ResponseWriter, r *http.Request, c identity.Caller) {
	l := s.locale(r)
	code, amount := strings.TrimSpace(r.PostFormValue("code")), strings.TrimSpace(r.PostFormValue("amount"))
	refuse := func(err error, detail string) {
		status := httpx.StatusOf(apperr.CodeOf(err))
		if status == http.StatusInternalServerError {
			s.pageError(w, r, err)
			return
		}
		if detail == "" {
			detail = l.ErrorText(err)
		}
		s.scanPage(w, r, c, status, "", &scanResult{Kind: "error", Title: scanRefusalHeading(l, err), Detail: detail, Code: code, Amount: amount})
	}
	shop, err := vouchers.ShopOf(c, r.URL.Query().Get("shop"))
	if err != nil {
		refuse(err, "")
		return
	}
	cents, err := money.Parse(amount)
	if err != nil {
		s.scanPage(w, r, c, http.StatusUnprocessableEntity, "", &scanResult{Kind: "error", Title: l.T("scan.amount.invalid"),
			Detail: l.ErrorText(err), Code: code, Amount: amount})
		return
	}
	if r.PostFormValue("confirm") == "" {
		q, err := s.vouchers.QuotePurchase(r.Context(), c, shop, code, int64(cents))
		if err != nil {
			refuse(err, "")
			return
		}
		if q.Refusal != nil {
			refuse(q.Refusal, s.refusalText(l, q.Refusal, q.MinSpendCents))
			return
		}
		again := "/staff/scan"
		if sh := r.URL.Query().Get("shop"); sh != "" {
			again += "?shop=" + url.QueryEscape(sh)
		}
		s.scanPage(w, r, c, http.StatusOK, "", &scanResult{Kind: "preview",
			Title: l.T("staff.scan.preview.title", q.CampaignName),
			Detail: l.T("staff.scan.preview.message", money.Cents(q.DiscountCents).Format(l.Lang),
				money.Cents(q.PurchaseCents).Format(l.Lang), money.Cents(q.PayCents).Format(l.Lang)),
			Confirm: &scanConfirm{Code: code, Amount: amount, Key: newFormScanKey(),
				Submit: l.T("staff.scan.redeem"), Cancel: l.T("staff.scan.cancel"), Again: again}})
		return
	}
	// The key the preview handed out; another (a form not of this page)
	// counts as one press, as the script's requests without a key.
	key := r.PostFormValue("key")
	if !formScanKey.MatchString(key) {
		key = pressKey(c, code, int64(cents))
	}
	red, replayed, err := s.vouchers.Redeem(r.Context(), c, shop, key, vouchers.RedeemRequest{Code: code, PurchaseCents: int64(cents)})
	if err != nil {
		var min int64
		if apperr.ReasonOf(err) == "below_min_spend" {
			if p, perr := s.vouchers.PreviewCode(r.Context(), c, shop, code); perr == nil {
				min = p.MinSpendCents
			}
		}
		refuse(err, s.refusalText(l, err, min))
		return
	}
	res := &scanResult{Kind: "ok", Title: l.T("vouchers.scan.ok.title"),
		Detail: l.T("vouchers.scan.ok.message", money.Cents(red.AmountCents).Format(l.Lang), money.Cents(red.PurchaseCents-red.AmountCents).Format(l.Lang))}
	if replayed {
		res.Kind, res.Title = "warning", l.T("vouchers.scan.replayed.title")
	}
	s.scanPage(w, r, c, http.StatusOK, "", res)
}
