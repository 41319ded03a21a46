package vouchers_test

import (
	"testing"

	"cityhub/apperr"
	"cityhub/store"
	"cityhub/store/storetest"
	"cityhub/vouchers"
)

// A shop registered before it opens is inactive until it is made active:
// read back so, not among a campaign's shops, taking no voucher, and its
// registration's audit entry says so. CreateShop still registers an active
// shop.
func TestShopRegisteredInactive(t *testing.T) {
	t.Parallel()
	storetest.Each(t, func(t *testing.T, db store.DB) {
		f := newFixture(t, db)
		open := f.shop("Forno", "centro", "food")
		camp := f.campaign(vouchers.Campaign{BudgetCents: 10000, FaceValueCents: 1000})
		shop, err := f.svc.RegisterShop(f.ctx, admin, vouchers.Shop{Name: "Libreria", Address: "Via Roma 1", District: "centro", Category: "books",
			IBAN: "IT60 X054 2811 1010 0000 0123 456"}, false)
		if err != nil {
			t.Fatal(err)
		}
		if read, err := f.svc.Shop(f.ctx, admin, shop.ID); err != nil || shop.Active || read.Active || !open.Active {
			t.Fatalf("registered inactive: answered %v, read back %+v, %v; CreateShop's %v", shop.Active, read, err, open.Active)
		}
		listed := func() []string {
			t.Helper()
			shops, err := f.svc.ShopsFor(f.ctx, camp.ID, "")
			if err != nil {
				t.Fatal(err)
			}
			var ids []string
			for _, s := range shops {
				ids = append(ids, s.ID)
			}
			return ids
		}
		if ids := listed(); len(ids) != 1 || ids[0] != open.ID {
			t.Fatalf("the campaign's shops: %v; want only %s", ids, open.ID)
		}
		v := f.claim(citizen(1), camp.ID)
		if _, _, err := f.svc.Redeem(f.ctx, merchant(shop.ID), shop.ID, "r1", vouchers.RedeemRequest{Code: v.TypedCode, PurchaseCents: 1500}); apperr.ReasonOf(err) != "shop_not_eligible" {
			t.Fatalf("redeemed at a shop not yet open: %v", err)
		}
		page, err := f.svc.Audit(f.ctx, admin, vouchers.AuditQuery{ShopID: shop.ID})
		if err != nil || len(page.Entries) != 1 || page.Entries[0].Action != "shop.create" || page.Entries[0].Detail["active"] != false {
			t.Fatalf("the registration's audit: %+v, %v", page.Entries, err)
		}
		shop.Active = true
		if _, err := f.svc.UpdateShop(f.ctx, admin, shop); err != nil {
			t.Fatal(err)
		}
		if ids := listed(); len(ids) != 2 {
			t.Fatalf("the campaign's shops once it opened: %v", ids)
		}
	})
}
