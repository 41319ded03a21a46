package web

import (
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"

	"cityhub/identity"
	"cityhub/vouchers"
	"cityhub/web/ui"
	"cityhub/web/webtest"
)

// Past the wrong typed codes a till may try, the scanner's endpoint says
// when to try again as the API and the door's endpoint do: 429
// too_many_failed_codes with Retry-After, from the page's script (JSON)
// and from its plain form alike.
func TestTillPageSaysWhenAfterTooManyWrongCodes(t *testing.T) {
	t.Parallel()
	env, shops, _ := scanFixture(t, "Libreria")
	staff, _ := env.account(t, identity.RoleMerchant, shops[0].ID)
	srv := httptest.NewServer(env.Server)
	defer srv.Close()
	pc := webtest.SignedIn(t, srv.URL, staff.Email, testPassword)
	csrf := pc.CSRF("/staff/scan")
	wrong := `{"code":"ZZZZ-ZZZZ-ZZZZ-ZZ02-Z","amount_cents":2350,"preview":true}`
	var res *http.Response
	var out map[string]any
	for range vouchers.MaxCodeFailuresPerShop + 1 {
		if res, out = pc.PostJSON(ui.VoucherScanEndpoint, csrf, wrong); res.StatusCode == http.StatusTooManyRequests {
			break
		}
	}
	if res.StatusCode != http.StatusTooManyRequests || out["reason"] != "too_many_failed_codes" || res.Header.Get("Retry-After") != "600" {
		t.Fatalf("the script past the wrong codes: %d %v, Retry-After %q", res.StatusCode, out, res.Header.Get("Retry-After"))
	}
	res, body := pc.Post(ui.VoucherScanEndpoint, url.Values{"csrf_token": {csrf}, "code": {"ZZZZ-ZZZZ-ZZZZ-ZZ02-Z"}, "amount": {"23,50"}})
	if res.StatusCode != http.StatusTooManyRequests || res.Header.Get("Retry-After") != "600" || !strings.Contains(body, "Codice non controllato") {
		t.Fatalf("the form past the wrong codes: %d, Retry-After %q\n%s", res.StatusCode, res.Header.Get("Retry-After"), body)
	}
}
