package ticketing_test

import (
	"testing"

	"cityhub/apperr"
	"cityhub/store"
	"cityhub/store/storetest"
	"cityhub/ticketing"
)

// The database itself refuses a second claim or a second live ticket for
// one seat of a performance, whatever the service does.
func TestStoreRefusesASeatTwice(t *testing.T) {
	t.Parallel()
	storetest.Each(t, func(t *testing.T, db store.DB) {
		f := newFixture(t, db)
		v := f.venue("Teatro Verdi", 1)
		p := f.performance(v.ID)
		a, err := f.svc.Hold(f.ctx, citizen(1), p.ID, []string{"Platea/B/1"})
		if err != nil {
			t.Fatal(err)
		}
		b, err := f.svc.Hold(f.ctx, citizen(2), p.ID, []string{"Platea/A/1"})
		if err != nil {
			t.Fatal(err)
		}
		st := db.Ticketing()
		err = st.InTx(f.ctx, func(tx ticketing.Tx) error {
			ok, err := tx.TryClaim(f.ctx, ticketing.Claim{PerformanceID: p.ID, SeatID: "Platea/A/1", OrderID: a.ID, State: ticketing.ClaimSold, ExpiresAt: start})
			if err != nil || ok {
				t.Errorf("second claim of a held seat: ok=%v err=%v", ok, err)
			}
			return nil
		})
		if err != nil {
			t.Fatal(err)
		}
		ticket := func(id, orderID, hash string) ticketing.Ticket {
			return ticketing.Ticket{ID: id, OrderID: orderID, PerformanceID: p.ID, VenueID: v.ID, SeatID: "Platea/A/1", AccountID: "acc_x",
				PriceCents: 100, Status: ticketing.TicketValid, Code: hash, CodeHash: hash, IssuedAt: start}
		}
		if err := st.InTx(f.ctx, func(tx ticketing.Tx) error { return tx.InsertTicket(f.ctx, ticket("tkt_one", b.ID, "h1")) }); err != nil {
			t.Fatal(err)
		}
		err = st.InTx(f.ctx, func(tx ticketing.Tx) error { return tx.InsertTicket(f.ctx, ticket("tkt_two", a.ID, "h2")) })
		if !apperr.Has(err, apperr.Conflict) {
			t.Fatalf("a second live ticket for one seat: %v", err)
		}
		// Once the first is cancelled, the seat may be ticketed again.
		err = st.InTx(f.ctx, func(tx ticketing.Tx) error {
			if err := tx.CancelOrderTickets(f.ctx, b.ID); err != nil {
				return err
			}
			return tx.InsertTicket(f.ctx, ticket("tkt_two", a.ID, "h2"))
		})
		if err != nil {
			t.Fatalf("ticket after a cancellation: %v", err)
		}
	})
}
