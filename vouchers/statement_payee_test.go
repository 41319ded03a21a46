package vouchers_test

import (
	"bytes"
	"strings"
	"testing"
	"time"

	"cityhub/store"
	"cityhub/store/storetest"
	"cityhub/vouchers"
)

// A statement names the payee as it was when the statement was closed: the
// shop's IBAN changed afterwards does not rewrite a statement closed, or
// one already paid, in its JSON or its CSV. A statement closed after the
// change names the new IBAN.
func TestStatementKeepsItsPayee(t *testing.T) {
	t.Parallel()
	storetest.Each(t, func(t *testing.T, db store.DB) {
		f := newFixture(t, db)
		shop := f.shop("Libreria", "centro", "books")
		camp := f.campaign(vouchers.Campaign{BudgetCents: 10000, FaceValueCents: 1000, PerCitizenLimit: 2})
		anna := citizen(1)
		redeem := func(key string) {
			t.Helper()
			v := f.claim(anna, camp.ID)
			if _, _, err := f.svc.Redeem(f.ctx, merchant(shop.ID), shop.ID, key, vouchers.RedeemRequest{Code: f.token(anna, v.ID), PurchaseCents: 1500}); err != nil {
				t.Fatal(err)
			}
		}
		redeem("r1")
		f.clock.Add(time.Hour)
		first, _, err := f.svc.CloseSettlement(f.ctx, admin, "s1", shop.ID, nil)
		if err != nil {
			t.Fatal(err)
		}
		if _, _, err := f.svc.MarkPaid(f.ctx, admin, "p1", first.ID, "SEPA-1"); err != nil {
			t.Fatal(err)
		}
		oldIBAN := shop.IBAN
		shop.IBAN, shop.Name = "IT07 X054 2811 1010 0000 0654 321", "Libreria Nuova"
		if shop, err = f.svc.UpdateShop(f.ctx, admin, shop); err != nil {
			t.Fatal(err)
		}
		st, err := f.svc.Statement(f.ctx, admin, first.ID)
		if err != nil {
			t.Fatal(err)
		}
		if st.Shop.IBAN != oldIBAN || st.Shop.Name != "Libreria" {
			t.Fatalf("the paid statement names %q, %q; want the payee it was paid to, %q, %q", st.Shop.Name, st.Shop.IBAN, "Libreria", oldIBAN)
		}
		var csv bytes.Buffer
		if err := vouchers.WriteStatementCSV(&csv, st); err != nil {
			t.Fatal(err)
		}
		if !strings.Contains(csv.String(), oldIBAN) || strings.Contains(csv.String(), shop.IBAN) {
			t.Fatalf("the statement's CSV:\n%s", csv.String())
		}
		redeem("r2")
		f.clock.Add(time.Hour)
		second, _, err := f.svc.CloseSettlement(f.ctx, admin, "s2", shop.ID, nil)
		if err != nil {
			t.Fatal(err)
		}
		if st, err := f.svc.Statement(f.ctx, admin, second.ID); err != nil || st.Shop.IBAN != shop.IBAN {
			t.Fatalf("a statement closed after the change: %q, %v; want %q", st.Shop.IBAN, err, shop.IBAN)
		}
	})
}
