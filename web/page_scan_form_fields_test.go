package web

import (
	"net/http"
	"net/http/httptest"
	"net/url"
	"regexp"
	"strings"
	"testing"

	"cityhub/identity"
	"cityhub/web/ui"
	"cityhub/web/webtest"
)

// The till's plain form reports every mistake at once, each next to its
// field: a code and an amount both left empty mark both fields, the code's
// first, where the amount alone was reported and the missing code only
// once an amount was typed; an empty code alone is marked the same way.
func TestVoucherScanFormMarksEveryField(t *testing.T) {
	t.Parallel()
	env, shops, _ := scanFixture(t, "Libreria")
	staff, _ := env.account(t, identity.RoleMerchant, shops[0].ID)
	srv := httptest.NewServer(env.Server)
	defer srv.Close()
	pc := webtest.SignedIn(t, srv.URL, staff.Email, testPassword)
	chooseLanguage(t, pc, "en", "/staff/scan")
	csrf := pc.CSRF("/staff/scan")
	marked := func(page, field string) string {
		in := regexp.MustCompile(`<input id="scan-` + field + `"[^>]*>`).FindString(page)
		m := regexp.MustCompile(`(?s)<div class="invalid-feedback field-error" id="scan-` + field + `-error"[^>]*>(.*?)</div>`).FindStringSubmatch(page)
		if !strings.Contains(in, `aria-invalid="true"`) || !strings.Contains(in, "scan-"+field+"-error") || m == nil {
			return ""
		}
		return m[1]
	}

	res, page := pc.Post(ui.VoucherScanEndpoint, url.Values{"csrf_token": {csrf}, "code": {""}, "amount": {""}})
	kind, text := answerOf(t, page)
	if res.StatusCode != http.StatusUnprocessableEntity || kind != "error" {
		t.Fatalf("empty code and amount: %d %s %q", res.StatusCode, kind, text)
	}
	if got := marked(page, "code"); got != "Scan or type the voucher&#39;s code." {
		t.Errorf("the code field is marked %q", got)
	}
	if got := marked(page, "amount"); got != "Enter an amount in euros." {
		t.Errorf("the amount field is marked %q", got)
	}
	if i, j := strings.Index(text, "code"), strings.Index(text, "amount"); i < 0 || j < 0 || i > j {
		t.Errorf("the answer does not name the code, then the amount: %q", text)
	}

	res, page = pc.Post(ui.VoucherScanEndpoint, url.Values{"csrf_token": {csrf}, "code": {" "}, "amount": {"23,50"}})
	if res.StatusCode != http.StatusBadRequest || marked(page, "code") == "" || marked(page, "amount") != "" || !strings.Contains(page, `value="23,50"`) {
		t.Errorf("an empty code alone: %d, code %q, amount %q", res.StatusCode, marked(page, "code"), marked(page, "amount"))
	}
}
