package vouchers_test

import (
	"testing"

	"cityhub/apperr"
	"cityhub/store"
	"cityhub/store/storetest"
	"cityhub/vouchers"
)

// A shop registered twice (same name at the same address, whatever the
// letter case and spacing) is refused and nothing is stored; a branch of
// the same name at another address is a shop of its own.
func TestDuplicateShopRefused(t *testing.T) {
	t.Parallel()
	storetest.Each(t, func(t *testing.T, db store.DB) {
		f := newFixture(t, db)
		first := f.shop("Forno Traiano", "centro", "food")
		again := vouchers.Shop{Name: "  forno   TRAIANO ", Address: "corso garibaldi 1,  benevento", District: "centro", Category: "food", IBAN: first.IBAN}
		again.District = "liberta" // another district does not make it another shop
		_, err := f.svc.CreateShop(f.ctx, admin, again)
		if !apperr.Has(err, apperr.Conflict) || apperr.ReasonOf(err) != "shop_duplicate" {
			t.Fatalf("duplicate shop: %v", err)
		}
		if shops, _ := f.svc.Shops(f.ctx, vouchers.ShopFilter{}); len(shops) != 1 {
			t.Fatalf("a refused shop was stored: %+v", shops)
		}
		branch := again
		branch.Address = "Viale Mellusi 40, Benevento"
		b, err := f.svc.CreateShop(f.ctx, admin, branch)
		if err != nil {
			t.Fatalf("branch at another address: %v", err)
		}
		// Moving the branch onto the first shop's address is the same mistake.
		b.Address = first.Address
		if _, err := f.svc.UpdateShop(f.ctx, admin, b); apperr.ReasonOf(err) != "shop_duplicate" {
			t.Fatalf("update onto a duplicate: %v", err)
		}
	})
}
