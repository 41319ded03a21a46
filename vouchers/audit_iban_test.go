package vouchers_test

import (
	"bytes"
	"reflect"
	"strings"
	"testing"
	"time"

	"cityhub/audit"
	"cityhub/store"
	"cityhub/store/storetest"
	"cityhub/vouchers"
)

// The audit log traces a shop's payee: an update records each field it
// changed, from and to (the IBAN in full), and nothing for the fields it
// left; a close records the IBAN its statement is paid to. The CSV writes
// the changes as JSON.
func TestAuditTracesTheIBAN(t *testing.T) {
	t.Parallel()
	storetest.Each(t, func(t *testing.T, db store.DB) {
		f := newFixture(t, db)
		shop := f.shop("Libreria", "centro", "books")
		camp := f.campaign(vouchers.Campaign{BudgetCents: 10000, FaceValueCents: 1000})
		oldIBAN := shop.IBAN
		shop.IBAN, shop.Name = "IT07 X054 2811 1010 0000 0654 321", "Libreria Nuova"
		shop, err := f.svc.UpdateShop(f.ctx, admin, shop)
		if err != nil {
			t.Fatal(err)
		}
		v := f.claim(citizen(1), camp.ID)
		if _, _, err := f.svc.Redeem(f.ctx, merchant(shop.ID), shop.ID, "r1", vouchers.RedeemRequest{Code: v.TypedCode, PurchaseCents: 1500}); err != nil {
			t.Fatal(err)
		}
		f.clock.Add(time.Hour)
		st, _, err := f.svc.CloseSettlement(f.ctx, admin, "s1", shop.ID, nil)
		if err != nil {
			t.Fatal(err)
		}
		page, err := f.svc.Audit(f.ctx, admin, vouchers.AuditQuery{ShopID: shop.ID})
		if err != nil {
			t.Fatal(err)
		}
		entry := func(action string) audit.Entry {
			t.Helper()
			for _, e := range page.Entries {
				if e.Action == action {
					return e
				}
			}
			t.Fatalf("no %s entry in %+v", action, page.Entries)
			return audit.Entry{}
		}
		update := entry("shop.update")
		want := map[string]any{
			"iban": map[string]any{"from": oldIBAN, "to": "IT07X0542811101000000654321"},
			"name": map[string]any{"from": "Libreria", "to": "Libreria Nuova"},
		}
		if !reflect.DeepEqual(update.Detail["changed"], want) || update.Detail["active"] != true {
			t.Fatalf("shop.update detail %#v; want changed %#v", update.Detail, want)
		}
		closed := entry("voucher.settle.close")
		if closed.ObjectID != st.ID || closed.Detail["iban"] != "IT07X0542811101000000654321" {
			t.Fatalf("voucher.settle.close entry %+v; want the IBAN paid", closed)
		}
		var csv bytes.Buffer
		if err := vouchers.WriteAuditCSV(&csv, []audit.Entry{update}); err != nil {
			t.Fatal(err)
		}
		if !strings.Contains(csv.String(), `"active=true;changed={""iban"":{""from"":""`+oldIBAN+`"",""to"":""IT07X0542811101000000654321""},""name"":{""from"":""Libreria"",""to"":""Libreria Nuova""}}"`) {
			t.Fatalf("audit CSV:\n%s", csv.String())
		}
	})
}
