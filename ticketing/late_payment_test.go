package ticketing_test

import (
	"testing"
	"time"

	"cityhub/store"
	"cityhub/store/storetest"
	"cityhub/ticketing"
)

// A card payment that confirms late (a bank debit takes days) issues no
// ticket for a performance that has ended, nor one whose hold lapsed after
// the sales closed: the order is marked for refund. A payment that lands
// after the sales closed while its hold still runs (a buyer at the last
// minute) issues the tickets, as the hold promised.
func TestLateCardPaymentAfterSalesOrShow(t *testing.T) {
	t.Parallel()
	storetest.Each(t, func(t *testing.T, db store.DB) {
		f := newFixture(t, db)
		v := f.venue("Teatro Verdi", 3)
		p := f.performance(v.ID)
		ended := f.holdForCard(citizen(1), p.ID, "pi_ended", "Platea/A/1")
		lapsed := f.holdForCard(citizen(2), p.ID, "pi_lapsed", "Platea/A/2")
		f.clock.Set(p.SalesClose.Add(-time.Minute))
		inTime := f.holdForCard(citizen(3), p.ID, "pi_in_time", "Platea/A/3")

		f.clock.Set(p.SalesClose.Add(time.Minute))
		got, _, err := f.svc.ConfirmCardPayment(f.ctx, inTime.ID, "pi_in_time", inTime.TotalCents, "eur")
		if err != nil || got.Status != ticketing.OrderPaid {
			t.Fatalf("a payment after the sales closed, its hold running: %+v %v", got, err)
		}
		got, _, err = f.svc.ConfirmCardPayment(f.ctx, lapsed.ID, "pi_lapsed", lapsed.TotalCents, "eur")
		if err != nil || got.Status != ticketing.OrderRefundDue || got.Note != "the hold expired after ticket sales closed" {
			t.Fatalf("a payment after the sales closed, its hold lapsed: %+v %v", got, err)
		}
		f.clock.Set(p.EndsAt.Add(24 * time.Hour))
		got, _, err = f.svc.ConfirmCardPayment(f.ctx, ended.ID, "pi_ended", ended.TotalCents, "eur")
		if err != nil || got.Status != ticketing.OrderRefundDue || got.Note != "the payment arrived after the performance ended" {
			t.Fatalf("a payment a day after the performance: %+v %v", got, err)
		}
		for _, who := range []int{1, 2} {
			if ts, _ := f.svc.MyTickets(f.ctx, citizen(who)); len(ts) != 0 {
				t.Fatalf("citizen %d got %d tickets", who, len(ts))
			}
		}
		f.ledgerOK()
	})
}
