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

// A buyer's cancel of an order an administrator refunded is refused with
// what holds for the buyer, and changes nothing: self_cancel_not_allowed
// where the performance lets no buyer cancel, already_refunded where it
// does. Only the buyer's own cancel, repeated, answers the refunded order.
func TestCancelMyOrderAfterAnAdministratorsRefund(t *testing.T) {
	t.Parallel()
	storetest.Each(t, func(t *testing.T, db store.DB) {
		f := newFixture(t, db)
		v := f.venue("Teatro Comunale", 4)
		hours := 24
		ruled, err := f.svc.CreatePerformance(f.ctx, admin, ticketing.Performance{VenueID: v.ID, Title: "Cancellabile",
			StartsAt: start.Add(72 * time.Hour), Prices: map[string]int64{"stalls": 2500}, SelfCancelHours: &hours})
		if err != nil {
			t.Fatal(err)
		}
		fixed := f.performance(v.ID) // no rule: only an administrator refunds
		buyer := citizen(1)
		f.credit(10000, buyer)
		noRule, _ := f.buy(buyer, fixed.ID, "Platea/A/1")
		withRule, _ := f.buy(buyer, ruled.ID, "Platea/A/1")
		mine, _ := f.buy(buyer, ruled.ID, "Platea/A/2")
		for _, o := range []ticketing.Order{noRule, withRule} {
			if _, err := f.svc.RefundOrder(f.ctx, admin, o.ID); err != nil {
				t.Fatalf("refund: %v", err)
			}
		}
		if _, err := f.svc.CancelMyOrder(f.ctx, buyer, mine.ID); err != nil {
			t.Fatalf("the buyer's own cancel: %v", err)
		}
		credit := f.balance(wallet.CitizenAccount(buyer.AccountID))
		for o, want := range map[string]string{noRule.ID: "self_cancel_not_allowed", withRule.ID: "already_refunded"} {
			before, err := f.svc.Order(f.ctx, buyer, o)
			if err != nil {
				t.Fatal(err)
			}
			_, err = f.svc.CancelMyOrder(f.ctx, buyer, o)
			if !apperr.Has(err, apperr.Conflict) || apperr.ReasonOf(err) != want {
				t.Errorf("cancel of an order the city refunded: %v, want 409 %s", err, want)
			}
			if after, _ := f.svc.Order(f.ctx, buyer, o); after.Status != before.Status || after.Note != before.Note {
				t.Errorf("the refused cancel changed the order: %+v, was %+v", after, before)
			}
		}
		got, err := f.svc.CancelMyOrder(f.ctx, buyer, mine.ID)
		if err != nil || got.Status != ticketing.OrderRefunded {
			t.Fatalf("the buyer's cancel repeated: %+v %v, want the refunded order", got, err)
		}
		if f.balance(wallet.CitizenAccount(buyer.AccountID)) != credit {
			t.Fatal("a refused or repeated cancel moved money")
		}
		f.ledgerOK()
	})
}
