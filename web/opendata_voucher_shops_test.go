package web

import (
	"html"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"cityhub/vouchers"
)

// TestOpenVoucherStatsSayAShopAloneIsShown: the open statistics sum the
// redemptions by district and by kind of shop, and the shops taking part
// in a campaign are listed to every citizen with both, so a district or a
// kind with one shop gives that shop's takings. The open data page must
// say so, in both languages, and not promise that no shop can be told
// apart.
func TestOpenVoucherStatsSayAShopAloneIsShown(t *testing.T) {
	t.Parallel()
	ve := newVoucherEnv(t, "sqlite")
	sv := ve.scannedVoucher(t)
	wantStatus(t, vreq(t, ve.testEnv, "POST", "/api/v1/merchant/vouchers/redeem", ve.staff, sv.body, "Idempotency-Key: open-stats-1"), http.StatusCreated)
	var stats vouchers.OpenData
	decodeInto(t, vreq(t, ve.testEnv, "GET", "/api/v1/open/vouchers/stats", "", ""), &stats)
	var shopAlone bool
	for _, c := range stats.Campaigns {
		for _, g := range c.ByCategory {
			// The campaign has one shop: its category's sum is that shop's.
			if g.Name == ve.shop.Category && g.Count == 1 {
				shopAlone = true
			}
		}
	}
	if !shopAlone {
		t.Fatalf("the only shop's redemption is not its category's: %+v", stats)
	}
	for _, tc := range []struct{ lang, promise, says string }{
		{"it", "nessun negozio è riconoscibile", "un solo negozio"},
		{"en", "no person, voucher or shop can be told apart", "only one shop"},
	} {
		req := httptest.NewRequest("GET", "/dati-aperti", nil)
		req.Header.Set("Accept-Language", tc.lang)
		rec := httptest.NewRecorder()
		ve.Server.ServeHTTP(rec, req)
		page := strings.ToLower(html.UnescapeString(rec.Body.String()))
		if !strings.Contains(page, "dataset-vouchers") {
			t.Fatalf("%s: the page does not list the voucher statistics", tc.lang)
		}
		if strings.Contains(page, tc.promise) {
			t.Errorf("%s: the page promises %q", tc.lang, tc.promise)
		}
		if !strings.Contains(page, tc.says) {
			t.Errorf("%s: the page does not say a shop alone in its district or kind is shown (%q)", tc.lang, tc.says)
		}
	}
}
