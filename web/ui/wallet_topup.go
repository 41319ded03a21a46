package ui

import (
	"context"
	"crypto/sha256"
	"encoding/base32"
	"log/slog"
	"net/http"
	"net/url"
	"strconv"
	"strings"

	"cityhub/apperr"
	"cityhub/cardpay"
	"cityhub/idem"
	"cityhub/identity"
	"cityhub/ids"
	"cityhub/money"
	"cityhub/wallet"
	"cityhub/web/httpx"
)

// topUpPresets are the amounts offered with one tap, in cents.
var topUpPresets = []int64{1000, 2000, 5000}

// topUpPage is the top-up form, or (Done) the answer of a demo top-up.
type topUpPage struct {
	Presets []int64
	// Preset is the chosen preset ("1000", ..., "other"), Custom the typed
	// amount, both kept when the form comes back with an error.
	Preset string
	Custom string
	// Key makes the form's payment one payment however often it is sent.
	Key string
	// Return is where the citizen goes afterwards (a path on this hub).
	Return string
	// Need is the amount suggested for what an order or a ride lacks,
	// Short; NeedRule says why it is more than Short, when it is: "min"
	// (the smallest top-up), "max" (the largest, less than Short) or
	// "rounded" (up to the euro). The page says Short is what is missing,
	// never that Need is.
	Need, Short int64
	NeedRule    string
	Min, Max    int64
	// AmountError is shown next to the amount; FormError above the form.
	AmountError string
	FormError   string
	Card, Test  bool
	// Done is a demo top-up just credited (no card was charged).
	Done    bool
	Amount  int64
	Balance int64
}

func (p *payPages) newTopUpPage(r *http.Request) topUpPage {
	page := topUpPage{Presets: topUpPresets, Key: ids.New("tuk"), Return: "/wallet", Min: wallet.MinTopUp, Max: wallet.MaxTopUp,
		Card: p.cardEnabled(), Test: p.testEnabled()}
	q := r.URL.Query()
	if r.Method == http.MethodPost {
		q = r.PostForm
	}
	if ret, ok := p.returnTarget(r, q.Get("return")); ok {
		page.Return = ret
	}
	if need, err := strconv.ParseInt(q.Get("need"), 10, 64); err == nil && need > 0 {
		// What is missing, rounded up to a whole euro and into the bounds.
		page.Short = need
		switch {
		case need < wallet.MinTopUp:
			page.Need, page.NeedRule = wallet.MinTopUp, "min"
		case need > wallet.MaxTopUp:
			page.Need, page.NeedRule = wallet.MaxTopUp, "max"
		default:
			// Within the bounds, so no overflow and no more than MaxTopUp,
			// a whole euro.
			page.Need = (need + 99) / 100 * 100
			if page.Need != need {
				page.NeedRule = "rounded"
			}
		}
	}
	return page
}

// handleTopUpPage shows the top-up form: preset amounts, a custom one, and
// how it will be paid (card, or demo money when test payments are on).
func (p *payPages) handleTopUpPage(w http.ResponseWriter, r *http.Request, c identity.Caller) {
	page := p.newTopUpPage(r)
	if !page.Card && !page.Test {
		p.pageError(w, r, apperr.R(apperr.Unavailable, "payments_off", "Top-ups are not available on this hub."))
		return
	}
	switch {
	case page.Need > 0:
		page.Preset, page.Custom = "other", money.Cents(page.Need).Input(p.locale(r).Lang)
	default:
		page.Preset = strconv.FormatInt(topUpPresets[1], 10)
	}
	p.render(w, r, http.StatusOK, "wallet_topup", "wallet", page)
}

// handleTopUp takes the form: the amount is checked against the wallet's
// bounds (an error goes next to the field, the typed value is kept and
// nothing is created), then paid in demo money or started by card. The
// form's key makes a double submit one payment.
func (p *payPages) handleTopUp(w http.ResponseWriter, r *http.Request, c identity.Caller) {
	l := p.locale(r)
	page := p.newTopUpPage(r)
	page.Preset, page.Custom = r.PostFormValue("preset"), strings.TrimSpace(r.PostFormValue("amount"))
	if !page.Card && !page.Test {
		p.pageError(w, r, apperr.R(apperr.Unavailable, "payments_off", "Top-ups are not available on this hub."))
		return
	}
	cents, err := topUpAmount(page.Preset, page.Custom)
	if err != nil {
		page.AmountError = topUpAmountText(l, err)
		p.render(w, r, http.StatusBadRequest, "wallet_topup", "wallet", page)
		return
	}
	key := r.PostFormValue("key")
	if err := idem.ValidateKey(key); err != nil {
		// A form that lost its key: show it again with a fresh one.
		page.FormError = l.T("pay.form_stale")
		p.render(w, r, http.StatusBadRequest, "wallet_topup", "wallet", page)
		return
	}
	page.Key = key
	ctx := r.Context()
	if page.Test {
		p.testTopUp(w, r, c, page, cents)
		return
	}
	cs, err := p.startOnce(ctx, "page.topup:"+c.AccountID, key, struct {
		Amount int64 `json:"amount_cents"`
	}{cents}, func(ctx context.Context) (cardStart, error) { return p.startTopUp(ctx, c, cents, key) })
	if err != nil {
		p.topUpFailed(w, r, page, err)
		return
	}
	p.renderCardPay(w, r, cardPayPage{Purpose: "topup", AmountCents: cs.AmountCents, ClientSecret: cs.ClientSecret, IntentID: cs.IntentID,
		ReturnURL: p.absoluteURL(r, page.Return), Back: "/wallet/topup?return=" + url.QueryEscape(page.Return)})
}

// startTopUp creates the PaymentIntent and records it before the citizen
// can pay it: only a payment the hub recorded is ever credited.
func (p *payPages) startTopUp(ctx context.Context, c identity.Caller, cents int64, key string) (cardStart, error) {
	id := topUpID(c.AccountID, key)
	meta := map[string]string{cardpay.StripePurposeKey: cardpay.PurposeTopUp, cardpay.StripeAccountKey: c.AccountID, cardpay.StripeTopUpKey: id}
	stripeKey := "cityhub-topup-" + id
	pi, err := p.Stripe.CreateIntent(ctx, cents, meta, stripeKey)
	if err != nil {
		return cardStart{}, err
	}
	if err := p.Cards.Record(ctx, cardpay.Payment{ID: pi.ID, Purpose: cardpay.PurposeTopUp, AccountID: c.AccountID, AmountCents: cents}); err != nil {
		return cardStart{}, err
	}
	p.Secrets.Remember(pi.ID, pi.ClientSecret)
	return cardStart{IntentID: pi.ID, ClientSecret: pi.ClientSecret, AmountCents: cents, StripeKey: stripeKey, Metadata: meta}, nil
}

// testTopUp credits demo money at once and says so (CITYHUB_TEST_PAYMENTS).
func (p *payPages) testTopUp(w http.ResponseWriter, r *http.Request, c identity.Caller, page topUpPage, cents int64) {
	ctx := r.Context()
	tx, err := p.TestTopUps.TestTopUp(ctx, c.AccountID, cents, page.Key)
	if err != nil {
		p.topUpFailed(w, r, page, err)
		return
	}
	if !tx.Replayed {
		p.log.WarnContext(ctx, "TEST PAYMENT credited from the top-up page: no card was charged (demo only)",
			slog.String("account", c.AccountID), slog.Int64("amount_cents", cents), slog.String("transaction", tx.ID))
	}
	page.Done, page.Amount = true, cents
	if acct, err := p.wallet.AccountFor(ctx, c, wallet.CitizenAccount(c.AccountID)); err == nil {
		page.Balance = acct.Balance
	}
	p.render(w, r, http.StatusOK, "wallet_topup", "wallet", page)
}

// topUpFailed shows the form again after a refusal: a key used for another
// amount gets a fresh key (the citizen changed the amount of a sent form);
// an internal failure is the error page.
func (p *payPages) topUpFailed(w http.ResponseWriter, r *http.Request, page topUpPage, err error) {
	l := p.locale(r)
	switch {
	case apperr.IsServerFault(err):
		p.pageError(w, r, err)
		return
	case apperr.Has(err, apperr.Conflict) && (strings.HasPrefix(apperr.ReasonOf(err), "idempotency_key") || apperr.ReasonOf(err) == "ledger_key_reused"):
		page.Key, page.FormError = ids.New("tuk"), l.T("pay.form_resent")
	case apperr.Has(err, apperr.Invalid) && apperr.ReasonOf(err) == "topup_amount":
		page.AmountError = topUpAmountText(l, err)
	default:
		page.FormError = l.ErrorText(err)
	}
	p.render(w, r, httpx.StatusFor(err), "wallet_topup", "wallet", page)
}

// topUpAmount reads the chosen amount: the typed one when something was
// typed (the page says so) or "other" is chosen, else the preset. Invalid
// (reason topup_amount) outside the wallet's bounds; the money parser's
// reasons for what is not an amount.
func topUpAmount(preset, custom string) (int64, error) {
	if preset == "other" || custom != "" {
		c, err := money.Parse(custom)
		if err != nil {
			return 0, err
		}
		return int64(c), wallet.ValidateTopUp(int64(c))
	}
	n, err := strconv.ParseInt(preset, 10, 64)
	if err != nil || !presetAmount(n) {
		return 0, money.ErrMissing
	}
	return n, nil
}

func presetAmount(n int64) bool {
	for _, p := range topUpPresets {
		if p == n {
			return true
		}
	}
	return false
}

// topUpAmountText is the field's error in the person's language.
func topUpAmountText(l *locale, err error) string {
	reason := apperr.ReasonOf(err)
	if reason == "topup_amount" {
		return l.T("pay.amount.bounds", l.Money(wallet.MinTopUp), l.Money(wallet.MaxTopUp))
	}
	if l.Has("pay.amount." + reason) {
		return l.T("pay.amount." + reason)
	}
	return l.T("pay.amount.amount_format")
}

// topUpID is derived from the citizen and the form's key, as the JSON API
// derives it from the Idempotency-Key: a resent form names the same
// top-up, and Stripe answers the same PaymentIntent for the same key.
func topUpID(accountID, key string) string {
	sum := sha256.Sum256([]byte(accountID + "\x00" + key))
	return "top_" + strings.ToLower(base32.StdEncoding.WithPadding(base32.NoPadding).EncodeToString(sum[:15]))
}
