package ui

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"net/http"
	"strconv"
	"time"

	"cityhub/apperr"
	"cityhub/identity"
	"cityhub/money"
	"cityhub/vouchers"
	"cityhub/web/httpx"
)

// VoucherScanEndpoint is the merchant scanner page's ScanTarget: it previews
// the scanned or typed code for the amount entered at the till, then
// redeems it when the shopkeeper confirms.
const VoucherScanEndpoint = "/staff/vouchers/redeem"

type voucherScanRequest struct {
	Code   string `json:"code"`
	Amount int64  `json:"amount_cents"`
	// Preview asks what the voucher would do for this amount, changing
	// nothing; the page sends it first ("Verifica"), then the same request
	// without it ("Riscatta").
	Preview bool `json:"preview,omitempty"`
}

// scanReplayWindow is how long the same code for the same amount from the
// same person counts as one press of the button: the scanner re-sends a code
// held in front of the camera, and a tap may be doubled.
const scanReplayWindow = 2 * time.Minute

// scanRefusal is the scanner's problem+json with a heading of its own in
// the page's language ("Buono non accettato"), which the page shows above
// the detail: every refusal says its reason.
type scanRefusal struct {
	httpx.Problem
	Heading string `json:"heading"`
}

// handleVoucherScan previews or redeems a voucher from the scanner page
// (registered with pageAction: session cookie, CSRF header, merchant role).
// The shop comes from the caller's grant. A preview answers outcome
// "preview" with the voucher, the discount on this amount and what the
// customer pays; a redemption answers "ok" ("warning" when it repeats an
// earlier answer). A refusal is problem+json with a heading and a detail
// naming the reason (below the minimum: the minimum, in euros).
func (s *voucherPages) handleVoucherScan(w http.ResponseWriter, r *http.Request, c identity.Caller) {
	if isFormPost(r) {
		s.voucherScanForm(w, r, c)
		return
	}
	l := s.locale(r)
	fail := func(err error, detail string) {
		status := tillStatus(err)
		if status == http.StatusInternalServerError {
			httpx.WriteError(s.log, w, r, err)
			return
		}
		if detail == "" {
			detail = l.ErrorText(err)
		}
		heading := scanRefusalHeading(l, err)
		httpx.SetRetryAfter(w, err)
		w.Header().Set("Content-Type", "application/problem+json")
		w.Header().Set("Cache-Control", "no-store")
		w.WriteHeader(status)
		_ = json.NewEncoder(w).Encode(scanRefusal{Problem: httpx.Problem{Type: "https://cityhub.example/problems/" + string(apperr.CodeOf(err)),
			Title: http.StatusText(status), Status: status, Detail: detail, Instance: r.URL.Path, Code: string(apperr.CodeOf(err)),
			Reason: apperr.ReasonOf(err)}, Heading: heading})
	}
	shop, err := tillShop(r, c)
	if err != nil {
		fail(err, "")
		return
	}
	var in voucherScanRequest
	if err := httpx.DecodeJSON(w, r, &in); err != nil {
		fail(err, "")
		return
	}
	if in.Preview {
		q, detail, err := s.quoteAtTill(r.Context(), l, c, shop, in.Code, in.Amount)
		if err != nil {
			fail(err, detail)
			return
		}
		title, message := previewTexts(l, q)
		httpx.WriteJSON(w, http.StatusOK, map[string]any{
			"title":         title,
			"message":       message,
			"outcome":       "preview",
			"confirm":       l.T("staff.scan.redeem"),
			"cancel":        l.T("staff.scan.cancel"),
			"voucher_id":    q.VoucherID,
			"campaign":      q.CampaignName,
			"discount_text": money.Cents(q.DiscountCents).Format(l.Lang),
			"pay_text":      money.Cents(q.PayCents).Format(l.Lang),
			"remaining":     money.Cents(q.RemainingCents).Format(l.Lang),
		})
		return
	}
	key := r.Header.Get("Idempotency-Key")
	if key == "" {
		key = pressKey(c, in.Code, in.Amount)
	}
	red, replayed, detail, err := s.redeemAtTill(r.Context(), l, c, shop, key, in.Code, in.Amount)
	if err != nil {
		fail(err, detail)
		return
	}
	kind, title, message := redeemedTexts(l, red, replayed)
	httpx.WriteJSON(w, http.StatusOK, map[string]string{
		"title":       title,
		"message":     message,
		"outcome":     kind,
		"redemption":  red.ID,
		"reversible":  l.DateTime(red.At.Add(vouchers.ReversalWindow)),
		"voucher_id":  red.VoucherID,
		"amount_text": money.Cents(red.AmountCents).Format(l.Lang),
	})
}

// quoteAtTill previews code for a purchase of cents at shop, for the
// script and the plain form alike: the quote, or the error with the detail
// the till shows for it (below the minimum: the minimum, in euros).
func (s *voucherPages) quoteAtTill(ctx context.Context, l *locale, c identity.Caller, shop, code string, cents int64) (vouchers.Quote, string, error) {
	q, err := s.vouchers.QuotePurchase(ctx, c, shop, code, cents)
	if err != nil {
		return q, "", err
	}
	if q.Refusal != nil {
		return q, s.refusalText(l, q.Refusal, q.MinSpendCents), q.Refusal
	}
	return q, "", nil
}

// redeemAtTill redeems code for a purchase of cents at shop under key, for
// the script and the plain form alike: the redemption (replayed when the
// key's first request made it), or the error with the detail the till
// shows for it.
func (s *voucherPages) redeemAtTill(ctx context.Context, l *locale, c identity.Caller, shop, key, code string, cents int64) (vouchers.Redemption, bool, string, error) {
	red, replayed, err := s.vouchers.Redeem(ctx, c, shop, key, vouchers.RedeemRequest{Code: code, PurchaseCents: cents})
	if err == nil {
		return red, replayed, "", nil
	}
	var min int64
	if apperr.ReasonOf(err) == "below_min_spend" {
		// The code read, so looking at it again costs no failed try.
		if p, perr := s.vouchers.PreviewCode(ctx, c, shop, code); perr == nil {
			min = p.MinSpendCents
		}
	}
	return red, false, s.refusalText(l, err, min), err
}

// previewTexts are a preview's heading and message: the campaign, the
// discount, the purchase and what the customer pays.
func previewTexts(l *locale, q vouchers.Quote) (title, message string) {
	return l.T("staff.scan.preview.title", q.CampaignName), l.T("staff.scan.preview.message", money.Cents(q.DiscountCents).Format(l.Lang),
		money.Cents(q.PurchaseCents).Format(l.Lang), money.Cents(q.PayCents).Format(l.Lang))
}

// redeemedTexts are a redemption's outcome ("ok", or "warning" when it
// repeats the first answer), heading and message.
func redeemedTexts(l *locale, red vouchers.Redemption, replayed bool) (kind, title, message string) {
	message = l.T("vouchers.scan.ok.message", money.Cents(red.AmountCents).Format(l.Lang), money.Cents(red.PurchaseCents-red.AmountCents).Format(l.Lang))
	if replayed {
		return "warning", l.T("vouchers.scan.replayed.title"), message
	}
	return "ok", l.T("vouchers.scan.ok.title"), message
}

// pressKey is the key of a redemption the page sent without one: one
// press of the button is the same person, code and amount within the
// window.
func pressKey(c identity.Caller, code string, cents int64) string {
	bucket := time.Now().Unix() / int64(scanReplayWindow.Seconds())
	sum := sha256.Sum256([]byte(c.AccountID + "\x00" + code + "\x00" + strconv.FormatInt(cents, 10) + "\x00" + strconv.FormatInt(bucket, 10)))
	return "scan-" + hex.EncodeToString(sum[:16])
}

// scanRefusalHeading is the heading above a refusal's detail: a code that
// did not read is "Codice non valido", a purchase amount out of range
// "Importo non valido" (the amount is what is wrong, not the voucher), a
// voucher that read but may not be used "Buono non accettato", and a code
// not looked at (the wrong codes' pause) "Codice non controllato", as the
// door's page and the script say. A till that named its shop twice, or
// none though its staff work at several, is asked "Quale negozio?": the
// voucher was not looked at either.
func scanRefusalHeading(l *locale, err error) string {
	if shopNamedTwice(err) || apperr.ReasonOf(err) == "shop_required" {
		return l.T("scan.shop.twice")
	}
	if amountFault(err) {
		return l.T("scan.amount.invalid")
	}
	switch apperr.CodeOf(err) {
	case apperr.NotFound:
		return l.T("scan.result.error")
	case apperr.RateLimited:
		return l.T("scan.result.not_checked")
	}
	if apperr.ReasonOf(err) == "code_missing" {
		return l.T("scan.result.error")
	}
	return l.T("staff.scan.refused")
}

// refusalText is a refusal in the page's language; below the minimum spend
// it names the minimum.
func (s *voucherPages) refusalText(l *locale, err error, minCents int64) string {
	if apperr.ReasonOf(err) == "below_min_spend" && minCents > 0 {
		return l.T("staff.scan.below_min", money.Cents(minCents).Format(l.Lang))
	}
	return l.ErrorText(err)
}

// amountFault reports whether err refuses the purchase amount itself
// (purchase_amount: not above zero, over the most, or too small for the
// voucher's discount), not the voucher.
func amountFault(err error) bool { return apperr.ReasonOf(err) == "purchase_amount" }

// tillStatus is the status of the till's answer to err: 422 for an amount
// out of range, as for an amount that does not read (both are "Importo non
// valido"), whatever the number's size; otherwise the status of its code.
func tillStatus(err error) int {
	if amountFault(err) {
		return http.StatusUnprocessableEntity
	}
	return httpx.StatusFor(err)
}
