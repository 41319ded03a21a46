package ui

import (
	"crypto/sha256"
	"encoding/hex"
	"net/http"
	"strconv"
	"time"

	"cityhub/apperr"
	"cityhub/identity"
	"cityhub/money"
	"cityhub/vouchers"
	"cityhub/web/httpx"
)

// VoucherScanEndpoint is the merchant scanner page's ScanTarget: it redeems
// the scanned or typed code for the amount entered at the till.
const VoucherScanEndpoint = "/staff/vouchers/redeem"

type voucherScanRequest struct {
	Code   string `json:"code"`
	Amount int64  `json:"amount_cents"`
}

// scanReplayWindow is how long the same code for the same amount from the
// same person counts as one press of the button: the scanner re-sends a code
// held in front of the camera, and a tap may be doubled.
const scanReplayWindow = 2 * time.Minute

// handleVoucherScan redeems a voucher from the scanner page (registered with
// pageAction: session cookie, CSRF header, merchant role). The shop comes
// from the caller's grant. It answers the scanner's JSON: title, message and
// outcome ("warning" when this repeats an earlier answer), or problem+json
// in the page's language.
func (s *voucherPages) handleVoucherScan(w http.ResponseWriter, r *http.Request, c identity.Caller) {
	l := s.locale(r)
	fail := func(err error) {
		status := httpx.StatusOf(apperr.CodeOf(err))
		if status == http.StatusInternalServerError {
			httpx.WriteError(s.log, w, r, err)
			return
		}
		httpx.WriteProblem(w, httpx.Problem{Type: "https://cityhub.example/problems/" + string(apperr.CodeOf(err)), Title: http.StatusText(status),
			Status: status, Detail: l.ErrorText(err), Instance: r.URL.Path, Code: string(apperr.CodeOf(err)), Reason: apperr.ReasonOf(err)})
	}
	shop, err := vouchers.ShopOf(c, r.URL.Query().Get("shop"))
	if err != nil {
		fail(err)
		return
	}
	var in voucherScanRequest
	if err := httpx.DecodeJSON(w, r, &in); err != nil {
		fail(err)
		return
	}
	key := r.Header.Get("Idempotency-Key")
	if key == "" {
		// The page sends no key of its own: one press of the button is the
		// same person, code and amount within the window.
		bucket := time.Now().Unix() / int64(scanReplayWindow.Seconds())
		sum := sha256.Sum256([]byte(c.AccountID + "\x00" + in.Code + "\x00" + strconv.FormatInt(in.Amount, 10) + "\x00" + strconv.FormatInt(bucket, 10)))
		key = "scan-" + hex.EncodeToString(sum[:16])
	}
	red, replayed, err := s.vouchers.Redeem(r.Context(), c, shop, key, vouchers.RedeemRequest{Code: in.Code, PurchaseCents: in.Amount})
	if err != nil {
		fail(err)
		return
	}
	out := map[string]string{
		"title":       l.T("vouchers.scan.ok.title"),
		"message":     l.T("vouchers.scan.ok.message", money.Cents(red.AmountCents).Format(l.Lang), money.Cents(red.PurchaseCents-red.AmountCents).Format(l.Lang)),
		"outcome":     "ok",
		"redemption":  red.ID,
		"reversible":  l.DateTime(red.At.Add(vouchers.ReversalWindow)),
		"voucher_id":  red.VoucherID,
		"amount_text": money.Cents(red.AmountCents).Format(l.Lang),
	}
	if replayed {
		out["title"], out["outcome"] = l.T("vouchers.scan.replayed.title"), "warning"
	}
	httpx.WriteJSON(w, http.StatusOK, out)
}
