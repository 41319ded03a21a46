package api

import (
	"crypto/sha256"
	"encoding/base32"
	"encoding/json"
	"fmt"
	"log/slog"
	"net/http"
	"strings"

	"cityhub/apperr"
	"cityhub/cardpay"
	"cityhub/idem"
	"cityhub/identity"
	"cityhub/wallet"
	"cityhub/web/httpx"
)

// topupRequest is the body of POST /api/v1/wallet/topups.
type topupRequest struct {
	AmountCents int64 `json:"amount_cents"`
}

// TopupView answers a top-up request.
type TopupView struct {
	TopUpID     string `json:"topup_id"`
	Status      string `json:"status"` // "succeeded" (test payments) or "pending" (card)
	AmountCents int64  `json:"amount_cents"`
	Currency    string `json:"currency"`
	// TestPayment is true when no card was charged (CITYHUB_TEST_PAYMENTS).
	TestPayment bool   `json:"test_payment"`
	Notice      string `json:"notice,omitempty"`
	// BalanceCents is the new balance, once credited. A retry answered
	// from the ledger (its body or query not byte for byte the first
	// request's, or the first answer not kept) leaves it out: the balance
	// right after the top-up is no longer known, and today's would not be
	// the first answer.
	BalanceCents *int64 `json:"balance_cents,omitempty"`
	// TransactionID is the ledger transaction of a credited top-up.
	TransactionID string `json:"transaction_id,omitempty"`
	// PaymentIntentID and ClientSecret let the client confirm the card
	// payment with Stripe.js; the credit follows from Stripe's webhook.
	PaymentIntentID string `json:"payment_intent_id,omitempty"`
	ClientSecret    string `json:"client_secret,omitempty"`
	PublishableKey  string `json:"publishable_key,omitempty"`
}

const testPaymentNotice = "TEST PAYMENT: this hub runs with test payments on (demo only). No card was charged and this credit is not real money."

// handleAPIWalletTopUp is POST /api/v1/wallet/topups. It needs an
// Idempotency-Key header: a retry returns the first answer. With test
// payments on, the credit is immediate and marked as test money; with
// Stripe, it answers a pending PaymentIntent and the credit comes with the
// payment_intent.succeeded webhook. 503 when neither is configured.
func (h *walletHandler) handleAPIWalletTopUp(w http.ResponseWriter, r *http.Request) {
	c, err := httpx.RequireRole(r, identity.RoleCitizen)
	if err != nil {
		httpx.WriteError(h.log, w, r, err)
		return
	}
	var in topupRequest
	if err := httpx.DecodeJSON(w, r, &in); err != nil {
		httpx.WriteError(h.log, w, r, err)
		return
	}
	key := r.Header.Get("Idempotency-Key")
	if err := wallet.ValidateClientKey(key); err != nil {
		httpx.WriteError(h.log, w, r, err)
		return
	}
	if err := wallet.ValidateTopUp(in.AmountCents); err != nil {
		httpx.WriteError(h.log, w, r, err)
		return
	}
	ctx := r.Context()
	if kept, ok := httpx.KeptAnswer(ctx); ok {
		// The retry of a card top-up whose answer was kept without its
		// client secret: the same answer, its secret asked again.
		h.replayCardTopUp(w, r, c, key, kept)
		return
	}
	switch {
	case h.testPayments:
		tx, err := h.wallet.TestTopUp(ctx, c.AccountID, in.AmountCents, key)
		if err != nil {
			// The ledger records a test top-up's key and names its reuse
			// ledger_key_reused, which its other callers rely on.
			if apperr.ReasonOf(err) == "ledger_key_reused" {
				err = errTopUpKeyReused
			}
			httpx.WriteError(h.log, w, r, err)
			return
		}
		var balance *int64
		if tx.Replayed {
			// Answered again from the ledger, and said to be a replay.
			w.Header().Set("Idempotent-Replayed", "true")
		} else {
			h.log.WarnContext(ctx, "TEST PAYMENT credited: no card was charged (demo only)",
				slog.String("account", c.AccountID), slog.Int64("amount_cents", in.AmountCents), slog.String("transaction", tx.ID))
			acct, err := h.wallet.AccountFor(ctx, c, wallet.CitizenAccount(c.AccountID))
			if err != nil {
				httpx.WriteError(h.log, w, r, err)
				return
			}
			balance = &acct.Balance
		}
		httpx.WriteJSON(w, http.StatusCreated, TopupView{TopUpID: topupID(c.AccountID, key), Status: "succeeded", AmountCents: in.AmountCents, Currency: "EUR",
			TestPayment: true, Notice: testPaymentNotice, BalanceCents: balance, TransactionID: tx.ID})
	case h.payments != nil && h.cardPayments != nil:
		id := topupID(c.AccountID, key)
		// The key was answered before, for a body written otherwise: the
		// same amount is the same top-up, answered as the first time;
		// another is refused. Stripe's own check of its key would say so
		// only for a day, and a new PaymentIntent after it.
		if first, ok := httpx.FirstAnswer(ctx); ok {
			var prev TopupView
			if err := json.Unmarshal(first.Body, &prev); err == nil && prev.TopUpID == id {
				if prev.AmountCents != in.AmountCents {
					httpx.WriteError(h.log, w, r, errTopUpKeyReused)
					return
				}
				h.writeCardTopUpAgain(w, r, c, first.Status, prev)
				return
			}
		}
		pi, err := h.payments.CreateIntent(ctx, in.AmountCents, topUpMetadata(c.AccountID, id), "cityhub-topup-"+id)
		if err != nil {
			// Stripe keeps a card top-up's key: its Conflict is the key
			// sent before with another amount.
			if apperr.Has(err, apperr.Conflict) {
				err = errTopUpKeyReused
			}
			httpx.WriteError(h.log, w, r, err)
			return
		}
		// Recorded before the client can pay it: only a payment the hub
		// recorded is ever credited. A failure here answers 5xx, and the
		// retry gets the same PaymentIntent from Stripe and records it.
		if err := h.cardPayments.Record(ctx, cardpay.Payment{ID: pi.ID, Purpose: cardpay.PurposeTopUp, AccountID: c.AccountID,
			AmountCents: in.AmountCents}); err != nil {
			httpx.WriteError(h.log, w, r, err)
			return
		}
		h.secrets.Remember(pi.ID, pi.ClientSecret)
		view := TopupView{TopUpID: id, Status: "pending", AmountCents: in.AmountCents, Currency: "EUR",
			PaymentIntentID: pi.ID, ClientSecret: pi.ClientSecret, PublishableKey: h.stripePublishableKey}
		kept := view
		kept.ClientSecret = ""
		httpx.WriteJSONWithSecret(w, http.StatusCreated, view, kept)
	default:
		httpx.WriteError(h.log, w, r, apperr.R(apperr.Unavailable, "payments_off", "Top-ups are not available on this hub."))
	}
}

// topUpMetadata is what a card top-up's PaymentIntent carries: the
// webhook reads the top-up from it, and Stripe's idempotency key answers
// the same intent only for the same parameters.
func topUpMetadata(accountID, topUpID string) map[string]string {
	return map[string]string{cardpay.StripePurposeKey: cardpay.PurposeTopUp, cardpay.StripeAccountKey: accountID, cardpay.StripeTopUpKey: topUpID}
}

// replayCardTopUp answers the retry of a card top-up whose answer was kept
// without its client secret (kept): that answer, its secret asked again.
func (h *walletHandler) replayCardTopUp(w http.ResponseWriter, r *http.Request, c identity.Caller, key string, kept idem.Answer) {
	var prev TopupView
	if err := json.Unmarshal(kept.Body, &prev); err != nil || prev.TopUpID != topupID(c.AccountID, key) {
		httpx.WriteError(h.log, w, r, fmt.Errorf("a card top-up's kept answer does not read: %v", err))
		return
	}
	h.writeCardTopUpAgain(w, r, c, kept.Status, prev)
}

// writeCardTopUpAgain answers a card top-up's first answer again, marked
// Idempotent-Replayed, with its client secret, asked of Stripe again when
// the answer was kept without it.
func (h *walletHandler) writeCardTopUpAgain(w http.ResponseWriter, r *http.Request, c identity.Caller, status int, prev TopupView) {
	if prev.ClientSecret == "" && prev.PaymentIntentID != "" {
		if h.payments == nil {
			httpx.WriteError(h.log, w, r, apperr.R(apperr.Unavailable, "payments_off", "Card payments are not available on this hub."))
			return
		}
		secret, err := h.secrets.Again(r.Context(), h.payments, h.log, prev.AmountCents, topUpMetadata(c.AccountID, prev.TopUpID), "cityhub-topup-"+prev.TopUpID, prev.PaymentIntentID)
		if err != nil {
			httpx.WriteError(h.log, w, r, err)
			return
		}
		prev.ClientSecret = secret
	}
	w.Header().Set("Idempotent-Replayed", "true")
	httpx.WriteJSON(w, status, prev)
}

// errTopUpKeyReused is a top-up's Idempotency-Key sent again with another
// amount, in the words of every other keyed operation of the API
// (idempotency_key_reused), whoever noticed it.
var errTopUpKeyReused = apperr.R(apperr.Conflict, "idempotency_key_reused", "This Idempotency-Key was already used for a different request.")

// topupID is derived from the citizen and their idempotency key, so a
// retried request names the same top-up (and Stripe returns the same
// PaymentIntent for the same idempotency key).
func topupID(accountID, key string) string {
	sum := sha256.Sum256([]byte(accountID + "\x00" + key))
	return "top_" + strings.ToLower(base32.StdEncoding.WithPadding(base32.NoPadding).EncodeToString(sum[:15]))
}

// TopUpsView answers GET /api/v1/wallet/topups.
type TopUpsView struct {
	TopUps []cardpay.TopUp `json:"topups"`
}

// maxTopUpsListed is how many card top-ups the list answers at most.
const maxTopUpsListed = 100

// handleAPIWalletTopUps is GET /api/v1/wallet/topups: the calling
// citizen's latest card top-ups, newest first, each with the state the
// wallet page shows (pending, failed, credited, refunded, disputed,
// dispute_lost). A hub without card payments has none to list.
func (h *walletHandler) handleAPIWalletTopUps(w http.ResponseWriter, r *http.Request) {
	c, err := httpx.RequireRole(r, identity.RoleCitizen)
	if err != nil {
		httpx.WriteError(h.log, w, r, err)
		return
	}
	out := TopUpsView{TopUps: []cardpay.TopUp{}}
	if h.cardPayments != nil {
		tops, err := h.cardPayments.MyTopUps(r.Context(), c, maxTopUpsListed)
		if err != nil {
			httpx.WriteError(h.log, w, r, err)
			return
		}
		out.TopUps = tops
	}
	httpx.WriteJSON(w, http.StatusOK, out)
}
