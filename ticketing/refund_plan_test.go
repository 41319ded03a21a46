package ticketing_test

import (
	"testing"

	"cityhub/apperr"
	"cityhub/store"
	"cityhub/store/storetest"
	"cityhub/ticketing"
	"cityhub/wallet"
)

// PlanRefund says, changing nothing, what RefundOrder then does: a hold is
// released with no money moved, a paid order returns its total, a refunded
// one is left as it is, and one whose ticket was used is refused alike.
func TestPlanRefundSaysWhatRefundDoes(t *testing.T) {
	t.Parallel()
	storetest.Each(t, func(t *testing.T, db store.DB) {
		f := newFixture(t, db)
		v := f.venue("Teatro Verdi", 4)
		p := f.performance(v.ID)
		buyer := citizen(1)
		f.credit(100_00, buyer)
		held, err := f.svc.Hold(f.ctx, buyer, p.ID, []string{"Platea/A/1"})
		if err != nil {
			t.Fatal(err)
		}
		paid, _ := f.buy(buyer, p.ID, "Platea/A/2", "Platea/A/3")
		used, ts := f.buy(buyer, p.ID, "Platea/A/4")
		f.atTheDoor(p)
		for _, tk := range ts {
			if tk.OrderID == used.ID {
				if _, err := f.svc.CheckIn(f.ctx, door(v.ID), p.ID, tk.TypedCode); err != nil {
					t.Fatal(err)
				}
			}
		}
		if _, err := f.svc.PlanRefund(f.ctx, buyer, paid.ID); !apperr.Has(err, apperr.Forbidden) {
			t.Fatalf("a citizen plans a refund: %v", err)
		}
		if _, err := f.svc.PlanRefund(f.ctx, admin, "ord_nope"); !apperr.Has(err, apperr.NotFound) {
			t.Fatalf("an order that does not exist: %v", err)
		}
		if _, err := f.svc.PlanRefund(f.ctx, admin, used.ID); apperr.ReasonOf(err) != "ticket_used" {
			t.Fatalf("an order whose ticket was used: %v; want ticket_used", err)
		}

		for _, c := range []struct {
			what   string
			order  ticketing.Order
			action string
			amount int64
			after  string
		}{
			{"a hold", held, ticketing.RefundReleasesHold, 0, ticketing.OrderCancelled},
			{"a paid order", paid, ticketing.RefundReturnsMoney, paid.TotalCents, ticketing.OrderRefunded},
			{"the paid order again", paid, ticketing.RefundNothing, 0, ticketing.OrderRefunded},
		} {
			before := f.balance(wallet.CitizenAccount(buyer.AccountID))
			plan, err := f.svc.PlanRefund(f.ctx, admin, c.order.ID)
			if err != nil || plan.Action != c.action || plan.Amount != c.amount || plan.Order.ID != c.order.ID {
				t.Fatalf("%s: plan %+v, %v; want %s of %d", c.what, plan, err, c.action, c.amount)
			}
			if got := f.balance(wallet.CitizenAccount(buyer.AccountID)); got != before {
				t.Fatalf("%s: planning moved the credit from %d to %d", c.what, before, got)
			}
			o, err := f.svc.RefundOrder(f.ctx, admin, c.order.ID)
			if err != nil || o.Status != c.after {
				t.Fatalf("%s: refund %+v, %v; want %s", c.what, o, err, c.after)
			}
			if got := f.balance(wallet.CitizenAccount(buyer.AccountID)); got != before+c.amount {
				t.Fatalf("%s: the credit went from %d to %d; the plan said %d back", c.what, before, got, c.amount)
			}
		}
		f.ledgerOK()
	})
}

// A card payment that arrived when its seats could no longer be issued
// has its card refund recorded, of what was paid: the plan names that
// refund (its amount and state) and moves nothing more, as RefundOrder
// then does.
func TestPlanRefundOfARefundDue(t *testing.T) {
	t.Parallel()
	storetest.Each(t, func(t *testing.T, db store.DB) {
		f := newFixture(t, db)
		v := f.venue("Teatro Verdi", 2)
		p := f.performance(v.ID)
		short := f.holdForCard(citizen(1), p.ID, "pi_short", "Platea/A/2")
		// Paid less than the order's total: nothing is issued, and what
		// was paid is owed back.
		o, _, err := f.svc.ConfirmCardPayment(f.ctx, short.ID, "pi_short", short.TotalCents-500, "eur")
		if err != nil || o.Status != ticketing.OrderRefundDue {
			t.Fatalf("a short payment: %+v, %v", o, err)
		}
		plan, err := f.svc.PlanRefund(f.ctx, admin, short.ID)
		if err != nil || plan.Action != ticketing.RefundClosesDue || plan.Amount != short.TotalCents-500 || plan.RefundState != ticketing.RefundOwed {
			t.Fatalf("plan of a refund due: %+v, %v; want the owed refund of %d", plan, err, short.TotalCents-500)
		}
		clearing := f.balance(wallet.StripeClearing)
		if o, err = f.svc.RefundOrder(f.ctx, admin, short.ID); err != nil || o.Status != ticketing.OrderRefunded {
			t.Fatalf("closing it: %+v, %v", o, err)
		}
		if got := f.balance(wallet.StripeClearing); got != clearing {
			t.Fatalf("closing a refund due moved clearing from %d to %d", clearing, got)
		}
		rs := f.refunds()
		if len(rs) != 1 || rs[0].AmountCents != short.TotalCents-500 {
			t.Fatalf("card refunds after closing: %+v; want one of what was paid", rs)
		}
	})
}

// A refund confirmed for what a page said is made only while the order,
// under its lock, is still so: a hold paid since the page was shown is
// refused (order_changed) and nothing moves; as described, it is made.
func TestRefundAsPlannedRefusesAChangedOrder(t *testing.T) {
	t.Parallel()
	storetest.Each(t, func(t *testing.T, db store.DB) {
		f := newFixture(t, db)
		v := f.venue("Teatro Verdi", 2)
		p := f.performance(v.ID)
		buyer := citizen(1)
		f.credit(100_00, buyer)
		o, err := f.svc.Hold(f.ctx, buyer, p.ID, []string{"Platea/A/1"})
		if err != nil {
			t.Fatal(err)
		}
		plan, err := f.svc.PlanRefund(f.ctx, admin, o.ID)
		if err != nil || plan.Action != ticketing.RefundReleasesHold {
			t.Fatalf("plan of a hold: %+v, %v", plan, err)
		}
		if _, err := f.svc.PayWithWallet(f.ctx, buyer, o.ID); err != nil {
			t.Fatal(err)
		}
		paid := f.balance(wallet.CitizenAccount(buyer.AccountID))
		if _, err := f.svc.RefundOrderAsPlanned(f.ctx, admin, o.ID, plan.Action); apperr.ReasonOf(err) != "order_changed" {
			t.Fatalf("a refund planned for a hold, of an order paid since: %v; want order_changed", err)
		}
		if got := f.balance(wallet.CitizenAccount(buyer.AccountID)); got != paid {
			t.Fatalf("the refused refund moved the credit from %d to %d", paid, got)
		}
		if _, err := f.svc.RefundOrderAsPlanned(f.ctx, buyer, o.ID, ticketing.RefundReturnsMoney); !apperr.Has(err, apperr.Forbidden) {
			t.Fatalf("a citizen's refund: %v", err)
		}
		got, err := f.svc.RefundOrderAsPlanned(f.ctx, admin, o.ID, ticketing.RefundReturnsMoney)
		if err != nil || got.Status != ticketing.OrderRefunded || f.balance(wallet.CitizenAccount(buyer.AccountID)) != 100_00 {
			t.Fatalf("the refund as planned: %+v, %v", got, err)
		}
		f.ledgerOK()
	})
}
