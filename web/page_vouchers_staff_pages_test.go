package web

import (
	"context"
	"fmt"
	"html"
	"net/http"
	"net/http/httptest"
	"regexp"
	"slices"
	"strings"
	"testing"
	"time"

	"cityhub/identity"
	"cityhub/vouchers"
	"cityhub/web/webtest"
)

var (
	staffStatementRow = regexp.MustCompile(`<li data-statement="([^"]+)"`)
	staffOlder        = regexp.MustCompile(`href="([^"]+)" rel="next"`)
	staffNewer        = regexp.MustCompile(`href="([^"]+)" rel="prev"`)
)

// A shop's page shows its statements a page at a time, newest first, with
// the count of them all and links to the older and newer pages; its
// statements only, every one once.
func TestVoucherStaffStatementsPaged(t *testing.T) {
	t.Parallel()
	_, env := newTestServer(t, "sqlite", func(env *testEnv, d *Deps) {
		d.Vouchers = vouchers.NewService(env.DB.Vouchers(), env.Keys, nil)
	})
	ctx := context.Background()
	admin := identity.Caller{AccountID: "acc_admin", Grants: []identity.Grant{{Role: identity.RoleAdmin}}}
	var shops []vouchers.Shop
	for _, name := range []string{"Bottega", "Altra bottega"} {
		s, err := env.Deps.Vouchers.CreateShop(ctx, admin, vouchers.Shop{Name: name, Address: "Via Traiano 3", District: "centro", Category: "food",
			IBAN: "IT60 X054 2811 1010 0000 0123 456"})
		if err != nil {
			t.Fatal(err)
		}
		shops = append(shops, s)
	}
	closed := time.Now().UTC().Truncate(time.Second)
	var mine []string
	if err := env.DB.Vouchers().InTx(ctx, func(tx vouchers.Tx) error {
		for i := range 26 {
			shop := shops[0]
			if i%9 == 4 { // three of another shop among them
				shop = shops[1]
			}
			st := vouchers.Settlement{ID: fmt.Sprintf("stl_staff%02d", i), ShopID: shop.ID, PeriodEnd: closed, Count: 1, TotalCents: 100,
				Status: vouchers.SettlementClosed, ClosedAt: closed.Add(time.Duration(i%3) * time.Second), ClosedBy: admin.AccountID, ShopName: shop.Name}
			if shop.ID == shops[0].ID {
				mine = append(mine, st.ID)
			}
			if err := tx.InsertSettlement(ctx, st); err != nil {
				return err
			}
		}
		return nil
	}); err != nil {
		t.Fatal(err)
	}
	staff, _ := env.account(t, identity.RoleMerchant, shops[0].ID)
	srv := httptest.NewServer(env.Server)
	defer srv.Close()
	pc := webtest.SignedIn(t, srv.URL, staff.Email, testPassword)

	read := func(path string) (ids []string, older, newer string) {
		t.Helper()
		res, body := pc.Get(path)
		if res.StatusCode != http.StatusOK || !strings.Contains(body, fmt.Sprintf(`data-testid="statements-total">%d rendiconti`, len(mine))) {
			t.Fatalf("GET %s: %d\n%s", path, res.StatusCode, body)
		}
		for _, m := range staffStatementRow.FindAllStringSubmatch(body, -1) {
			ids = append(ids, m[1])
		}
		if m := staffOlder.FindStringSubmatch(body); m != nil {
			older = html.UnescapeString(m[1])
		}
		if m := staffNewer.FindStringSubmatch(body); m != nil {
			newer = html.UnescapeString(m[1])
		}
		return ids, older, newer
	}
	first, older, newer := read("/staff/vouchers")
	if len(first) != 20 || older == "" || newer != "" {
		t.Fatalf("first page: %d statements, older %q, newer %q", len(first), older, newer)
	}
	second, older2, newer2 := read(older)
	if older2 != "" || newer2 == "" {
		t.Fatalf("second page: older %q, newer %q", older2, newer2)
	}
	all := append(slices.Clone(first), second...)
	slices.Sort(all)
	want := slices.Clone(mine)
	slices.Sort(want)
	if !slices.Equal(all, want) {
		t.Fatalf("the two pages list %v, want the shop's %v", all, want)
	}
	if back, _, _ := read(newer2); !slices.Equal(back, first) {
		t.Fatalf("back to the first page: %v, want %v", back, first)
	}
	// Each statement links its download for a spreadsheet (the CSV an
	// Italian Excel opens as a table) beside the CSV for programs.
	sheet := "/api/v1/merchant/statements/" + first[0] + "?format=csv&dialect=excel"
	if _, body := pc.Get("/staff/vouchers"); !strings.Contains(body, `href="`+html.EscapeString(sheet)+`">foglio di calcolo</a> · <a href="`+html.EscapeString(sheet[:strings.Index(sheet, "&")])+`">CSV</a>`) {
		t.Fatalf("no spreadsheet download of %s on the page:\n%s", first[0], body)
	}
	if res, got := pc.Get(sheet); res.StatusCode != http.StatusOK ||
		got != "\ufeffbatch_id;shop_id;shop_name;iban;redemption_id;voucher_id;time (Europe/Rome);amount_eur;period_end (Europe/Rome)\n" {
		t.Fatalf("the spreadsheet's statement: %d\n%q", res.StatusCode, got)
	}
	if res, body := pc.Get("/staff/vouchers?statements_after=stl_nobody"); res.StatusCode != http.StatusBadRequest ||
		!strings.Contains(body, `href="/staff/vouchers#statements-heading" data-testid="first-page"`) {
		t.Fatalf("an unknown cursor: %d, want the link to the first page\n%s", res.StatusCode, body)
	}
}
