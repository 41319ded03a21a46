package vouchers_test

import (
	"slices"
	"testing"

	"cityhub/identity"
	"cityhub/store"
	"cityhub/store/storetest"
	"cityhub/vouchers"
)

// Every list of shops orders their names as a reader looks them up, case
// and accents aside (collate.Compare, as the stations' lists), within a
// district, on both engines: the administrator's pages, read forward and
// back at any size, the list of all, a campaign's shops and a shop staff's
// own. They came in the engine's order, by bytes in SQLite: "Beta",
// "Ortofrutta Rossi", "alfa negozio 2", "zeta bottega", "Àlfa Negozio",
// "éclair".
func TestShopListsOrderNamesAsAReaderLooksThemUp(t *testing.T) {
	t.Parallel()
	storetest.Each(t, func(t *testing.T, db store.DB) {
		f := newFixture(t, db)
		names := []string{"Beta", "Ortofrutta Rossi", "alfa negozio 2", "zeta bottega", "Àlfa Negozio", "éclair", "Alfa Negozio"}
		byName := map[string]string{}
		var grants []identity.Grant
		for _, n := range names {
			s := f.shop(n, "centro", "food")
			byName[n] = s.ID
			grants = append(grants, identity.Grant{Role: identity.RoleMerchant, Scope: s.ID})
		}
		other := f.shop("Aaa Primo", "triggio", "food")
		inOrder := func(names ...string) []string {
			var out []string
			for _, n := range names {
				out = append(out, byName[n])
			}
			return out
		}
		centro := inOrder("Alfa Negozio", "Àlfa Negozio", "alfa negozio 2", "Beta", "éclair", "Ortofrutta Rossi", "zeta bottega")
		all := append(slices.Clone(centro), other.ID)
		ids := func(shops []vouchers.Shop) []string {
			var out []string
			for _, s := range shops {
				out = append(out, s.ID)
			}
			return out
		}
		id := func(s vouchers.Shop) string { return s.ID }
		for _, limit := range []int{1, 2, 3, 8, 9} {
			walkPages(t, limit, all, id, func(q vouchers.PageQuery) (vouchers.Page[vouchers.Shop], error) {
				return f.svc.ShopPage(f.ctx, admin, vouchers.ShopFilter{}, q)
			})
		}
		walkPages(t, 3, centro, id, func(q vouchers.PageQuery) (vouchers.Page[vouchers.Shop], error) {
			return f.svc.ShopPage(f.ctx, admin, vouchers.ShopFilter{District: "centro"}, q)
		})
		// A page after a cursor starts at the shop after it.
		p, err := f.svc.ShopPage(f.ctx, admin, vouchers.ShopFilter{District: "centro"}, vouchers.PageQuery{Cursor: byName["Beta"], Limit: 2})
		if err != nil || !slices.Equal(ids(p.Items), inOrder("éclair", "Ortofrutta Rossi")) {
			t.Fatalf("the page after Beta: %v, %v", ids(p.Items), err)
		}
		if got, err := f.svc.Shops(f.ctx, vouchers.ShopFilter{}); err != nil || !slices.Equal(ids(got), all) {
			t.Fatalf("all the shops: %v, %v\nwant %v", ids(got), err, all)
		}
		camp := f.campaign(vouchers.Campaign{BudgetCents: 5000, FaceValueCents: 1000})
		if got, err := f.svc.ShopsFor(f.ctx, camp.ID, ""); err != nil || !slices.Equal(ids(got), all) {
			t.Fatalf("the campaign's shops: %v, %v\nwant %v", ids(got), err, all)
		}
		staff := identity.Caller{AccountID: "acc_staff_many", Grants: grants}
		if got, err := f.svc.MyShops(f.ctx, staff); err != nil || !slices.Equal(ids(got), centro) {
			t.Fatalf("the staff's shops: %v, %v\nwant %v", ids(got), err, centro)
		}
	})
}
