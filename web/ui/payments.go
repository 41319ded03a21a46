package ui

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"strconv"
	"strings"

	"cityhub/apperr"
	"cityhub/cardpay"
	"cityhub/idem"
	"cityhub/identity"
	"cityhub/stripepay"
	"cityhub/wallet"
)

// Card payments in the pages. The hub creates a Stripe PaymentIntent and
// records it (cardpay) before the citizen sees the card form, exactly as the
// JSON API does; the page then confirms it in the browser with Stripe.js
// (the Payment Element, on the hub's own page). Stripe's signed
// payment_intent.succeeded webhook alone credits the top-up or issues the
// tickets: the citizen's return to the hub only shows what the webhook has
// decided so far (pending, then credited). A PaymentIntent rather than a
// Checkout Session, because the hub knows the intent's id before the card is
// charged, so every webhook about it matches a payment the hub recorded.

// PageStripe starts card payments (and cancels the one made again for a
// replay Stripe no longer recognises). stripepay.Client implements it.
type PageStripe = stripepay.IntentMaker

// PageCardPayments records the payments the pages start and lists a
// citizen's top-ups. cardpay.Service implements it.
type PageCardPayments interface {
	Record(ctx context.Context, p cardpay.Payment) error
	MyTopUps(ctx context.Context, c identity.Caller, limit int) ([]cardpay.TopUp, error)
}

// PageTestTopUps credits demo money without a card. wallet.Service
// implements it.
type PageTestTopUps interface {
	TestTopUp(ctx context.Context, accountID string, cents int64, clientKey string) (wallet.Transaction, error)
}

// PagePay is what the top-up page and card payments of theatre orders
// need. Card payments are offered when Stripe, Cards and PublishableKey are
// all set; with TestPayments (demo only) a top-up completes without a card.
type PagePay struct {
	Stripe         PageStripe
	Cards          PageCardPayments
	PublishableKey string
	TestPayments   bool
	TestTopUps     PageTestTopUps
	// Answers keeps the first answer to a form sent with a key, so a
	// double submit starts one payment, also when the payment provider
	// does not honour idempotency keys (stripe-mock); nil: only Stripe's
	// own idempotency keys dedupe.
	Answers *idem.Answering
	// Secrets holds the client secrets of the payments started here, which
	// the kept answers leave out; nil: the pages hold their own.
	Secrets *stripepay.Secrets
}

// payPages are the citizen's top-up page and the card payment pages.
type payPages struct {
	*site
	PagePay
	wallet PageWallet
}

// cardEnabled says whether the pages may offer to pay by card.
func (p *payPages) cardEnabled() bool {
	return p != nil && p.Stripe != nil && p.Cards != nil && p.PublishableKey != ""
}

// testEnabled says whether a top-up completes without a card (demo only).
func (p *payPages) testEnabled() bool {
	return p != nil && p.TestPayments && p.TestTopUps != nil
}

// cardStart is a started card payment: what the card page needs, and
// what made its intent, so that a form sent again is answered with the
// same intent and its client secret asked again (stripepay.Secrets): the
// secret itself is never kept with the answer.
type cardStart struct {
	IntentID     string            `json:"intent_id"`
	ClientSecret string            `json:"-"`
	AmountCents  int64             `json:"amount_cents"`
	StripeKey    string            `json:"stripe_key"`
	Metadata     map[string]string `json:"metadata"`
	// KeptSecret is the secret in an answer an earlier release kept with
	// it (and without what made the intent); never written now.
	KeptSecret string `json:"client_secret,omitempty"`
}

// startOnce runs start at most once for (scope, key, request): a repeated
// form (a double press, a refresh) gets the first payment back instead of
// starting a second one. A failed start is not kept, so a retry runs again.
func (p *payPages) startOnce(ctx context.Context, scope, key string, request any, start func(context.Context) (cardStart, error)) (cardStart, error) {
	if p.Answers == nil {
		return start(ctx)
	}
	hash, err := idem.Hash(request)
	if err != nil {
		return cardStart{}, err
	}
	var runErr error
	var started cardStart
	ans, replayed, err := p.Answers.Answer(ctx, scope, key, hash, func(ctx context.Context) idem.Answer {
		started, runErr = start(ctx)
		if runErr != nil {
			return idem.Answer{Status: http.StatusInternalServerError}
		}
		b, err := json.Marshal(started)
		if err != nil {
			runErr = err
			return idem.Answer{Status: http.StatusInternalServerError}
		}
		return idem.Answer{Status: http.StatusOK, Body: b}
	}, func(a idem.Answer) bool { return a.Status == http.StatusOK }, true)
	if runErr != nil {
		return cardStart{}, runErr
	}
	if err != nil {
		return cardStart{}, err
	}
	if !replayed {
		return started, nil
	}
	var cs cardStart
	if err := json.Unmarshal(ans.Body, &cs); err != nil || cs.IntentID == "" || (cs.StripeKey == "" && cs.KeptSecret == "") {
		return cardStart{}, errors.Join(apperr.E(apperr.Internal, "stored card payment unreadable"), err)
	}
	if cs.StripeKey == "" {
		cs.ClientSecret = cs.KeptSecret
		return cs, nil
	}
	cs.ClientSecret, err = p.Secrets.Again(ctx, p.Stripe, p.log, cs.AmountCents, cs.Metadata, cs.StripeKey, cs.IntentID)
	if err != nil {
		return cardStart{}, fmt.Errorf("card payment %s started before: %w", cs.IntentID, err)
	}
	return cs, nil
}

// cardPayPage is the hub's page that confirms a started payment with
// Stripe.js.
type cardPayPage struct {
	// Purpose is "topup" or "order": the heading and the text.
	Purpose        string
	AmountCents    int64
	Title          string
	PublishableKey string
	ClientSecret   string
	IntentID       string
	// ReturnURL is where Stripe sends the browser after the card step
	// (absolute, as Stripe needs it).
	ReturnURL string
	// Back is the page to go back to without paying.
	Back string
}

// stripeCSP is the card page's Content-Security-Policy: the hub's own one
// plus what Stripe.js needs (its script, its frames for the card fields and
// 3-D Secure, its API). Only this page loads a third-party script.
const stripeCSP = "default-src 'self'; script-src 'self' https://js.stripe.com https://*.js.stripe.com; style-src 'self'; " +
	"img-src 'self' data: blob: https://*.stripe.com; font-src 'self' data:; connect-src 'self' https://api.stripe.com; " +
	"frame-src https://js.stripe.com https://*.js.stripe.com https://hooks.stripe.com; media-src 'self' blob:; " +
	"object-src 'none'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'"

// renderCardPay shows the card page for a started payment.
func (p *payPages) renderCardPay(w http.ResponseWriter, r *http.Request, page cardPayPage) {
	page.PublishableKey = p.PublishableKey
	w.Header().Set("Content-Security-Policy", stripeCSP)
	w.Header().Set("Permissions-Policy", `camera=(), microphone=(), geolocation=(), payment=(self "https://js.stripe.com"), usb=()`)
	p.render(w, r, http.StatusOK, "card_pay", "wallet", page)
}

// absoluteURL is path on this hub as an absolute URL: under the public URL
// when one is configured, else under the request's own origin.
func (s *site) absoluteURL(r *http.Request, path string) string {
	if s.publicURL != "" {
		return strings.TrimSuffix(s.publicURL, "/") + path
	}
	scheme := "http"
	if r.TLS != nil {
		scheme = "https"
	}
	return fmt.Sprintf("%s://%s%s", scheme, r.Host, path)
}

// TopUpURL is the bike station page's way to the top-up page: it suggests
// what the rider lacks for the cheapest bike here and comes back to the
// station afterwards.
func (p bikeStationPage) TopUpURL() string {
	q := url.Values{"return": {"/bikes/stations/" + p.Station.ID}}
	if short := p.NeedCents - p.BalanceCents; short > 0 {
		q.Set("need", strconv.FormatInt(short, 10))
	}
	return "/wallet/topup?" + q.Encode()
}
