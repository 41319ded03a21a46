package web

import (
	"context"
	"fmt"
	"net/http"
	"slices"
	"testing"
	"time"

	"cityhub/identity"
	"cityhub/vouchers"
)

// voucherListPage is what the voucher administration lists answer: the
// rows under their list's name, the count of them all and the next page's
// cursor.
type voucherListPage struct {
	Campaigns   []vouchers.Campaign   `json:"campaigns"`
	Shops       []vouchers.Shop       `json:"shops"`
	Settlements []vouchers.Settlement `json:"settlements"`
	Total       *int                  `json:"total"`
	NextCursor  *string               `json:"next_cursor"`
}

func (p voucherListPage) ids() []string {
	var out []string
	for _, c := range p.Campaigns {
		out = append(out, c.ID)
	}
	for _, s := range p.Shops {
		out = append(out, s.ID)
	}
	for _, s := range p.Settlements {
		out = append(out, s.ID)
	}
	return out
}

// apiPages follows a list's next_cursor from path (which has a query) to
// its last page and returns the ids of every page, checking each counts
// total rows.
func apiPages(t *testing.T, env *testEnv, path, auth string, total int) [][]string {
	t.Helper()
	var pages [][]string
	next := ""
	for range 100 {
		url := path
		if next != "" {
			url += "&cursor=" + next
		}
		var p voucherListPage
		decodeInto(t, mustStatus(t, vreq(t, env, "GET", url, auth, ""), http.StatusOK), &p)
		if p.Total == nil || p.NextCursor == nil {
			t.Fatalf("%s: no total or next_cursor", url)
		}
		if *p.Total != total {
			t.Fatalf("%s: total %d, want %d", url, *p.Total, total)
		}
		ids := p.ids()
		pages = append(pages, ids)
		if next = *p.NextCursor; next == "" {
			return pages
		}
		if next != ids[len(ids)-1] {
			t.Fatalf("%s: next_cursor %q is not the page's last row %v", url, next, ids)
		}
	}
	t.Fatalf("%s: no last page", path)
	return nil
}

// The API's voucher administration lists (campaigns, shops, statements,
// and a shop's own statements) come a page at a time: ?limit= (1 to 200,
// default 50), next_cursor as ?cursor= for the next page, total counting
// the whole list; every row is listed once across the pages, none is cut
// off without saying so, and a limit or a cursor the list did not give is
// 400.
func TestVoucherAdminListsPaged(t *testing.T) {
	t.Parallel()
	_, env := newTestServer(t, "sqlite", authzConfigure...)
	ctx := context.Background()
	svc := env.Deps.Vouchers
	admin := env.login(t, identity.RoleAdmin)
	adminCaller := identity.Caller{AccountID: "acc_admin", Grants: []identity.Grant{{Role: identity.RoleAdmin}}}

	// More shops than the default page: the first page says there are
	// more, and how many in all.
	var shops []string
	for i := range vouchers.DefaultPage + 3 {
		s, err := svc.CreateShop(ctx, adminCaller, vouchers.Shop{Name: fmt.Sprintf("Bottega %02d", i), Address: "Via Traiano 3", District: []string{"centro", "triggio"}[i%2],
			Category: "food", IBAN: "IT60 X054 2811 1010 0000 0123 456"})
		if err != nil {
			t.Fatal(err)
		}
		shops = append(shops, s.ID)
	}
	var first voucherListPage
	decodeInto(t, mustStatus(t, vreq(t, env, "GET", "/api/v1/admin/shops", admin, ""), http.StatusOK), &first)
	if len(first.Shops) != vouchers.DefaultPage || first.Total == nil || *first.Total != len(shops) || first.NextCursor == nil || *first.NextCursor == "" {
		t.Fatalf("first page of shops: %d shops, total %v, next %v", len(first.Shops), first.Total, first.NextCursor)
	}
	all := slices.Concat(apiPages(t, env, "/api/v1/admin/shops?limit=7", admin, len(shops))...)
	if got, want := slices.Sorted(slices.Values(all)), slices.Sorted(slices.Values(shops)); !slices.Equal(got, want) {
		t.Fatalf("pages of 7 listed %d shops, want %d once each", len(got), len(want))
	}
	centro := apiPages(t, env, "/api/v1/admin/shops?district=centro&limit=10", admin, (len(shops)+1)/2)
	if len(centro) != 3 {
		t.Fatalf("%d centro shops in %d pages of 10", (len(shops)+1)/2, len(centro))
	}
	// The filter reads a district as the shops' form does: by its code.
	if typed := apiPages(t, env, "/api/v1/admin/shops?district=%20Centro&limit=10", admin, (len(shops)+1)/2); len(typed) != 3 {
		t.Fatalf("%d pages of 10 for the district typed as a name", len(typed))
	}

	// Campaigns, of all statuses or one.
	var camps []string
	for i := range 5 {
		var c vouchers.Campaign
		decodeInto(t, mustStatus(t, vreq(t, env, "POST", "/api/v1/admin/campaigns", admin, validCampaign), http.StatusCreated), &c)
		if i < 2 {
			mustStatus(t, vreq(t, env, "POST", "/api/v1/admin/campaigns/"+c.ID+"/open", admin, ""), http.StatusOK)
		}
		camps = append(camps, c.ID)
	}
	pages := apiPages(t, env, "/api/v1/admin/campaigns?limit=2", admin, len(camps))
	if len(pages) != 3 || len(pages[2]) != 1 {
		t.Fatalf("5 campaigns in pages of 2: %v", pages)
	}
	if got := slices.Sorted(slices.Values(slices.Concat(pages...))); !slices.Equal(got, slices.Sorted(slices.Values(camps))) {
		t.Fatalf("campaign pages %v, want %v", pages, camps)
	}
	if pages := apiPages(t, env, "/api/v1/admin/campaigns?status=draft&limit=2", admin, 3); len(slices.Concat(pages...)) != 3 {
		t.Fatalf("draft pages %v", pages)
	}
	// A status no campaign has is refused, not answered with no campaigns.
	if p := wantProblem(t, vreq(t, env, "GET", "/api/v1/admin/campaigns?status=weird", admin, ""), http.StatusBadRequest); p.Reason != "bad_status" {
		t.Fatalf("an unknown status: %+v", p)
	}

	// Statements: every shop's, one shop's, and a shop's own to its staff.
	a, b := shops[0], shops[1]
	closed := time.Now().UTC().Truncate(time.Second)
	var ofA []string
	if err := env.DB.Vouchers().InTx(ctx, func(tx vouchers.Tx) error {
		for i := range 5 {
			st := vouchers.Settlement{ID: fmt.Sprintf("stl_page%d", i), ShopID: a, PeriodEnd: closed, Count: 1, TotalCents: 100,
				Status: vouchers.SettlementClosed, ClosedAt: closed, ClosedBy: "acc_admin"}
			if i >= 3 {
				st.ShopID = b
			} else {
				ofA = append(ofA, st.ID)
			}
			if err := tx.InsertSettlement(ctx, st); err != nil {
				return err
			}
		}
		return nil
	}); err != nil {
		t.Fatal(err)
	}
	if pages := apiPages(t, env, "/api/v1/admin/settlements?limit=2", admin, 5); len(pages) != 3 || len(slices.Concat(pages...)) != 5 {
		t.Fatalf("statement pages %v", pages)
	}
	// Closed in the same instant: newest first means the greater id first.
	slices.Reverse(ofA)
	if pages := apiPages(t, env, "/api/v1/admin/settlements?shop_id="+a+"&limit=2", admin, 3); !slices.Equal(slices.Concat(pages...), ofA) {
		t.Fatalf("shop A's statement pages %v, want %v", pages, ofA)
	}
	staff := env.login(t, identity.RoleMerchant, a)
	if pages := apiPages(t, env, "/api/v1/merchant/statements?limit=2", staff, 3); !slices.Equal(slices.Concat(pages...), ofA) {
		t.Fatalf("the shop's own statement pages %v, want %v", pages, ofA)
	}

	// A limit out of bounds, or a cursor the list never gave, is 400 and
	// says which.
	for _, c := range []struct{ path, auth, reason string }{
		{"/api/v1/admin/shops?limit=0", admin, "bad_limit"},
		{"/api/v1/admin/shops?limit=201", admin, "bad_limit"},
		{"/api/v1/admin/campaigns?limit=ten", admin, "bad_limit"},
		{"/api/v1/admin/settlements?limit=-1", admin, "bad_limit"},
		{"/api/v1/merchant/statements?limit=1000", staff, "bad_limit"},
		{"/api/v1/admin/shops?cursor=shp_nobody", admin, "bad_cursor"},
		{"/api/v1/admin/campaigns?cursor=" + a, admin, "bad_cursor"},
		{"/api/v1/admin/settlements?cursor=stl_nobody", admin, "bad_cursor"},
		{"/api/v1/admin/settlements?shop_id=" + a + "&cursor=stl_page4", admin, "bad_cursor"},
		{"/api/v1/merchant/statements?cursor=stl_page4", staff, "bad_cursor"},
	} {
		if p := wantProblem(t, vreq(t, env, "GET", c.path, c.auth, ""), http.StatusBadRequest); p.Reason != c.reason {
			t.Errorf("%s: reason %q, want %s", c.path, p.Reason, c.reason)
		}
	}
	wantProblem(t, vreq(t, env, "GET", "/api/v1/admin/shops?limit=2", staff, ""), http.StatusForbidden)
}
