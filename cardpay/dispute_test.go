package cardpay_test

import (
	"context"
	"testing"
	"time"

	"cityhub/cardpay"
	"cityhub/store"
	"cityhub/store/storetest"
	"cityhub/wallet"
)

// A dispute takes a spent credit below zero only by the disputed_topup rule:
// down to minus the disputed amount, never lower. When the credit is already
// that low (here after a first dispute), the rest of a second dispute is
// held from the city's funding, not added to the citizen's debt; won, it
// goes back where it came from, and the ledger balances throughout
// (docs/wallet.md, "disputed_topup").
func TestDisputeBeyondTheBoundIsHeldFromTheCity(t *testing.T) {
	t.Parallel()
	storetest.Each(t, func(t *testing.T, db store.DB) {
		ctx := context.Background()
		s := newService(t, db)
		clock := time.Now().UTC()
		s.SetClock(func() time.Time { return clock })
		// Two top-ups, 1,001 (pi_a) and 1,002 (pi_b), both spent.
		citizenWithCredit(t, db, s, &clock, "acc_ettore", 0, map[string]int{"pi_a": 1, "pi_b": 2})
		citizen := wallet.CitizenAccount("acc_ettore")
		if _, err := wallet.NewService(db.Wallet(), nil).Post(ctx, wallet.Transaction{Key: "spend:acc_ettore", Kind: "test.spend",
			Entries: []wallet.Entry{{Account: citizen, Amount: -2003}, {Account: wallet.RevenueTheatre, Amount: 2003}}}); err != nil {
			t.Fatal(err)
		}
		cityBefore := balance(t, db, wallet.CityFunding)
		want := func(step string, credit, disputes, city int64) {
			t.Helper()
			got := [3]int64{balance(t, db, citizen), balance(t, db, wallet.StripeDisputes), balance(t, db, wallet.CityFunding) - cityBefore}
			if got != [3]int64{credit, disputes, city} {
				t.Fatalf("%s: credit, disputes, city %v; want %v", step, got, [3]int64{credit, disputes, city})
			}
			c, err := wallet.NewService(db.Wallet(), nil).Check(ctx)
			if err != nil || !c.OK() {
				t.Fatalf("%s: ledger check %+v, %v", step, c, err)
			}
		}
		dispute := func(id, typ, pi, status string, amount int64) {
			t.Helper()
			out, err := s.Handle(ctx, cardpay.Event{ID: "evt_" + id + "_" + typ, Type: typ, PaymentIntentID: pi, ObjectID: id,
				Amount: amount, Currency: "eur", DisputeStatus: status})
			if err != nil || !out.Handled || out.Attention != "" {
				t.Fatalf("%s %s: %+v, %v", id, typ, out, err)
			}
		}

		// The first dispute takes the spent credit to -1,001, its own bound.
		dispute("dp_a", cardpay.EventDisputeCreated, "pi_a", "needs_response", 1001)
		want("first dispute", -1001, 1001, 0)
		// The second may take the credit to -1,002 only: 1 from the credit,
		// the other 1,001 from the city.
		dispute("dp_b", cardpay.EventDisputeCreated, "pi_b", "needs_response", 1002)
		want("second dispute", -1002, 2003, -1001)
		// Won, the second gives back exactly what it held, to each.
		dispute("dp_b", cardpay.EventDisputeClosed, "pi_b", "won", 1002)
		want("second won", -1001, 1001, 0)
		// Lost, the first leaves the credit in debt by its own amount.
		dispute("dp_a", cardpay.EventDisputeClosed, "pi_a", "lost", 1001)
		want("first lost", -1001, 0, 0)
	})
}
