package web

import (
	"context"
	"html"
	"net/http"
	"net/http/httptest"
	"net/url"
	"regexp"
	"strings"
	"testing"
	"time"

	"cityhub/identity"
	"cityhub/vouchers"
	"cityhub/web/ui"
	"cityhub/web/webtest"
)

// scanAnswer is the answer the scanner page shows, as text.
var scanAnswer = regexp.MustCompile(`(?s)<div class="scan-result is-(\w+)"[^>]*data-testid="scan-answer">\s*<p class="scan-result-text">(.*?)</p>`)

func answerOf(t *testing.T, page string) (kind, text string) {
	t.Helper()
	m := scanAnswer.FindStringSubmatch(page)
	if m == nil {
		t.Fatalf("no answer on the scanner page:\n%s", page)
	}
	return m[1], html.UnescapeString(regexp.MustCompile(`<[^>]+>`).ReplaceAllString(m[2], " "))
}

// Without JavaScript the till's typed-code form still redeems: the form
// posts to the scanner's endpoint, which answers the scanner page with a
// preview and a "Riscatta" form; pressed, it redeems once, and pressed
// again it answers the first redemption. A wrong amount or a spent voucher
// is shown on the page with its status, the typed fields kept.
func TestVoucherScanFormWithoutScript(t *testing.T) {
	t.Parallel()
	env, shops, v := scanFixture(t, "Libreria")
	staff, _ := env.account(t, identity.RoleMerchant, shops[0].ID)
	srv := httptest.NewServer(env.Server)
	defer srv.Close()
	pc := webtest.SignedIn(t, srv.URL, staff.Email, testPassword)
	csrf := pc.CSRF("/staff/scan")
	code := strings.ToLower(v.TypedCode)

	res, page := pc.Post(ui.VoucherScanEndpoint, url.Values{"csrf_token": {csrf}, "code": {code}, "amount": {"23,5x"}})
	if kind, text := answerOf(t, page); res.StatusCode != http.StatusUnprocessableEntity || kind != "error" || !strings.Contains(text, "Importo non valido") ||
		!strings.Contains(page, `value="`+code+`"`) || !strings.Contains(page, `value="23,5x"`) {
		t.Fatalf("a wrong amount: %d %s %q", res.StatusCode, kind, text)
	}
	if res, _ := pc.Post(ui.VoucherScanEndpoint, url.Values{"code": {code}, "amount": {"23,50"}}); res.StatusCode != http.StatusForbidden {
		t.Fatalf("without the form's CSRF token: %d", res.StatusCode)
	}

	res, page = pc.Post(ui.VoucherScanEndpoint, url.Values{"csrf_token": {csrf}, "code": {code}, "amount": {"23,50"}})
	kind, text := answerOf(t, page)
	if res.StatusCode != http.StatusOK || kind != "preview" || !strings.Contains(text, "13,50") {
		t.Fatalf("preview: %d %s %q", res.StatusCode, kind, text)
	}
	confirm := url.Values{"csrf_token": {csrf}, "confirm": {"1"}}
	for _, name := range []string{"code", "amount", "key"} {
		m := regexp.MustCompile(`<input type="hidden" name="` + name + `" value="([^"]*)">`).FindStringSubmatch(page)
		if m == nil {
			t.Fatalf("the preview's form has no %s:\n%s", name, page)
		}
		confirm.Set(name, html.UnescapeString(m[1]))
	}
	mine := func() vouchers.VoucherView {
		got, err := env.Deps.Vouchers.MyVoucher(context.Background(), identity.Caller{AccountID: "acc_anna"}, v.ID)
		if err != nil {
			t.Fatal(err)
		}
		return got
	}
	if got := mine(); got.Status == vouchers.VoucherUsed || len(got.Redemptions) != 0 {
		t.Fatalf("a preview redeemed: %+v", got)
	}
	res, page = pc.Post(ui.VoucherScanEndpoint, confirm)
	if kind, text := answerOf(t, page); res.StatusCode != http.StatusOK || kind != "ok" || !strings.Contains(text, "13,50") ||
		strings.Contains(page, `value="`+code+`"`) {
		t.Fatalf("redeem: %d %s %q", res.StatusCode, kind, text)
	}
	res, page = pc.Post(ui.VoucherScanEndpoint, confirm)
	if kind, _ := answerOf(t, page); res.StatusCode != http.StatusOK || kind != "warning" {
		t.Fatalf("the same form sent again: %d %s", res.StatusCode, kind)
	}
	if got := mine(); got.Status != vouchers.VoucherUsed || len(got.Redemptions) != 1 {
		t.Fatalf("after two presses: %+v", got)
	}
	res, page = pc.Post(ui.VoucherScanEndpoint, url.Values{"csrf_token": {csrf}, "code": {code}, "amount": {"24"}})
	if kind, text := answerOf(t, page); res.StatusCode != http.StatusConflict || kind != "error" || !strings.Contains(text, "già stato usato") {
		t.Fatalf("a spent voucher: %d %s %q", res.StatusCode, kind, text)
	}
}

// Without JavaScript the door's typed-code form checks a ticket in for the
// performance chosen on the page, and a second try names the first entry.
func TestTicketScanFormWithoutScript(t *testing.T) {
	t.Parallel()
	f := newDoorFixture(t)
	env, v := f.env, f.venue
	p := f.performance(t, "Sei personaggi", cityTime(time.November, 30, 21), 1800)
	ticket := f.buy(t, p, "Platea/A/2")
	f.clock.Set(cityTime(time.November, 30, 20))

	srv := httptest.NewServer(env.Server)
	defer srv.Close()
	staff, _ := env.account(t, identity.RoleDoor, v.ID)
	pc := webtest.SignedIn(t, srv.URL, staff.Email, testPassword)
	_, page := pc.Get("/staff/scan?performance=" + p.ID)
	if !strings.Contains(page, `<input type="hidden" name="performance_id" value="`+p.ID+`">`) {
		t.Fatalf("the typed-code form does not name the performance:\n%s", page)
	}
	csrf := webtest.CSRFInForm.FindStringSubmatch(page)[1]
	form := url.Values{"csrf_token": {csrf}, "code": {strings.ToLower(ticket.TypedCode)}, "performance_id": {p.ID}}
	res, page := pc.Post(ui.TicketScanEndpoint, form)
	if kind, text := answerOf(t, page); res.StatusCode != http.StatusOK || kind != "ok" || !strings.Contains(text, "fila A, posto 2") ||
		!strings.Contains(page, `data-testid="door-performance">Sei personaggi</span>`) {
		t.Fatalf("check-in: %d %s %q", res.StatusCode, kind, text)
	}
	res, page = pc.Post(ui.TicketScanEndpoint, form)
	if kind, text := answerOf(t, page); res.StatusCode != http.StatusConflict || kind != "error" || !strings.Contains(text, "Già entrato alle 20:00.") {
		t.Fatalf("second check-in: %d %s %q", res.StatusCode, kind, text)
	}
	// A form that names no performance (the page's always does) is refused
	// with the chooser shown, and says why instead of nothing.
	delete(form, "performance_id")
	res, page = pc.Post(ui.TicketScanEndpoint, form)
	if kind, text := answerOf(t, page); res.StatusCode < 400 || res.StatusCode >= 500 || kind != "error" || text == "" ||
		!strings.Contains(page, `id="door-choice"`) {
		t.Fatalf("no performance: %d %s %q", res.StatusCode, kind, text)
	}
}
