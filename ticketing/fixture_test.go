package ticketing_test

import (
	"context"
	"fmt"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"cityhub/audit"
	"cityhub/identity"
	"cityhub/qrtoken"
	"cityhub/store"
	"cityhub/store/storetest"
	"cityhub/ticketing"
	"cityhub/wallet"
)

// start is a fixed "now" for the tests: an evening in Rome.
var start = time.Date(2026, 11, 20, 17, 0, 0, 0, time.UTC)

type clock struct{ us atomic.Int64 }

func newClock(t time.Time) *clock { c := &clock{}; c.us.Store(t.UnixMicro()); return c }

func (c *clock) Now() time.Time          { return time.UnixMicro(c.us.Load()).UTC() }
func (c *clock) Advance(d time.Duration) { c.us.Add(d.Microseconds()) }
func (c *clock) Set(t time.Time)         { c.us.Store(t.UnixMicro()) }

var admin = identity.Caller{AccountID: "acc_admin", Grants: []identity.Grant{{Role: identity.RoleAdmin}}}

func citizen(n int) identity.Caller {
	return identity.Caller{AccountID: fmt.Sprintf("acc_buyer%04d", n), Grants: []identity.Grant{{Role: identity.RoleCitizen}}}
}

func door(venueID string) identity.Caller {
	return identity.Caller{AccountID: "acc_door_" + venueID, Grants: []identity.Grant{{Role: identity.RoleDoor, Scope: venueID}}}
}

type fixture struct {
	t      *testing.T
	ctx    context.Context
	db     store.DB
	svc    *ticketing.Service
	wallet *wallet.Service
	keys   *qrtoken.MemKeys
	clock  *clock
}

func newFixture(t *testing.T, db store.DB) *fixture {
	t.Helper()
	keys := qrtoken.NewMemKeys()
	keys.Generate("qr-test", qrtoken.Purpose)
	svc := ticketing.NewService(db.Ticketing(), keys, storetest.Logger(t))
	c := newClock(start)
	svc.SetClock(c.Now)
	ctx := audit.WithOrigin(context.Background(), audit.Origin{IP: "192.0.2.9", Device: "door-1"})
	w := wallet.NewService(db.Wallet(), storetest.Logger(t))
	if err := w.Setup(ctx); err != nil {
		t.Fatalf("wallet setup: %v", err)
	}
	return &fixture{t: t, ctx: ctx, db: db, svc: svc, wallet: w, keys: keys, clock: c}
}

// venue creates a venue with rows A and B of n seats: A is "stalls", B "balcony".
func (f *fixture) venue(name string, n int) ticketing.Venue {
	f.t.Helper()
	v, err := f.svc.CreateVenue(f.ctx, admin, ticketing.Venue{Name: name, Address: "Piazza Castello 1, Benevento"})
	if err != nil {
		f.t.Fatalf("create venue: %v", err)
	}
	_, err = f.svc.SetSeatMap(f.ctx, admin, v.ID, ticketing.SeatMap{Sections: []ticketing.Section{{Name: "Platea", Rows: []ticketing.SeatRow{
		{Name: "A", From: 1, To: n, Category: "stalls"}, {Name: "B", From: 1, To: n, Category: "balcony"},
	}}}})
	if err != nil {
		f.t.Fatalf("seat map: %v", err)
	}
	return v
}

func (f *fixture) performance(venueID string) ticketing.Performance {
	f.t.Helper()
	p, err := f.svc.CreatePerformance(f.ctx, admin, ticketing.Performance{VenueID: venueID, Title: "La locandiera",
		StartsAt: start.Add(72 * time.Hour), Prices: map[string]int64{"stalls": 2500, "balcony": 1500},
		SalesOpen: start.Add(-time.Hour)})
	if err != nil {
		f.t.Fatalf("create performance: %v", err)
	}
	return p
}

// atTheDoor moves the clock to half an hour before p starts: its doors are
// open (tokens signed earlier have expired by then).
func (f *fixture) atTheDoor(p ticketing.Performance) {
	f.clock.Set(p.StartsAt.Add(-30 * time.Minute))
}

// credit gives each citizen cents of credit, in one transaction.
func (f *fixture) credit(cents int64, who ...identity.Caller) {
	f.t.Helper()
	err := f.db.Wallet().InTx(f.ctx, func(tx wallet.Tx) error {
		for _, c := range who {
			if err := wallet.OpenCitizen(f.ctx, tx, c.AccountID); err != nil {
				return err
			}
			if _, err := wallet.Post(f.ctx, tx, wallet.Transaction{Key: "test:credit:" + c.AccountID, Kind: "test", Entries: []wallet.Entry{
				{Account: wallet.CityFunding, Amount: -cents}, {Account: wallet.CitizenAccount(c.AccountID), Amount: cents}}}, f.clock.Now()); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		f.t.Fatalf("credit: %v", err)
	}
}

func (f *fixture) balance(id wallet.AccountID) int64 {
	f.t.Helper()
	a, err := f.wallet.Account(f.ctx, id)
	if err != nil {
		f.t.Fatalf("read account %s: %v", id, err)
	}
	return a.Balance
}

func (f *fixture) ledgerOK() {
	f.t.Helper()
	var chk wallet.LedgerCheck
	err := f.db.Wallet().View(f.ctx, func(tx wallet.Tx) error {
		var err error
		chk, err = tx.CheckLedger(f.ctx)
		return err
	})
	if err != nil {
		f.t.Fatalf("check ledger: %v", err)
	}
	if !chk.OK() {
		f.t.Fatalf("ledger unsound: %+v", chk)
	}
}

// buy holds seats and pays with credit.
func (f *fixture) buy(who identity.Caller, perfID string, seats ...string) (ticketing.Order, []ticketing.TicketView) {
	f.t.Helper()
	o, err := f.svc.Hold(f.ctx, who, perfID, seats)
	if err != nil {
		f.t.Fatalf("hold: %v", err)
	}
	if o, err = f.svc.PayWithWallet(f.ctx, who, o.ID); err != nil {
		f.t.Fatalf("pay: %v", err)
	}
	ts, err := f.svc.MyTickets(f.ctx, who)
	if err != nil {
		f.t.Fatalf("my tickets: %v", err)
	}
	return o, ts
}

// holdForCard holds seats and goes the card way as the pages do: the order
// is checked payable by card and the PaymentIntent pi is attached to it.
func (f *fixture) holdForCard(who identity.Caller, perfID, pi string, seats ...string) ticketing.Order {
	f.t.Helper()
	o, err := f.svc.Hold(f.ctx, who, perfID, seats)
	if err != nil {
		f.t.Fatalf("hold: %v", err)
	}
	if _, err := f.svc.CardPayable(f.ctx, who, o.ID); err != nil {
		f.t.Fatalf("card payable: %v", err)
	}
	if _, err := f.svc.AttachPayment(f.ctx, who, o.ID, pi); err != nil {
		f.t.Fatalf("attach payment %s: %v", pi, err)
	}
	return o
}

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

// orders lists c's orders, newest first, as one page of the most.
func (f *fixture) orders(c identity.Caller) ([]ticketing.Order, error) {
	p, err := f.svc.MyOrders(f.ctx, c, "", ticketing.MaxOrderPage)
	return p.Orders, err
}
