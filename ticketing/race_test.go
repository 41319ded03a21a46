package ticketing_test

import (
	"context"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"cityhub/apperr"
	"cityhub/identity"
	"cityhub/qrtoken"
	"cityhub/store"
	"cityhub/store/storetest"
	"cityhub/ticketing"
	"cityhub/wallet"
)

// race runs fn(i) for i in 0..n-1 on goroutines that all wait at one gate
// and then start together; at most width run at once (the pool of
// database connections is smaller than n anyway).
func race(n, width int, fn func(i int)) {
	gate := make(chan struct{})
	sem := make(chan struct{}, width)
	var wg sync.WaitGroup
	for i := range n {
		wg.Add(1)
		go func() {
			defer wg.Done()
			<-gate
			sem <- struct{}{}
			defer func() { <-sem }()
			fn(i)
		}()
	}
	close(gate)
	wg.Wait()
}

// A hundred buyers for the last seat: exactly one ticket, everyone else a
// clean Conflict, the money of one sale in the ledger.
//
// A hundred is enough to race: 64 of them leave the gate together, four
// times the PostgreSQL pool's 16 connections, so every connection is busy
// on the seat at once and the rest queue behind them; once one sale commits
// each later buyer only meets a sold seat. (It was a thousand, 47 s, most of
// it opening and funding the buyers' accounts and the 900 that came after
// the race was decided.)
func TestHundredBuyersForTheLastSeat(t *testing.T) {
	t.Parallel()
	storetest.Each(t, func(t *testing.T, db store.DB) {
		f := newFixture(t, db)
		v := f.venue("Teatro Romano", 2)
		p := f.performance(v.ID)
		// Every seat but A/1 is sold already.
		f.credit(100_00, citizen(9999))
		f.buy(citizen(9999), p.ID, "Platea/A/2", "Platea/B/1", "Platea/B/2")
		const buyers = 100
		who := make([]identity.Caller, buyers)
		for i := range who {
			who[i] = citizen(i)
		}
		f.credit(50_00, who...)
		last := "Platea/A/1"
		var won, conflicts atomic.Int64
		var other sync.Map
		race(buyers, 64, func(i int) {
			o, err := f.svc.Hold(f.ctx, who[i], p.ID, []string{last})
			if err == nil {
				_, err = f.svc.PayWithWallet(f.ctx, who[i], o.ID)
			}
			switch {
			case err == nil:
				won.Add(1)
			case apperr.Has(err, apperr.Conflict):
				conflicts.Add(1)
			default:
				other.Store(i, err)
			}
		})
		other.Range(func(k, v any) bool { t.Errorf("buyer %v: %v", k, v); return true })
		if won.Load() != 1 || conflicts.Load() != buyers-1 {
			t.Fatalf("%d buyers won and %d got a conflict, want 1 and %d", won.Load(), conflicts.Load(), buyers-1)
		}
		st, err := f.svc.Stats(f.ctx, admin, p.ID)
		if err != nil {
			t.Fatal(err)
		}
		if st.Sold != 4 || st.Seats != 4 || st.RevenueCents != 2*2500+2*1500 {
			t.Fatalf("stats %+v", st)
		}
		if got := f.balance(wallet.RevenueTheatre); got != 2*2500+2*1500 {
			t.Fatalf("theatre revenue %d", got)
		}
		f.ledgerOK()
		av, err := f.svc.Availability(f.ctx, p.ID)
		if err != nil {
			t.Fatal(err)
		}
		if av.Free != 0 {
			t.Fatalf("%d seats free after the sell-out", av.Free)
		}
	})
}

// The card payment of one order confirmed by many webhook deliveries at
// once issues its tickets once and records the money once.
func TestConcurrentCardConfirmationsIssueOnce(t *testing.T) {
	t.Parallel()
	storetest.Each(t, func(t *testing.T, db store.DB) {
		f := newFixture(t, db)
		v := f.venue("Teatro Massimo", 4)
		p := f.performance(v.ID)
		buyer := citizen(1)
		o, err := f.svc.Hold(f.ctx, buyer, p.ID, []string{"Platea/A/1", "Platea/B/1"})
		if err != nil {
			t.Fatal(err)
		}
		if _, err := f.svc.AttachPayment(f.ctx, buyer, o.ID, "pi_test_1"); err != nil {
			t.Fatal(err)
		}
		var firsts, replays atomic.Int64
		race(20, 20, func(int) {
			got, replayed, err := f.svc.ConfirmCardPayment(f.ctx, o.ID, "pi_test_1", 4000, "eur")
			if err != nil {
				t.Errorf("confirm: %v", err)
				return
			}
			if got.Status != ticketing.OrderPaid {
				t.Errorf("order %s", got.Status)
			}
			if replayed {
				replays.Add(1)
			} else {
				firsts.Add(1)
			}
		})
		if firsts.Load() != 1 || replays.Load() != 19 {
			t.Fatalf("%d first confirmations and %d replays", firsts.Load(), replays.Load())
		}
		ts, err := f.svc.MyTickets(f.ctx, buyer)
		if err != nil {
			t.Fatal(err)
		}
		if len(ts) != 2 {
			t.Fatalf("%d tickets, want 2", len(ts))
		}
		if got := f.balance(wallet.StripeClearing); got != -4000 {
			t.Fatalf("stripe clearing %d, want -4000", got)
		}
		if got := f.balance(wallet.RevenueTheatre); got != 4000 {
			t.Fatalf("theatre revenue %d, want 4000", got)
		}
		f.ledgerOK()
	})
}

// Two door scanners reading the same ticket at once: one checks it in, the
// other is told when.
func TestConcurrentCheckInOneWins(t *testing.T) {
	t.Parallel()
	storetest.Each(t, func(t *testing.T, db store.DB) {
		f := newFixture(t, db)
		v := f.venue("Teatro Comunale", 2)
		p := f.performance(v.ID)
		buyer := citizen(1)
		f.credit(100_00, buyer)
		_, ts := f.buy(buyer, p.ID, "Platea/A/1")
		f.atTheDoor(p)
		tok, err := f.svc.FreshToken(f.ctx, buyer, ts[0].ID)
		if err != nil {
			t.Fatal(err)
		}
		staff := door(v.ID)
		var ok, already atomic.Int64
		race(8, 8, func(i int) {
			code := tok.Token
			if i%2 == 1 {
				code = ts[0].TypedCode
			}
			_, err := f.svc.CheckIn(f.ctx, staff, p.ID, code)
			switch {
			case err == nil:
				ok.Add(1)
			case apperr.ReasonOf(err) == "already_checked_in":
				already.Add(1)
			default:
				t.Errorf("check in: %v", err)
			}
		})
		if ok.Load() != 1 || already.Load() != 7 {
			t.Fatalf("%d check-ins and %d already-checked-in answers", ok.Load(), already.Load())
		}
		_, err = f.svc.CheckIn(f.ctx, staff, p.ID, tok.Token)
		want := "Already checked in at " + f.clock.Now().In(f.svc.Zone()).Format("15:04") + "."
		if apperr.MessageOf(err) != want {
			t.Fatalf("second scan says %q, want %q", apperr.MessageOf(err), want)
		}
		if _, err := f.svc.FreshToken(f.ctx, buyer, ts[0].ID); !apperr.Has(err, apperr.Conflict) {
			t.Fatalf("fresh token for a used ticket: %v", err)
		}
	})
}

func TestCheckInRefusals(t *testing.T) {
	t.Parallel()
	storetest.Each(t, func(t *testing.T, db store.DB) {
		f := newFixture(t, db)
		va := f.venue("Teatro A", 2)
		vb := f.venue("Teatro B", 2)
		p := f.performance(va.ID)
		buyer := citizen(1)
		f.credit(100_00, buyer)
		_, ts := f.buy(buyer, p.ID, "Platea/A/1")
		f.atTheDoor(p)
		tok, err := f.svc.FreshToken(f.ctx, buyer, ts[0].ID)
		if err != nil {
			t.Fatal(err)
		}
		// Door staff of venue B cannot check in a ticket of venue A, nor
		// choose venue A's performance.
		pb := f.performance(vb.ID)
		if _, err := f.svc.CheckIn(f.ctx, door(vb.ID), pb.ID, tok.Token); apperr.ReasonOf(err) != "not_your_venue" {
			t.Fatalf("venue B's door: %v", err)
		}
		if _, err := f.svc.CheckIn(f.ctx, door(vb.ID), pb.ID, ts[0].TypedCode); !apperr.Has(err, apperr.Forbidden) {
			t.Fatalf("venue B's door, typed code: %v", err)
		}
		if _, err := f.svc.CheckIn(f.ctx, door(vb.ID), p.ID, tok.Token); apperr.ReasonOf(err) != "not_your_performance" {
			t.Fatalf("venue B's door choosing venue A's performance: %v", err)
		}
		if _, err := f.svc.CheckIn(f.ctx, door(va.ID), "", tok.Token); apperr.ReasonOf(err) != "performance_missing" {
			t.Fatalf("no performance chosen: %v", err)
		}
		if _, err := f.svc.CheckIn(f.ctx, door(va.ID), "prf_nope", tok.Token); apperr.ReasonOf(err) != "performance_not_found" {
			t.Fatalf("unknown performance: %v", err)
		}
		// A citizen is not door staff.
		if _, err := f.svc.CheckIn(f.ctx, buyer, p.ID, tok.Token); !apperr.Has(err, apperr.Forbidden) {
			t.Fatalf("citizen at the door: %v", err)
		}
		// A forged token: signed by a key the hub does not know.
		other := qrtoken.NewMemKeys()
		other.Generate("qr-test", qrtoken.Purpose)
		forged, err := qrtoken.Sign(other, qrtoken.KindTicket, ts[0].ID, start.Add(time.Minute))
		if err != nil {
			t.Fatal(err)
		}
		if _, err := f.svc.CheckIn(f.ctx, door(va.ID), p.ID, forged); apperr.ReasonOf(err) != "qr_invalid" {
			t.Fatalf("forged token: %v", err)
		}
		// A voucher token for the ticket's id is of the wrong kind.
		wrongKind, _ := qrtoken.Sign(f.keys, qrtoken.KindVoucher, ts[0].ID, start.Add(time.Minute))
		if _, err := f.svc.CheckIn(f.ctx, door(va.ID), p.ID, wrongKind); apperr.ReasonOf(err) != "qr_invalid" {
			t.Fatalf("voucher token: %v", err)
		}
		// A typed code that is no ticket's.
		code, _ := qrtoken.NewCode()
		if _, err := f.svc.CheckIn(f.ctx, door(va.ID), p.ID, code); !apperr.Has(err, apperr.NotFound) {
			t.Fatalf("unknown code: %v", err)
		}
		if _, err := f.svc.CheckIn(f.ctx, door(va.ID), p.ID, "not a code"); !apperr.Has(err, apperr.Invalid) {
			t.Fatalf("malformed code: %v", err)
		}
		// The genuine token, after it expired.
		f.clock.Advance(qrtoken.RotatingTTL + ticketing.TokenLeeway + time.Second)
		if _, err := f.svc.CheckIn(f.ctx, door(va.ID), p.ID, tok.Token); apperr.ReasonOf(err) != "qr_expired" {
			t.Fatalf("expired token: %v", err)
		}
		// Nothing of the above checked the ticket in.
		vt, err := f.svc.VerifyTicket(f.ctx, door(va.ID), p.ID, ts[0].TypedCode)
		if err != nil || vt.Status != ticketing.TicketValid {
			t.Fatalf("ticket after refusals: %+v %v", vt, err)
		}
		if vt.TypedCode != "" {
			t.Fatal("door staff see the typed code")
		}
		res, err := f.svc.CheckIn(f.ctx, door(va.ID), p.ID, ts[0].TypedCode)
		if err != nil || res.Ticket.Status != ticketing.TicketCheckedIn {
			t.Fatalf("check in: %+v %v", res, err)
		}
	})
}

// A card payment that arrives after the hold expired and the seat was sold
// to someone else issues nothing: the order is marked for refund and the
// seat stays with its buyer.
func TestLateCardPaymentAfterSeatSoldElsewhere(t *testing.T) {
	t.Parallel()
	storetest.Each(t, func(t *testing.T, db store.DB) {
		f := newFixture(t, db)
		v := f.venue("Teatro Verdi", 2)
		p := f.performance(v.ID)
		slow, fast := citizen(1), citizen(2)
		o, err := f.svc.Hold(f.ctx, slow, p.ID, []string{"Platea/A/1"})
		if err != nil {
			t.Fatal(err)
		}
		if _, err := f.svc.CardPayable(f.ctx, slow, o.ID); err != nil {
			t.Fatal(err)
		}
		if _, err := f.svc.AttachPayment(f.ctx, slow, o.ID, "pi_slow"); err != nil {
			t.Fatal(err)
		}
		// While held, nobody else gets the seat.
		if _, err := f.svc.Hold(f.ctx, fast, p.ID, []string{"Platea/A/1"}); apperr.ReasonOf(err) != "seat_taken" {
			t.Fatalf("hold of a held seat: %v", err)
		}
		f.clock.Advance(ticketing.HoldTTL + time.Second)
		f.credit(100_00, fast)
		f.buy(fast, p.ID, "Platea/A/1")
		got, replayed, err := f.svc.ConfirmCardPayment(f.ctx, o.ID, "pi_slow", 2500, "eur")
		if err != nil || replayed {
			t.Fatalf("late confirmation: %v (replayed %v)", err, replayed)
		}
		if got.Status != ticketing.OrderRefundDue || got.Note == "" {
			t.Fatalf("late order %+v", got)
		}
		if ts, _ := f.svc.MyTickets(f.ctx, slow); len(ts) != 0 {
			t.Fatalf("the late buyer got %d tickets", len(ts))
		}
		// Delivered again: still one refund due, nothing issued.
		if got, replayed, err = f.svc.ConfirmCardPayment(f.ctx, o.ID, "pi_slow", 2500, "eur"); err != nil || !replayed || got.Status != ticketing.OrderRefundDue {
			t.Fatalf("redelivery: %+v %v %v", got, replayed, err)
		}
		st, _ := f.svc.Stats(f.ctx, admin, p.ID)
		if st.Sold != 1 || st.RefundsDue != 1 {
			t.Fatalf("stats %+v", st)
		}
		if got := f.balance(wallet.StripeClearing); got != 0 {
			t.Fatalf("stripe clearing %d: the refused payment was booked", got)
		}
		// The administrator closes it.
		if got, err = f.svc.RefundOrder(f.ctx, admin, o.ID); err != nil || got.Status != ticketing.OrderRefunded {
			t.Fatalf("refund: %+v %v", got, err)
		}
		f.ledgerOK()
	})
}

// A late card payment whose seats nobody took still issues the tickets.
func TestLateCardPaymentSeatsStillFree(t *testing.T) {
	t.Parallel()
	storetest.Each(t, func(t *testing.T, db store.DB) {
		f := newFixture(t, db)
		v := f.venue("Teatro Verdi", 2)
		p := f.performance(v.ID)
		buyer := citizen(1)
		o, err := f.svc.Hold(f.ctx, buyer, p.ID, []string{"Platea/B/2"})
		if err != nil {
			t.Fatal(err)
		}
		if _, err := f.svc.AttachPayment(f.ctx, buyer, o.ID, "pi_late"); err != nil {
			t.Fatal(err)
		}
		f.clock.Advance(ticketing.HoldTTL + time.Minute)
		if _, err := f.svc.CardPayable(f.ctx, buyer, o.ID); apperr.ReasonOf(err) != "hold_expired" {
			t.Fatalf("card payment of an expired hold: %v", err)
		}
		got, _, err := f.svc.ConfirmCardPayment(f.ctx, o.ID, "pi_late", 1500, "eur")
		if err != nil || got.Status != ticketing.OrderPaid {
			t.Fatalf("late confirmation: %+v %v", got, err)
		}
		if _, _, err := f.svc.ConfirmCardPayment(f.ctx, o.ID, "pi_other", 1500, "eur"); !apperr.Has(err, apperr.Invalid) {
			t.Fatalf("another payment for the order: %v", err)
		}
		f.ledgerOK()
	})
}

// An expired hold releases its seats to the next buyer.
func TestExpiredHoldReleasesSeats(t *testing.T) {
	t.Parallel()
	storetest.Each(t, func(t *testing.T, db store.DB) {
		f := newFixture(t, db)
		v := f.venue("Teatro Verdi", 2)
		p := f.performance(v.ID)
		a, b := citizen(1), citizen(2)
		f.credit(100_00, a, b)
		oa, err := f.svc.Hold(f.ctx, a, p.ID, []string{"Platea/A/1", "Platea/A/2"})
		if err != nil {
			t.Fatal(err)
		}
		av, _ := f.svc.Availability(f.ctx, p.ID)
		if av.Free != 2 {
			t.Fatalf("%d free while two are held", av.Free)
		}
		f.clock.Advance(ticketing.HoldTTL)
		if av, _ = f.svc.Availability(f.ctx, p.ID); av.Free != 4 {
			t.Fatalf("%d free after the hold expired", av.Free)
		}
		f.buy(b, p.ID, "Platea/A/2")
		if _, err := f.svc.PayWithWallet(f.ctx, a, oa.ID); apperr.ReasonOf(err) != "hold_lost" {
			t.Fatalf("paying a lost hold: %v", err)
		}
		if got := f.balance(wallet.CitizenAccount(a.AccountID)); got != 100_00 {
			t.Fatalf("the loser was charged: %d", got)
		}
		f.ledgerOK()
	})
}

// An administrator's refund reverses the ledger exactly once and frees the seats.
func TestRefundReversesOnce(t *testing.T) {
	t.Parallel()
	storetest.Each(t, func(t *testing.T, db store.DB) {
		f := newFixture(t, db)
		v := f.venue("Teatro Verdi", 2)
		p := f.performance(v.ID)
		buyer := citizen(1)
		f.credit(100_00, buyer)
		o, _ := f.buy(buyer, p.ID, "Platea/A/1", "Platea/A/2")
		if got := f.balance(wallet.CitizenAccount(buyer.AccountID)); got != 100_00-5000 {
			t.Fatalf("balance after purchase %d", got)
		}
		if _, err := f.svc.RefundOrder(f.ctx, buyer, o.ID); !apperr.Has(err, apperr.Forbidden) {
			t.Fatalf("citizen refund: %v", err)
		}
		race(10, 10, func(int) {
			if _, err := f.svc.RefundOrder(f.ctx, admin, o.ID); err != nil {
				t.Errorf("refund: %v", err)
			}
		})
		if got := f.balance(wallet.CitizenAccount(buyer.AccountID)); got != 100_00 {
			t.Fatalf("balance after refunds %d", got)
		}
		if got := f.balance(wallet.RevenueTheatre); got != 0 {
			t.Fatalf("revenue after refund %d", got)
		}
		ts, _ := f.svc.MyTickets(f.ctx, buyer)
		for _, tk := range ts {
			if tk.Status != ticketing.TicketCancelled {
				t.Fatalf("ticket %s after refund", tk.Status)
			}
		}
		f.credit(100_00, citizen(2))
		f.buy(citizen(2), p.ID, "Platea/A/1")
		f.ledgerOK()
	})
}

func TestRefundRefusedAfterCheckIn(t *testing.T) {
	t.Parallel()
	storetest.Each(t, func(t *testing.T, db store.DB) {
		f := newFixture(t, db)
		v := f.venue("Teatro Verdi", 2)
		p := f.performance(v.ID)
		buyer := citizen(1)
		f.credit(100_00, buyer)
		o, ts := f.buy(buyer, p.ID, "Platea/A/1")
		f.atTheDoor(p)
		if _, err := f.svc.CheckIn(f.ctx, door(v.ID), p.ID, ts[0].TypedCode); err != nil {
			t.Fatal(err)
		}
		if _, err := f.svc.RefundOrder(f.ctx, admin, o.ID); apperr.ReasonOf(err) != "ticket_used" {
			t.Fatalf("refund of a used ticket: %v", err)
		}
	})
}

// Guessing typed codes at the door is limited per staff account, in the
// database; scanned tokens still work.
func TestTypedCodeGuessingIsLimited(t *testing.T) {
	t.Parallel()
	storetest.Each(t, func(t *testing.T, db store.DB) {
		f := newFixture(t, db)
		v := f.venue("Teatro Verdi", 2)
		p := f.performance(v.ID)
		buyer := citizen(1)
		f.credit(100_00, buyer)
		_, ts := f.buy(buyer, p.ID, "Platea/A/1")
		f.atTheDoor(p)
		staff := door(v.ID)
		race(ticketing.MaxCodeFailures, 4, func(int) {
			code, _ := qrtoken.NewCode()
			if _, err := f.svc.CheckIn(f.ctx, staff, p.ID, code); apperr.ReasonOf(err) != "code_unknown" {
				t.Errorf("wrong code: %v", err)
			}
		})
		if _, err := f.svc.CheckIn(f.ctx, staff, p.ID, ts[0].TypedCode); !apperr.Has(err, apperr.RateLimited) {
			t.Fatalf("after %d wrong codes: %v", ticketing.MaxCodeFailures, err)
		}
		tok, err := f.svc.FreshToken(f.ctx, buyer, ts[0].ID)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := f.svc.CheckIn(f.ctx, staff, p.ID, tok.Token); err != nil {
			t.Fatalf("scanned token while typing is limited: %v", err)
		}
		f.clock.Advance(ticketing.CodeFailureWindow + time.Second)
		if _, err := f.svc.CheckIn(f.ctx, door(v.ID), p.ID, ts[0].TypedCode); apperr.ReasonOf(err) != "already_checked_in" {
			t.Fatalf("after the window: %v", err)
		}
	})
}

// A hold retried with the client's key, even several times at once, holds
// the seats once and answers the same order.
func TestHoldRetriedWithKeyHoldsOnce(t *testing.T) {
	t.Parallel()
	storetest.Each(t, func(t *testing.T, db store.DB) {
		f := newFixture(t, db)
		v := f.venue("Teatro Verdi", 2)
		p := f.performance(v.ID)
		buyer := citizen(1)
		var mu sync.Mutex
		orders := map[string]int{}
		var firsts atomic.Int64
		race(8, 8, func(int) {
			o, replayed, err := f.svc.HoldWithKey(f.ctx, buyer, p.ID, []string{"Platea/A/1", "Platea/A/2"}, "hold-key-1")
			if err != nil {
				t.Errorf("hold: %v", err)
				return
			}
			if !replayed {
				firsts.Add(1)
			}
			mu.Lock()
			orders[o.ID]++
			mu.Unlock()
		})
		if firsts.Load() != 1 || len(orders) != 1 {
			t.Fatalf("%d first answers, orders %v", firsts.Load(), orders)
		}
		if _, _, err := f.svc.HoldWithKey(f.ctx, buyer, p.ID, []string{"Platea/B/1"}, "hold-key-1"); apperr.ReasonOf(err) != "idempotency_key_reused" {
			t.Fatalf("key reused for other seats: %v", err)
		}
		if av, _ := f.svc.Availability(f.ctx, p.ID); av.Free != 2 {
			t.Fatalf("%d seats free, want 2", av.Free)
		}
	})
}

// Cancelling a performance refunds every paid order in one go (credit back
// to the wallet, card money back to Stripe clearing), releases holds, and
// a second cancel changes nothing.
func TestCancelPerformanceRefundsEveryone(t *testing.T) {
	t.Parallel()
	storetest.Each(t, func(t *testing.T, db store.DB) {
		f := newFixture(t, db)
		v := f.venue("Teatro Verdi", 3)
		p := f.performance(v.ID)
		a, b, c := citizen(1), citizen(2), citizen(3)
		f.credit(100_00, a)
		_, ts := f.buy(a, p.ID, "Platea/A/1", "Platea/A/2")
		f.atTheDoor(p)
		if _, err := f.svc.CheckIn(f.ctx, door(v.ID), p.ID, ts[0].TypedCode); err != nil {
			t.Fatal(err)
		}
		ob, err := f.svc.Hold(f.ctx, b, p.ID, []string{"Platea/B/1"})
		if err != nil {
			t.Fatal(err)
		}
		if _, err := f.svc.AttachPayment(f.ctx, b, ob.ID, "pi_b"); err != nil {
			t.Fatal(err)
		}
		if _, _, err := f.svc.ConfirmCardPayment(f.ctx, ob.ID, "pi_b", 1500, "eur"); err != nil {
			t.Fatal(err)
		}
		oc, err := f.svc.Hold(f.ctx, c, p.ID, []string{"Platea/A/3"})
		if err != nil {
			t.Fatal(err)
		}
		for range 2 {
			if _, err := f.svc.CancelPerformance(f.ctx, admin, p.ID); err != nil {
				t.Fatal(err)
			}
		}
		for id, want := range map[wallet.AccountID]int64{wallet.CitizenAccount(a.AccountID): 100_00, wallet.StripeClearing: 0, wallet.RevenueTheatre: 0} {
			if got := f.balance(id); got != want {
				t.Fatalf("%s: %d, want %d", id, got, want)
			}
		}
		for _, who := range []identity.Caller{a, b} {
			ts, _ := f.svc.MyTickets(f.ctx, who)
			for _, tk := range ts {
				if tk.Status != ticketing.TicketCancelled {
					t.Fatalf("ticket %s after the cancellation", tk.Status)
				}
			}
		}
		if o, _ := f.svc.Order(f.ctx, c, oc.ID); o.Status != ticketing.OrderCancelled {
			t.Fatalf("hold after the cancellation: %s", o.Status)
		}
		if st, _ := f.svc.Stats(f.ctx, admin, p.ID); st.Sold != 0 || st.Held != 0 {
			t.Fatalf("stats %+v", st)
		}
		f.ledgerOK()
	})
}

// A card payment that arrives after its performance was cancelled issues
// nothing and is marked for refund.
func TestCardPaymentAfterCancellation(t *testing.T) {
	t.Parallel()
	storetest.Each(t, func(t *testing.T, db store.DB) {
		f := newFixture(t, db)
		v := f.venue("Teatro Verdi", 2)
		p := f.performance(v.ID)
		buyer := citizen(1)
		o, err := f.svc.Hold(f.ctx, buyer, p.ID, []string{"Platea/A/1"})
		if err != nil {
			t.Fatal(err)
		}
		if _, err := f.svc.AttachPayment(f.ctx, buyer, o.ID, "pi_1"); err != nil {
			t.Fatal(err)
		}
		if _, err := f.svc.CancelPerformance(f.ctx, admin, p.ID); err != nil {
			t.Fatal(err)
		}
		if _, err := f.svc.CardPayable(f.ctx, buyer, o.ID); !apperr.Has(err, apperr.Conflict) {
			t.Fatalf("card payment of a cancelled show: %v", err)
		}
		got, _, err := f.svc.ConfirmCardPayment(f.ctx, o.ID, "pi_1", 2500, "eur")
		if err != nil || got.Status != ticketing.OrderRefundDue {
			t.Fatalf("payment after the cancellation: %+v %v", got, err)
		}
		if ts, _ := f.svc.MyTickets(f.ctx, buyer); len(ts) != 0 {
			t.Fatalf("%d tickets for a cancelled show", len(ts))
		}
		f.ledgerOK()
	})
}

// holdingStore stops the first hold written through it after it has marked
// its seats (just before it records the order) until proceed is closed.
type holdingStore struct {
	ticketing.Store
	reached, proceed chan struct{}
	once             sync.Once
}

func (s *holdingStore) InTx(ctx context.Context, fn func(ticketing.Tx) error) error {
	return s.Store.InTx(ctx, func(tx ticketing.Tx) error { return fn(holdingTx{tx, s}) })
}

type holdingTx struct {
	ticketing.Tx
	s *holdingStore
}

func (h holdingTx) InsertOrder(ctx context.Context, o ticketing.Order) error {
	h.s.once.Do(func() { close(h.s.reached); <-h.s.proceed })
	return h.Tx.InsertOrder(ctx, o)
}

// TestLoserToldWhileWinnerInFlight holds one buyer's hold open half-way and
// lets a second buyer ask for the same seat: the second is answered
// seat_taken at once, while the first has not committed (it used to wait for
// the first one's commit, so in a rush every loser queued behind a winner).
// The first then gets the seat.
func TestLoserToldWhileWinnerInFlight(t *testing.T) {
	t.Parallel()
	db := storetest.OpenPostgres(t) // SQLite's single writer makes the second wait by design
	f := newFixture(t, db)
	v := f.venue("Teatro Romano", 2)
	p := f.performance(v.ID)
	hs := &holdingStore{Store: db.Ticketing(), reached: make(chan struct{}), proceed: make(chan struct{})}
	first := ticketing.NewService(hs, f.keys, storetest.Logger(t))
	first.SetClock(f.clock.Now)
	held := make(chan error, 1)
	go func() {
		_, err := first.Hold(f.ctx, citizen(1), p.ID, []string{"Platea/A/1"})
		held <- err
	}()
	select {
	case <-hs.reached:
	case err := <-held:
		t.Fatalf("the first hold ended before it was stopped: %v", err)
	}
	_, err := f.svc.Hold(f.ctx, citizen(2), p.ID, []string{"Platea/A/1"})
	close(hs.proceed)
	if apperr.ReasonOf(err) != "seat_taken" {
		t.Fatalf("second buyer: %v, want seat_taken", err)
	}
	if err := <-held; err != nil {
		t.Fatalf("first buyer: %v", err)
	}
}
