package ticketing_test

import (
	"context"
	"strconv"
	"sync"
	"sync/atomic"
	"testing"

	"cityhub/apperr"
	"cityhub/identity"
	"cityhub/store"
	"cityhub/store/storetest"
	"cityhub/ticketing"
	"cityhub/wallet"
)

// canceler is the card processor's side of a cancel, as the service sees
// it: it records the intents it was asked to cancel and answers refuse
// for them (nil: canceled).
type canceler struct {
	mu     sync.Mutex
	asked  []string
	refuse func(intent string) error
	// canceled, when set, hears of each cancel answered yes.
	canceled func(intent string)
}

func (c *canceler) cancel(_ context.Context, intent string) error {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.asked = append(c.asked, intent)
	if c.refuse == nil && c.canceled != nil {
		c.canceled(intent)
	}
	if c.refuse != nil {
		return c.refuse(intent)
	}
	return nil
}

func (c *canceler) calls() []string {
	c.mu.Lock()
	defer c.mu.Unlock()
	return append([]string(nil), c.asked...)
}

// newCardFixture is a fixture whose started card payments a canceler that
// says yes cancels, with a performance in a venue of two rows of two seats.
func newCardFixture(t *testing.T, db store.DB) (*fixture, *canceler, ticketing.Performance) {
	t.Helper()
	f := newFixture(t, db)
	cc := &canceler{}
	f.svc.SetCardCanceler(cc.cancel)
	return f, cc, f.performance(f.venue("Teatro Romano", 2).ID)
}

func (f *fixture) order(who int, id string) ticketing.Order {
	f.t.Helper()
	o, err := f.svc.Order(f.ctx, citizen(who), id)
	if err != nil {
		f.t.Fatalf("read order %s: %v", id, err)
	}
	return o
}

// A buyer who started paying by card and changes their mind pays with
// credit: the card payment is canceled first, then detached in the
// transaction that pays; the order is paid once, with credit, and the
// ledger balances. A confirmation of the canceled payment (which the card
// processor never sends for a canceled intent) books nothing.
func TestPayWithCreditCancelsTheStartedCardPayment(t *testing.T) {
	t.Parallel()
	storetest.Each(t, func(t *testing.T, db store.DB) {
		f, cc, p := newCardFixture(t, db)
		buyer := citizen(1)
		f.credit(100_00, buyer)
		o := f.holdForCard(buyer, p.ID, "pi_changed_mind", "Platea/A/1", "Platea/B/1")
		first := f.order(1, o.ID).CardAttemptID()

		paid, err := f.svc.PayWithWallet(f.ctx, buyer, o.ID)
		if err != nil || paid.Status != ticketing.OrderPaid || paid.Method != ticketing.PayWallet || paid.PaymentIntentID != "" {
			t.Fatalf("pay with credit after starting by card: %+v %v", paid, err)
		}
		if got := cc.calls(); len(got) != 1 || got[0] != "pi_changed_mind" {
			t.Fatalf("cancels asked: %v", got)
		}
		if now := f.order(1, o.ID); now.CardAttempt != 1 || now.CardAttemptID() == first {
			t.Fatalf("order after the cancel: attempt %d, id %q (was %q)", now.CardAttempt, now.CardAttemptID(), first)
		}
		if b := f.balance(wallet.CitizenAccount(buyer.AccountID)); b != 100_00-4000 {
			t.Fatalf("credit %d after paying 4000", b)
		}
		// Paying again answers the paid order and cancels nothing more.
		if again, err := f.svc.PayWithWallet(f.ctx, buyer, o.ID); err != nil || again.Status != ticketing.OrderPaid {
			t.Fatalf("paying again: %+v %v", again, err)
		}
		if _, _, err := f.svc.ConfirmCardPayment(f.ctx, o.ID, "pi_changed_mind", 4000, "eur"); apperr.ReasonOf(err) != "payment_mismatch" {
			t.Fatalf("confirmation of the canceled payment: %v", err)
		}
		if ts, _ := f.svc.MyTickets(f.ctx, buyer); len(ts) != 2 {
			t.Fatalf("%d tickets, want 2", len(ts))
		}
		if len(cc.calls()) != 1 {
			t.Fatalf("cancels asked: %v", cc.calls())
		}
		if c, r := f.balance(wallet.StripeClearing), f.balance(wallet.RevenueTheatre); c != 0 || r != 4000 {
			t.Fatalf("stripe clearing %d, theatre revenue %d", c, r)
		}
		f.ledgerOK()
	})
}

// Releasing the hold after starting by card cancels the card payment and
// frees the seats at once.
func TestReleaseCancelsTheStartedCardPayment(t *testing.T) {
	t.Parallel()
	storetest.Each(t, func(t *testing.T, db store.DB) {
		f, cc, p := newCardFixture(t, db)
		o := f.holdForCard(citizen(1), p.ID, "pi_let_go", "Platea/A/1")

		rel, err := f.svc.ReleaseHold(f.ctx, citizen(1), o.ID)
		if err != nil || rel.Status != ticketing.OrderCancelled || rel.PaymentIntentID != "" || rel.CardAttempt != 1 {
			t.Fatalf("release after starting by card: %+v %v", rel, err)
		}
		if got := cc.calls(); len(got) != 1 || got[0] != "pi_let_go" {
			t.Fatalf("cancels asked: %v", got)
		}
		if _, err := f.svc.Hold(f.ctx, citizen(2), p.ID, []string{"Platea/A/1"}); err != nil {
			t.Fatalf("the released seat is not free: %v", err)
		}
		f.ledgerOK()
	})
}

// Only a citizen releases a hold, and only their own: the domain refuses
// another role, whatever surface asked, and another citizen finds nothing;
// neither touches the card payment or the seats.
func TestReleaseOnlyByItsCitizen(t *testing.T) {
	t.Parallel()
	storetest.Each(t, func(t *testing.T, db store.DB) {
		f, cc, p := newCardFixture(t, db)
		o := f.holdForCard(citizen(1), p.ID, "pi_kept", "Platea/A/1")
		admin := identity.Caller{AccountID: citizen(1).AccountID, Grants: []identity.Grant{{Role: identity.RoleAdmin}}}
		if _, err := f.svc.ReleaseHold(f.ctx, admin, o.ID); !apperr.Has(err, apperr.Forbidden) {
			t.Fatalf("release by a caller without the citizen role: %v, want Forbidden", err)
		}
		if _, err := f.svc.ReleaseHold(f.ctx, citizen(2), o.ID); !apperr.Has(err, apperr.NotFound) {
			t.Fatalf("release by another citizen: %v, want NotFound", err)
		}
		if got := cc.calls(); len(got) != 0 {
			t.Fatalf("cancels asked: %v", got)
		}
		if _, err := f.svc.Hold(f.ctx, citizen(2), p.ID, []string{"Platea/A/1"}); err == nil {
			t.Fatal("the seat was freed by a refused release")
		}
	})
}

// When the card processor will not cancel (the payment succeeded or is
// being processed), paying with credit and releasing answer 409
// payment_started and change nothing; the card payment then decides. A
// processor that cannot be reached changes nothing either.
func TestRefusedCardCancelChangesNothing(t *testing.T) {
	t.Parallel()
	storetest.Each(t, func(t *testing.T, db store.DB) {
		f := newFixture(t, db)
		var down atomic.Bool
		cc := &canceler{refuse: func(string) error {
			if down.Load() {
				return apperr.E(apperr.Unavailable, "Stripe is not answering.")
			}
			return apperr.E(apperr.Conflict, "the payment has succeeded")
		}}
		f.svc.SetCardCanceler(cc.cancel)
		v := f.venue("Teatro Romano", 2)
		p := f.performance(v.ID)
		buyer := citizen(1)
		f.credit(100_00, buyer)
		o := f.holdForCard(buyer, p.ID, "pi_under_way", "Platea/A/1")
		before := f.order(1, o.ID)

		if _, err := f.svc.PayWithWallet(f.ctx, buyer, o.ID); !apperr.Has(err, apperr.Conflict) || apperr.ReasonOf(err) != "payment_started" {
			t.Fatalf("pay with credit, cancel refused: %v", err)
		}
		if _, err := f.svc.ReleaseHold(f.ctx, buyer, o.ID); !apperr.Has(err, apperr.Conflict) || apperr.ReasonOf(err) != "payment_started" {
			t.Fatalf("release, cancel refused: %v", err)
		}
		down.Store(true)
		if _, err := f.svc.PayWithWallet(f.ctx, buyer, o.ID); !apperr.Has(err, apperr.Unavailable) {
			t.Fatalf("pay with credit, Stripe down: %v", err)
		}
		if after := f.order(1, o.ID); after.Status != ticketing.OrderHeld || after.PaymentIntentID != before.PaymentIntentID ||
			after.CardAttempt != before.CardAttempt || after.Method != ticketing.PayCard {
			t.Fatalf("order changed: %+v, was %+v", after, before)
		}
		if b := f.balance(wallet.CitizenAccount(buyer.AccountID)); b != 100_00 {
			t.Fatalf("credit %d, want it untouched", b)
		}
		// The card payment decides: it issues the tickets.
		if got, _, err := f.svc.ConfirmCardPayment(f.ctx, o.ID, "pi_under_way", 2500, "eur"); err != nil || got.Status != ticketing.OrderPaid {
			t.Fatalf("the card payment after the refused cancels: %+v %v", got, err)
		}
		f.ledgerOK()
	})
}

// Paying with credit that falls short after the card payment was canceled
// still detaches it (it can never be paid), so the buyer can top up, or
// start a new card attempt: a new attempt id, whose card payment attaches;
// retrying that attempt keeps its id.
func TestNewCardAttemptAfterACancel(t *testing.T) {
	t.Parallel()
	storetest.Each(t, func(t *testing.T, db store.DB) {
		f, _, p := newCardFixture(t, db)
		buyer := citizen(1)
		o := f.holdForCard(buyer, p.ID, "pi_attempt0", "Platea/A/1")
		first := f.order(1, o.ID).CardAttemptID()
		if first != o.ID {
			t.Fatalf("first attempt id %q, want the order id", first)
		}

		if _, err := f.svc.PayWithWallet(f.ctx, buyer, o.ID); !apperr.Has(err, apperr.InsufficientFunds) {
			t.Fatalf("pay with no credit: %v", err)
		}
		now := f.order(1, o.ID)
		if now.Status != ticketing.OrderHeld || now.PaymentIntentID != "" || now.CardAttempt != 1 || now.CardAttemptID() == first {
			t.Fatalf("order after the canceled card payment and the refused credit: %+v", now)
		}
		again, err := f.svc.CardPayable(f.ctx, buyer, o.ID)
		if err != nil || again.CardAttemptID() != now.CardAttemptID() {
			t.Fatalf("card payable again: %+v %v", again, err)
		}
		for range 2 { // a retried request of the attempt attaches the same payment
			if _, err := f.svc.AttachPayment(f.ctx, buyer, o.ID, "pi_attempt1"); err != nil {
				t.Fatalf("attach the new attempt's payment: %v", err)
			}
		}
		if o2 := f.order(1, o.ID); o2.PaymentIntentID != "pi_attempt1" || o2.CardAttemptID() != now.CardAttemptID() {
			t.Fatalf("order with the new attempt: %+v", o2)
		}
		// The old payment can no longer be attached.
		if _, err := f.svc.AttachPayment(f.ctx, buyer, o.ID, "pi_attempt0"); apperr.ReasonOf(err) != "order_not_payable" {
			t.Fatalf("attach the canceled payment again: %v", err)
		}
		f.ledgerOK()
	})
}

// Paying with credit races the card payment's confirmation (the processor
// canceling nothing it confirmed is its guarantee; here the cancel is
// answered yes and the confirmation still comes, the worst case): of the
// two exactly one pays the order, and the ledger holds one sale. In odd
// rounds the confirmation starts as the cancel is answered, racing the
// transaction that detaches the payment and pays with credit.
func TestPayWithCreditRacesTheCardConfirmation(t *testing.T) {
	t.Parallel()
	storetest.Each(t, func(t *testing.T, db store.DB) {
		f := newFixture(t, db)
		cc := &canceler{}
		var signal sync.Map // intent → chan struct{} closed at its cancel
		cc.canceled = func(intent string) {
			if ch, ok := signal.Load(intent); ok {
				close(ch.(chan struct{}))
			}
		}
		f.svc.SetCardCanceler(cc.cancel)
		v := f.venue("Teatro Romano", 10)
		p := f.performance(v.ID)
		const rounds = 6
		buyers := make([]int, rounds)
		for i := range rounds {
			buyers[i] = 10 + i
			f.credit(100_00, citizen(buyers[i]))
		}
		var credits, cards int
		for i := range rounds {
			seat := "Platea/A/" + strconv.Itoa(i+1)
			o := f.holdForCard(citizen(buyers[i]), p.ID, "pi_race_"+seat, seat)
			var payErr, confirmErr error
			var confirmed ticketing.Order
			atCancel := make(chan struct{})
			if i%2 == 1 {
				signal.Store("pi_race_"+seat, atCancel)
			}
			race(2, 2, func(k int) {
				if k == 0 {
					_, payErr = f.svc.PayWithWallet(f.ctx, citizen(buyers[i]), o.ID)
				} else {
					if i%2 == 1 {
						<-atCancel
					}
					confirmed, _, confirmErr = f.svc.ConfirmCardPayment(f.ctx, o.ID, "pi_race_"+seat, 2500, "eur")
				}
			})
			got := f.order(buyers[i], o.ID)
			switch {
			case payErr == nil && got.Method == ticketing.PayWallet:
				credits++
				if apperr.ReasonOf(confirmErr) != "payment_mismatch" {
					t.Fatalf("round %d: paid with credit, the confirmation answered %+v %v", i, confirmed, confirmErr)
				}
			case confirmErr == nil && got.Method == ticketing.PayCard:
				cards++
				if apperr.ReasonOf(payErr) != "order_not_payable" && apperr.ReasonOf(payErr) != "payment_started" {
					t.Fatalf("round %d: paid by card, the credit answered %v", i, payErr)
				}
			default:
				t.Fatalf("round %d: order %+v, pay %v, confirm %v", i, got, payErr, confirmErr)
			}
			if got.Status != ticketing.OrderPaid {
				t.Fatalf("round %d: order %s", i, got.Status)
			}
			if ts, _ := f.svc.MyTickets(f.ctx, citizen(buyers[i])); len(ts) != 1 {
				t.Fatalf("round %d: %d tickets", i, len(ts))
			}
		}
		spent := int64(0)
		for _, b := range buyers {
			spent += 100_00 - f.balance(wallet.CitizenAccount(citizen(b).AccountID))
		}
		if spent != int64(credits)*2500 || f.balance(wallet.StripeClearing) != -int64(cards)*2500 ||
			f.balance(wallet.RevenueTheatre) != int64(rounds)*2500 {
			t.Fatalf("credit spent %d, clearing %d, revenue %d for %d credit and %d card sales", spent,
				f.balance(wallet.StripeClearing), f.balance(wallet.RevenueTheatre), credits, cards)
		}
		t.Logf("%d paid with credit, %d by card", credits, cards)
		f.ledgerOK()
	})
}

// After the sales closed, while the hold still runs, the card payment may
// still issue the tickets (as the hold promised) and credit may not: the
// credit is refused without canceling the card payment.
func TestCreditAfterSalesCloseKeepsTheCardPayment(t *testing.T) {
	t.Parallel()
	storetest.Each(t, func(t *testing.T, db store.DB) {
		f, cc, p := newCardFixture(t, db)
		buyer := citizen(1)
		f.credit(100_00, buyer)
		f.clock.Set(p.SalesClose.Add(-ticketing.HoldTTL / 2))
		o := f.holdForCard(buyer, p.ID, "pi_last_minute", "Platea/A/1")
		f.clock.Set(p.SalesClose.Add(ticketing.HoldTTL / 4))

		if _, err := f.svc.PayWithWallet(f.ctx, buyer, o.ID); apperr.ReasonOf(err) != "not_on_sale" {
			t.Fatalf("credit after the sales closed: %v", err)
		}
		if got := cc.calls(); len(got) != 0 {
			t.Fatalf("cancels asked: %v", got)
		}
		if got, _, err := f.svc.ConfirmCardPayment(f.ctx, o.ID, "pi_last_minute", 2500, "eur"); err != nil || got.Status != ticketing.OrderPaid {
			t.Fatalf("the card payment within its hold: %+v %v", got, err)
		}
		f.ledgerOK()
	})
}

// A card payment canceled at the processor whose detach was cut short (the
// order still holds it) is taken off the order once the processor confirms
// it canceled, which starts a new attempt; a refused cancel changes
// nothing, and an intent the order does not hold is left alone.
func TestDropCanceledPayment(t *testing.T) {
	t.Parallel()
	storetest.Each(t, func(t *testing.T, db store.DB) {
		f := newFixture(t, db)
		refuse := false
		cc := &canceler{refuse: func(string) error {
			if refuse {
				return apperr.E(apperr.Conflict, "the payment has succeeded")
			}
			return nil
		}}
		f.svc.SetCardCanceler(cc.cancel)
		v := f.venue("Teatro Romano", 2)
		p := f.performance(v.ID)
		buyer := citizen(1)
		o := f.holdForCard(buyer, p.ID, "pi_cut_short", "Platea/A/1")

		refuse = true
		if _, err := f.svc.DropCanceledPayment(f.ctx, buyer, o.ID, "pi_cut_short"); apperr.ReasonOf(err) != "payment_started" {
			t.Fatalf("drop, cancel refused: %v", err)
		}
		if now := f.order(1, o.ID); now.PaymentIntentID != "pi_cut_short" || now.CardAttempt != 0 {
			t.Fatalf("order after a refused drop: %+v", now)
		}
		refuse = false
		if got, err := f.svc.DropCanceledPayment(f.ctx, buyer, o.ID, "pi_other"); err != nil || got.PaymentIntentID != "pi_cut_short" || got.CardAttempt != 0 {
			t.Fatalf("drop of an intent the order does not hold: %+v %v", got, err)
		}
		if _, err := f.svc.DropCanceledPayment(f.ctx, citizen(2), o.ID, "pi_cut_short"); !apperr.Has(err, apperr.NotFound) {
			t.Fatalf("another citizen drops the payment: %v", err)
		}
		got, err := f.svc.DropCanceledPayment(f.ctx, buyer, o.ID, "pi_cut_short")
		if err != nil || got.Status != ticketing.OrderHeld || got.PaymentIntentID != "" || got.CardAttempt != 1 {
			t.Fatalf("drop: %+v %v", got, err)
		}
		if _, err := f.svc.AttachPayment(f.ctx, buyer, o.ID, "pi_next"); err != nil {
			t.Fatalf("attach the next attempt's payment: %v", err)
		}
		f.ledgerOK()
	})
}
