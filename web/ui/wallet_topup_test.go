package ui

import (
	"context"
	"net/http"
	"net/http/httptest"
	"net/url"
	"regexp"
	"strings"
	"sync"
	"testing"

	"cityhub/apperr"
	"cityhub/cardpay"
	"cityhub/identity"
	"cityhub/stripepay"
	"cityhub/web/webtest"
)

func TestTopUpAmount(t *testing.T) {
	for _, c := range []struct {
		preset, custom string
		want           int64
		reason         string
	}{
		{"2000", "", 2000, ""},
		{"other", "12,50", 1250, ""},
		{"", "7", 700, ""},
		{"1000", "15", 1500, ""}, // what is typed counts
		{"other", "1", 100, ""},
		{"other", "500,00", 50000, ""},
		{"other", "0,99", 0, "topup_amount"},
		{"other", "500,01", 0, "topup_amount"},
		{"other", "", 0, "amount_missing"},
		{"other", "dieci", 0, "amount_format"},
		{"other", "-3", 0, "amount_negative"},
		{"other", "2,555", 0, "amount_ambiguous"},
		{"other", "2,5555", 0, "amount_fraction"},
		{"1234", "", 0, "amount_missing"}, // not a preset
		{"", "", 0, "amount_missing"},
	} {
		got, err := topUpAmount(c.preset, c.custom)
		if c.reason != "" {
			if !apperr.Has(err, apperr.Invalid) || apperr.ReasonOf(err) != c.reason {
				t.Errorf("%q/%q: %d, %v; want %s", c.preset, c.custom, got, err, c.reason)
			}
			continue
		}
		if err != nil || got != c.want {
			t.Errorf("%q/%q: %d, %v; want %d", c.preset, c.custom, got, err, c.want)
		}
	}
}

// fakeCards counts the payments the pages start.
type fakeCards struct {
	mu       sync.Mutex
	intents  int
	recorded []cardpay.Payment
}

func (f *fakeCards) CreateIntent(ctx context.Context, amount int64, metadata map[string]string, key string) (stripepay.Intent, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.intents++
	return stripepay.Intent{ID: "pi_fake_" + key, ClientSecret: "pi_fake_secret", Amount: amount}, nil
}

func (f *fakeCards) CancelIntent(ctx context.Context, id string) error { return nil }

func (f *fakeCards) Record(ctx context.Context, p cardpay.Payment) error {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.recorded = append(f.recorded, p)
	return nil
}

func (f *fakeCards) MyTopUps(ctx context.Context, c identity.Caller, limit int) ([]cardpay.TopUp, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	var out []cardpay.TopUp
	for _, p := range f.recorded {
		if p.AccountID == c.AccountID {
			out = append(out, cardpay.TopUp{Payment: p, State: cardpay.TopUpPending})
		}
	}
	return out, nil
}

// Bad amounts come back next to the field, typed as they were, and start
// nothing; so does a post without the CSRF token. A good amount starts one
// card payment, recorded for the citizen, on a page that may load Stripe.js.
func TestTopUpFormRefusesAndStartsNothing(t *testing.T) {
	accts := &pageAccounts{sessions: map[string]identity.Caller{}}
	cards := &fakeCards{}
	srv := httptest.NewServer(serve(Deps{Accounts: accts, Wallet: pageWallet{},
		Pay: PagePay{Stripe: cards, Cards: cards, PublishableKey: "pk_test_ui"}}))
	defer srv.Close()
	pc := webtest.SignedIn(t, srv.URL, "anna@example.org", "secret-Anna")
	_, body := pc.Get("/wallet/topup")
	csrf := webtest.CSRFInForm.FindStringSubmatch(body)[1]
	key := regexp.MustCompile(`name="key" value="([^"]+)"`).FindStringSubmatch(body)[1]
	for _, typed := range []string{"0,10", "501", "1.000", "abc", "12,3456", "-1", "<b>9</b>"} {
		res, body := pc.Post("/wallet/topup", url.Values{"csrf_token": {csrf}, "key": {key}, "preset": {"other"}, "amount": {typed}})
		if res.StatusCode != http.StatusBadRequest || !strings.Contains(body, `id="topup-amount-error"`) ||
			!strings.Contains(body, `value="`+strings.NewReplacer("<", "&lt;", ">", "&gt;").Replace(typed)+`"`) || !strings.Contains(body, `aria-invalid="true"`) {
			t.Errorf("%q: %d", typed, res.StatusCode)
		}
	}
	if res, _ := pc.Post("/wallet/topup", url.Values{"key": {key}, "preset": {"2000"}}); res.StatusCode != http.StatusForbidden {
		t.Errorf("without CSRF: %d", res.StatusCode)
	}
	if cards.intents != 0 || len(cards.recorded) != 0 {
		t.Fatalf("refused forms started %d payments", cards.intents)
	}
	res, body := pc.Post("/wallet/topup", url.Values{"csrf_token": {csrf}, "key": {key}, "preset": {"5000"}})
	if res.StatusCode != http.StatusOK || !strings.Contains(body, `data-intent="pi_fake_`) ||
		!strings.Contains(res.Header.Get("Content-Security-Policy"), "script-src 'self' https://js.stripe.com") {
		t.Fatalf("good amount: %d %s", res.StatusCode, res.Header.Get("Content-Security-Policy"))
	}
	if len(cards.recorded) != 1 || cards.recorded[0].AccountID != "acc_anna" || cards.recorded[0].AmountCents != 5000 ||
		cards.recorded[0].Purpose != cardpay.PurposeTopUp {
		t.Fatalf("recorded %+v", cards.recorded)
	}
	// Every other page keeps the strict policy.
	if res, _ := pc.Get("/wallet/topup"); strings.Contains(res.Header.Get("Content-Security-Policy"), "stripe") {
		t.Error("the top-up form loosens the CSP")
	}
}
