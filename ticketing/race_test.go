package ticketing_test

import (
	"context"
	"fmt"
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
		o := f.holdForCard(buyer, p.ID, "pi_test_1", "Platea/A/1", "Platea/B/1")
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

// seatTakenStore answers every hold written through it that a seat was
// taken once the hold had written its order: the claims' own uniqueness
// deciding against it after the seats looked free.
type seatTakenStore struct{ ticketing.Store }

func (s seatTakenStore) InTx(ctx context.Context, fn func(ticketing.Tx) error) error {
	return s.Store.InTx(ctx, func(tx ticketing.Tx) error { return fn(seatTakenTx{tx}) })
}

type seatTakenTx struct{ ticketing.Tx }

func (seatTakenTx) TryClaim(context.Context, ticketing.Claim) (bool, error) { return false, nil }

// A hold refused once it had written keeps nothing it wrote: its
// transaction rolls back, and its refusal is kept with its key in one of
// its own, so that a retry, once the seat is free, is refused again alike
// and holds nothing.
func TestHoldRefusedAfterItWroteKeepsOnlyItsRefusal(t *testing.T) {
	t.Parallel()
	storetest.Each(t, func(t *testing.T, db store.DB) {
		f := newFixture(t, db)
		v := f.venue("Teatro Massimo", 2)
		p := f.performance(v.ID)
		buyer := citizen(1)
		taken := ticketing.NewService(seatTakenStore{db.Ticketing()}, f.keys, storetest.Logger(t))
		taken.SetClock(f.clock.Now)
		_, replayed, err := taken.HoldWithKey(f.ctx, buyer, p.ID, []string{"Platea/A/1"}, "late-1")
		if apperr.ReasonOf(err) != "seat_taken" || replayed {
			t.Fatalf("hold refused after it wrote: %v, replayed %v", err, replayed)
		}
		if _, err := taken.Hold(f.ctx, buyer, p.ID, []string{"Platea/A/1"}); apperr.ReasonOf(err) != "seat_taken" {
			t.Fatalf("the same without a key: %v", err)
		}
		_, replayed, err = f.svc.HoldWithKey(f.ctx, buyer, p.ID, []string{"Platea/A/1"}, "late-1")
		if apperr.ReasonOf(err) != "seat_taken" || !replayed {
			t.Fatalf("retry of the refused hold: %v, replayed %v", err, replayed)
		}
		orders, err := f.orders(buyer)
		if err != nil || len(orders) != 0 {
			t.Fatalf("the refused holds left %d orders (%v)", len(orders), err)
		}
		if av, _ := f.svc.Availability(f.ctx, p.ID); av.Free != len(av.Seats) {
			t.Fatalf("%d of %d seats free, want all", av.Free, len(av.Seats))
		}
		if _, replayed, err := f.svc.HoldWithKey(f.ctx, buyer, p.ID, []string{"Platea/A/1"}, "late-2"); err != nil || replayed {
			t.Fatalf("a new key: %v, replayed %v", err, replayed)
		}
	})
}

// A seat claimed by another between a hold's reads and its COMMIT fails
// the claims that ride with the COMMIT, and with them the whole hold; the
// hold then runs again, reading the seats anew and claiming them one by
// one, and is refused as a hold whose seat is taken.
// Nothing of it stays, its refusal is kept with its key, and the rival
// keeps the seat. (PostgreSQL: the embedded engine writes one transaction
// at a time, so nothing can come between.)
func TestHoldSeatTakenAtCommit(t *testing.T) {
	t.Parallel()
	db := storetest.OpenPostgres(t)
	f := newFixture(t, db)
	v := f.venue("Teatro Massimo", 2)
	p := f.performance(v.ID)
	buyer, rival := citizen(1), citizen(2)
	var rivals, rivalOrders atomic.Int32
	var rivalOrder ticketing.Order
	store := hookedStore{Store: db.Ticketing(), claiming: func(c ticketing.Claim) {
		n := rivals.Add(1)
		if n > 1 {
			return
		}
		// As a payment claims again the seat of its own expired hold: no
		// hold's try-lock is asked for.
		now := f.clock.Now()
		rivalOrder = ticketing.Order{ID: fmt.Sprint("tord_rival_", rivalOrders.Add(1)), AccountID: rival.AccountID, PerformanceID: c.PerformanceID, Status: ticketing.OrderHeld,
			Seats: []ticketing.OrderSeat{{SeatID: c.SeatID, Category: "stalls", PriceCents: 2500}}, TotalCents: 2500,
			HoldExpiresAt: now.Add(ticketing.HoldTTL), CreatedAt: now}
		err := db.Ticketing().InTx(f.ctx, func(tx ticketing.Tx) error {
			if err := tx.InsertOrder(f.ctx, rivalOrder); err != nil {
				return err
			}
			ok, err := tx.TryClaim(f.ctx, ticketing.Claim{PerformanceID: c.PerformanceID, SeatID: c.SeatID, OrderID: rivalOrder.ID,
				State: ticketing.ClaimHeld, ExpiresAt: rivalOrder.HoldExpiresAt})
			if err == nil && !ok {
				t.Errorf("the rival found seat %s claimed", c.SeatID)
			}
			return err
		})
		if err != nil {
			t.Errorf("the rival's claim: %v", err)
		}
	}}
	contested := ticketing.NewService(store, f.keys, storetest.Logger(t))
	contested.SetClock(f.clock.Now)
	_, replayed, err := contested.HoldWithKey(f.ctx, buyer, p.ID, []string{"Platea/A/1", "Platea/A/2"}, "contested-1")
	if apperr.ReasonOf(err) != "seat_taken" || replayed {
		t.Fatalf("hold whose seat was taken before its commit: %v, replayed %v", err, replayed)
	}
	if rivals.Load() != 1 {
		t.Fatalf("the hold queued its claims %d times, want once (the second run claims seat by seat)", rivals.Load())
	}
	_, replayed, err = f.svc.HoldWithKey(f.ctx, buyer, p.ID, []string{"Platea/A/1", "Platea/A/2"}, "contested-1")
	if apperr.ReasonOf(err) != "seat_taken" || !replayed {
		t.Fatalf("retry of the refused hold: %v, replayed %v", err, replayed)
	}
	if orders, err := f.orders(buyer); err != nil || len(orders) != 0 {
		t.Fatalf("the refused hold left %d orders (%v)", len(orders), err)
	}
	claims, err := f.svc.Availability(f.ctx, p.ID)
	if err != nil || claims.Free != len(claims.Seats)-1 {
		t.Fatalf("%d of %d seats free, want all but the rival's (%v)", claims.Free, len(claims.Seats), err)
	}
	if orders, err := f.orders(rival); err != nil || len(orders) != 1 || orders[0].ID != rivalOrder.ID {
		t.Fatalf("the rival's orders: %+v %v", orders, err)
	}
	// The rival lets the seat go between the hold's two runs: the second
	// run, claiming seat by seat (not with the COMMIT again: the rival
	// would be asked once more), holds them all.
	second := citizen(3)
	if err := db.Ticketing().InTx(f.ctx, func(tx ticketing.Tx) error { return tx.DeleteClaims(f.ctx, rivalOrder.ID) }); err != nil {
		t.Fatal(err)
	}
	rivals.Store(0)
	letGo := false
	store.reading = func() {
		if rivals.Load() == 1 && !letGo {
			letGo = true
			if err := db.Ticketing().InTx(f.ctx, func(tx ticketing.Tx) error { return tx.DeleteClaims(f.ctx, rivalOrder.ID) }); err != nil {
				t.Errorf("the rival lets go: %v", err)
			}
		}
	}
	contested = ticketing.NewService(store, f.keys, storetest.Logger(t))
	contested.SetClock(f.clock.Now)
	held, replayed, err := contested.HoldWithKey(f.ctx, second, p.ID, []string{"Platea/A/1", "Platea/A/2"}, "contested-2")
	if err != nil || replayed || len(held.Seats) != 2 || !letGo || rivals.Load() != 1 {
		t.Fatalf("hold whose rival let go: %+v %v, replayed %v, let go %v, claims queued %d times", held, err, replayed, letGo, rivals.Load())
	}
	store.reading = nil
	contested = ticketing.NewService(store, f.keys, storetest.Logger(t))
	contested.SetClock(f.clock.Now)
	// Without a rival the same store holds both seats, its claims riding
	// with the COMMIT.
	o, err := contested.Hold(f.ctx, buyer, p.ID, []string{"Platea/B/1", "Platea/B/2"})
	if err != nil || len(o.Seats) != 2 {
		t.Fatalf("a hold nobody contests: %+v %v", o, err)
	}
	if claims, err = f.svc.Availability(f.ctx, p.ID); err != nil || claims.Free != len(claims.Seats)-4 {
		t.Fatalf("%d of %d seats free after the second hold (%v)", claims.Free, len(claims.Seats), err)
	}
}
