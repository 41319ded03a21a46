package ui

import (
	"math"
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
		status := tillStatus(err)
		if status == http.StatusInternalServerError {
			s.pageError(w, r, err)
			return
		}
		if detail == "" {
			detail = l.ErrorText(err)
		}
		// The wrong codes' pause says when, as the door's form does.
		httpx.SetRetryAfter(w, err)
		s.scanPage(w, r, c, status, "", &scanResult{Kind: "error", Title: scanRefusalHeading(l, err), Detail: detail, Code: code, Amount: amount})
	}
	shop, err := tillShop(r, c)
	if err != nil {
		refuse(err, "")
		return
	}
	cents, amountErr := money.Parse(amount)
	if apperr.ReasonOf(amountErr) == apperr.ReasonOf(money.ErrTooLarge) {
		// Too large to hold in cents is out of the purchase's range, as
		// an amount the vouchers refuse is: the same answer whatever the
		// number's size.
		amountErr = vouchers.CheckPurchaseCents(math.MaxInt64)
	}
	// Every mistake of the form at once, each next to its field and the
	// code's first, as the form reads: the person at the till corrects
	// them in one go, not one after the other.
	if codeErr := vouchers.CheckPresented(code); codeErr != nil || amountErr != nil {
		res := &scanResult{Kind: "error", Code: code, Amount: amount}
		var details []string
		status := http.StatusUnprocessableEntity
		switch {
		case codeErr != nil && amountErr != nil:
			res.Title = l.T("scan.fields.invalid")
		case codeErr != nil:
			res.Title, status = scanRefusalHeading(l, codeErr), tillStatus(codeErr)
		default:
			res.Title = l.T("scan.amount.invalid")
		}
		if codeErr != nil {
			res.CodeError = l.ErrorText(codeErr)
			details = append(details, res.CodeError)
		}
		if amountErr != nil {
			res.AmountError = l.ErrorText(amountErr)
			details = append(details, res.AmountError)
		}
		res.Detail = strings.Join(details, " ")
		s.scanPage(w, r, c, status, "", res)
		return
	}
	if r.PostFormValue("confirm") == "" {
		q, detail, err := s.quoteAtTill(r.Context(), l, c, shop, code, int64(cents))
		if err != nil {
			refuse(err, detail)
			return
		}
		again := "/staff/scan"
		if sh := r.URL.Query().Get("shop"); sh != "" {
			again += "?shop=" + url.QueryEscape(sh)
		}
		title, message := previewTexts(l, q)
		s.scanPage(w, r, c, http.StatusOK, "", &scanResult{Kind: "preview", Title: title, Detail: message,
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
	red, replayed, detail, err := s.redeemAtTill(r.Context(), l, c, shop, key, code, int64(cents))
	if err != nil {
		refuse(err, detail)
		return
	}
	kind, title, message := redeemedTexts(l, red, replayed)
	s.scanPage(w, r, c, http.StatusOK, "", &scanResult{Kind: kind, Title: title, Detail: message})
}
