package vouchers_test

import (
	"fmt"
	"sync"
	"testing"
	"time"

	"cityhub/apperr"
	"cityhub/store"
	"cityhub/store/storetest"
	"cityhub/vouchers"
)

// shownOf is what a confirmation page shows of due.
func shownOf(due vouchers.SettlementDue) vouchers.SettlementShown {
	return vouchers.SettlementShown{IBAN: due.Shop.IBAN, Count: &due.Count, TotalCents: &due.TotalCents}
}

// statements counts a shop's statements.
func statements(t *testing.T, f *fixture, shopID string) int {
	t.Helper()
	page, err := f.svc.StatementPage(f.ctx, admin, shopID, vouchers.PageQuery{Limit: 1})
	if err != nil {
		t.Fatal(err)
	}
	return page.Total
}

// A close confirmed on what a page showed settles that or nothing: the
// shop's IBAN changed since, or the period's redemptions settled meanwhile
// by another close, is Conflict (settlement_changed) with nothing settled;
// the figures shown again close as shown, naming the IBAN confirmed.
func TestCloseSettlesWhatWasShown(t *testing.T) {
	t.Parallel()
	storetest.Each(t, func(t *testing.T, db store.DB) {
		f := newFixture(t, db)
		shop := f.shop("Libreria", "centro", "books")
		camp := f.campaign(vouchers.Campaign{BudgetCents: 10000, FaceValueCents: 1000})
		for i := range 2 {
			v := f.claim(citizen(i), camp.ID)
			if _, _, err := f.svc.Redeem(f.ctx, merchant(shop.ID), shop.ID, fmt.Sprintf("r%d", i), vouchers.RedeemRequest{Code: f.token(citizen(i), v.ID), PurchaseCents: 1500}); err != nil {
				t.Fatal(err)
			}
		}
		f.clock.Add(time.Hour)
		due, err := f.svc.DueSettlement(f.ctx, admin, shop.ID)
		if err != nil || due.Count != 2 {
			t.Fatalf("due: %+v, %v", due, err)
		}
		shop.IBAN = "IT07 X054 2811 1010 0000 0654 321"
		if shop, err = f.svc.UpdateShop(f.ctx, admin, shop); err != nil {
			t.Fatal(err)
		}
		_, _, err = f.svc.CloseSettlementAsShown(f.ctx, admin, "k1", shop.ID, &due.PeriodEnd, shownOf(due))
		if apperr.ReasonOf(err) != "settlement_changed" || !apperr.Has(err, apperr.Conflict) {
			t.Fatalf("close under the old IBAN: %v; want Conflict settlement_changed", err)
		}
		if n := statements(t, f, shop.ID); n != 0 {
			t.Fatalf("%d statements after a refused close", n)
		}
		again, err := f.svc.DueSettlement(f.ctx, admin, shop.ID)
		if err != nil || again.Count != 2 || again.Shop.IBAN != shop.IBAN {
			t.Fatalf("due after the refusal: %+v, %v; want both redemptions, new IBAN", again, err)
		}

		// The IBAN as typed on paper, spaced and in lower case, is the same
		// account.
		shown := shownOf(again)
		shown.IBAN = "it07x0542811101000000654321"
		st, _, err := f.svc.CloseSettlementAsShown(f.ctx, admin, "k2", shop.ID, &again.PeriodEnd, shown)
		if err != nil {
			t.Fatal(err)
		}
		if st.IBAN != shop.IBAN || st.Count != 2 || st.TotalCents != again.TotalCents {
			t.Fatalf("statement %+v; want %s, %d, %d", st, shop.IBAN, 2, again.TotalCents)
		}
		if _, replayed, err := f.svc.CloseSettlementAsShown(f.ctx, admin, "k2", shop.ID, &again.PeriodEnd, shown); err != nil || !replayed {
			t.Fatalf("the confirmation sent twice: replayed %v, %v", replayed, err)
		}

		// A period another close settled since it was shown.
		v := f.claim(citizen(9), camp.ID)
		if _, _, err := f.svc.Redeem(f.ctx, merchant(shop.ID), shop.ID, "r9", vouchers.RedeemRequest{Code: f.token(citizen(9), v.ID), PurchaseCents: 1500}); err != nil {
			t.Fatal(err)
		}
		f.clock.Add(time.Hour)
		third, err := f.svc.DueSettlement(f.ctx, admin, shop.ID)
		if err != nil || third.Count != 1 {
			t.Fatalf("due: %+v, %v", third, err)
		}
		if _, _, err := f.svc.CloseSettlement(f.ctx, admin, "api", shop.ID, nil); err != nil {
			t.Fatal(err)
		}
		_, _, err = f.svc.CloseSettlementAsShown(f.ctx, admin, "k3", shop.ID, &third.PeriodEnd, shownOf(third))
		if apperr.ReasonOf(err) != "settlement_changed" {
			t.Fatalf("close of a period settled meanwhile: %v; want settlement_changed", err)
		}
		shown = vouchers.SettlementShown{IBAN: "IT00 not an iban"}
		if _, _, err := f.svc.CloseSettlementAsShown(f.ctx, admin, "k4", shop.ID, nil, shown); apperr.ReasonOf(err) != "iban" {
			t.Fatalf("an expected IBAN that is none: %v; want Invalid iban", err)
		}
	})
}

// A change of a shop's IBAN racing a close confirmed under the old one
// ends in a statement naming the old IBAN or in the refusal, never in a
// statement naming the new IBAN.
func TestIBANChangeRacesShownClose(t *testing.T) {
	t.Parallel()
	storetest.Each(t, func(t *testing.T, db store.DB) {
		f := newFixture(t, db)
		camp := f.campaign(vouchers.Campaign{BudgetCents: 100000, FaceValueCents: 1000})
		const rounds = 12
		var shops []vouchers.Shop
		for i := range rounds {
			shop := f.shop(fmt.Sprintf("Bottega %d", i), "centro", "food")
			v := f.claim(citizen(i), camp.ID)
			if _, _, err := f.svc.Redeem(f.ctx, merchant(shop.ID), shop.ID, fmt.Sprintf("r%d", i), vouchers.RedeemRequest{Code: v.TypedCode, PurchaseCents: 1000}); err != nil {
				t.Fatal(err)
			}
			shops = append(shops, shop)
		}
		f.clock.Add(time.Hour)
		var settled, refused int
		for i, shop := range shops {
			due, err := f.svc.DueSettlement(f.ctx, admin, shop.ID)
			if err != nil {
				t.Fatal(err)
			}
			changed := shop
			changed.IBAN = "IT07 X054 2811 1010 0000 0654 321"
			var wg sync.WaitGroup
			var st vouchers.Settlement
			var closeErr, updateErr error
			wg.Add(2)
			go func() {
				defer wg.Done()
				st, _, closeErr = f.svc.CloseSettlementAsShown(f.ctx, admin, fmt.Sprintf("close-%d", i), shop.ID, &due.PeriodEnd, shownOf(due))
			}()
			go func() {
				defer wg.Done()
				_, updateErr = f.svc.UpdateShop(f.ctx, admin, changed)
			}()
			wg.Wait()
			if updateErr != nil {
				t.Fatal(updateErr)
			}
			switch {
			case closeErr == nil:
				settled++
				if st.IBAN != due.Shop.IBAN {
					t.Fatalf("round %d: the statement names %s; confirmed %s", i, st.IBAN, due.Shop.IBAN)
				}
				read, err := f.svc.Statement(f.ctx, admin, st.ID)
				if err != nil || read.Shop.IBAN != due.Shop.IBAN {
					t.Fatalf("round %d: the statement read back names %s, %v; confirmed %s", i, read.Shop.IBAN, err, due.Shop.IBAN)
				}
			case apperr.ReasonOf(closeErr) == "settlement_changed":
				refused++
				if n := statements(t, f, shop.ID); n != 0 {
					t.Fatalf("round %d: %d statements after a refused close", i, n)
				}
			default:
				t.Fatalf("round %d: close: %v", i, closeErr)
			}
		}
		t.Logf("%d closed under the old IBAN, %d refused", settled, refused)
	})
}
