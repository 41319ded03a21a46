package web

import (
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"

	"cityhub/identity"
	"cityhub/web/ui"
	"cityhub/web/webtest"
)

// A purchase amount out of range is the amount's fault whatever the
// number's size: the till's form answers 2.000.000 € (over the most the
// vouchers take) and a 25-digit number (too large to hold in cents) alike,
// 422 under "Importo non valido" with the words that name the range, where
// the first was 400 "Buono non accettato"; the script's endpoint answers an
// amount over the most with the same status, reason and heading, a number
// of cents too large to hold too (where it was 400 wrong_type). The range's
// most is written as the hub writes money, with its cents (1.000.000,00 €,
// €1,000,000.00), where the Italian till wrote 1.000.000 €.
func TestTillAmountOutOfRangeOneAnswer(t *testing.T) {
	t.Parallel()
	env, shops, v := scanFixture(t, "Libreria")
	staff, _ := env.account(t, identity.RoleMerchant, shops[0].ID)
	srv := httptest.NewServer(env.Server)
	defer srv.Close()
	pc := webtest.SignedIn(t, srv.URL, staff.Email, testPassword)
	csrf := pc.CSRF("/staff/scan")
	code := strings.ToLower(v.TypedCode)
	const rangeWords = "al massimo 1.000.000,00\u00a0€;"
	for _, amount := range []string{"2000000", "2.000.000,00", "1234567890123456789012345", "0"} {
		for _, confirm := range []string{"", "1"} {
			form := url.Values{"csrf_token": {csrf}, "code": {code}, "amount": {amount}}
			if confirm != "" {
				form.Set("confirm", confirm)
			}
			res, page := pc.Post(ui.VoucherScanEndpoint, form)
			kind, text := answerOf(t, page)
			if res.StatusCode != http.StatusUnprocessableEntity || kind != "error" || !strings.Contains(text, "Importo non valido") ||
				!strings.Contains(text, rangeWords) || strings.Contains(text, "Buono non accettato") {
				t.Errorf("amount %q (confirm %q): %d %s %q", amount, confirm, res.StatusCode, kind, text)
			}
			if !strings.Contains(page, `value="`+amount+`"`) {
				t.Errorf("amount %q: the typed amount is not kept", amount)
			}
		}
	}
	for _, cents := range []string{"200000000", "99999999999999999999"} {
		for _, preview := range []string{`,"preview":true`, ``} {
			res, p := pc.PostJSON(ui.VoucherScanEndpoint, csrf, `{"code":"`+code+`","amount_cents":`+cents+preview+`}`)
			if detail, _ := p["detail"].(string); res.StatusCode != http.StatusUnprocessableEntity || p["reason"] != "purchase_amount" ||
				p["heading"] != "Importo non valido" || !strings.Contains(detail, rangeWords) {
				t.Errorf("the script's endpoint (%s%q): %d %v", cents, preview, res.StatusCode, p)
			}
		}
	}
	english(pc)
	const englishRange = "at most €1,000,000.00;"
	res, page := pc.Post(ui.VoucherScanEndpoint, url.Values{"csrf_token": {csrf}, "code": {code}, "amount": {"0"}})
	if kind, text := answerOf(t, page); res.StatusCode != http.StatusUnprocessableEntity || kind != "error" || !strings.Contains(text, englishRange) {
		t.Errorf("in English, amount 0: %d %s %q", res.StatusCode, kind, text)
	}
	res, p := pc.PostJSON(ui.VoucherScanEndpoint, csrf, `{"code":"`+code+`","amount_cents":0,"preview":true}`)
	if detail, _ := p["detail"].(string); res.StatusCode != http.StatusUnprocessableEntity || !strings.Contains(detail, englishRange) {
		t.Errorf("in English, the script's endpoint for 0 cents: %d %v", res.StatusCode, p)
	}
}
