package ticketing_test

import (
	"testing"
	"time"

	"cityhub/apperr"
	"cityhub/store"
	"cityhub/store/storetest"
	"cityhub/ticketing"
	"cityhub/wallet"
)

// An order paid from credit whose buyer's account was erased since (its
// credit closed, wallet.CloseCitizen): a refund of it, an administrator's
// or a cancelled performance's, goes to the city, never to the closed
// credit, which nobody could spend; the buyer's own cancel that waited for
// the erasure is refused as for an erased account, and nothing changes;
// paying a held order from the closed credit is refused alike. The books
// agree throughout.
func TestRefundOfAnErasedBuyersOrderGoesToTheCity(t *testing.T) {
	t.Parallel()
	storetest.Each(t, func(t *testing.T, db store.DB) {
		f := newFixture(t, db)
		v := f.venue("Teatro Comunale", 4)
		hours := 24
		p, err := f.svc.CreatePerformance(f.ctx, admin, ticketing.Performance{VenueID: v.ID, Title: "Cancellabile",
			StartsAt: start.Add(72 * time.Hour), Prices: map[string]int64{"stalls": 2500}, SelfCancelHours: &hours})
		if err != nil {
			t.Fatal(err)
		}
		other := f.performance(v.ID)
		buyer := citizen(1)
		f.credit(5000, buyer)
		mine, _ := f.buy(buyer, p.ID, "Platea/A/1")
		theirs, _ := f.buy(buyer, other.ID, "Platea/A/1")
		held, err := f.svc.Hold(f.ctx, buyer, other.ID, []string{"Platea/A/2"})
		if err != nil {
			t.Fatal(err)
		}
		citizen := wallet.CitizenAccount(buyer.AccountID)
		if f.balance(citizen) != 0 {
			t.Fatal("fixture: two 25 € orders from 50 €")
		}
		if err := f.db.Wallet().InTx(f.ctx, func(tx wallet.Tx) error {
			return wallet.CloseCitizen(f.ctx, tx, buyer.AccountID, f.clock.Now())
		}); err != nil {
			t.Fatal(err)
		}

		if _, err := f.svc.CancelMyOrder(f.ctx, buyer, mine.ID); apperr.ReasonOf(err) != "account_deleted" || !apperr.Has(err, apperr.Unauthenticated) {
			t.Fatalf("the erased buyer's own cancel: %v, want 401 account_deleted", err)
		}
		if o, err := f.svc.Order(f.ctx, admin, mine.ID); err != nil || o.Status != ticketing.OrderPaid {
			t.Fatalf("the order after the refused cancel: %+v, %v", o, err)
		}
		if _, err := f.svc.PayWithWallet(f.ctx, buyer, held.ID); apperr.ReasonOf(err) != "account_deleted" {
			t.Fatalf("paying from the closed credit: %v, want account_deleted", err)
		}

		city := f.balance(wallet.CityFunding)
		if o, err := f.svc.RefundOrder(f.ctx, admin, mine.ID); err != nil || o.Status != ticketing.OrderRefunded {
			t.Fatalf("an administrator's refund: %+v, %v", o, err)
		}
		if _, err := f.svc.CancelPerformance(f.ctx, admin, other.ID); err != nil {
			t.Fatalf("cancel the other performance: %v", err)
		}
		if o, err := f.svc.Order(f.ctx, admin, theirs.ID); err != nil || o.Status != ticketing.OrderRefunded {
			t.Fatalf("the order of the cancelled performance: %+v, %v", o, err)
		}
		if b, c := f.balance(citizen), f.balance(wallet.CityFunding)-city; b != 0 || c != 5000 {
			t.Fatalf("after the refunds: %d on the erased buyer's credit, %d to the city; want 0 and 5000", b, c)
		}
		f.ledgerOK()
	})
}
