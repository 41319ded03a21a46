package cardpay_test

import (
	"context"
	"testing"
	"time"

	"cityhub/cardpay"
	"cityhub/identity"
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
		want := wantHeld(t, db, citizen, cityBefore)
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

// A refund made at Stripe while an inquiry (or any dispute) holds the top-up
// takes the held money first, back where it came from, and the dispute's
// close gives back only what is still held: the money goes back to the card
// or to the credit, never to both. A credit already spent is the city's
// loss, as for any refund made at Stripe, not the citizen's debt.
func TestRefundDuringADisputeIsNotPaidTwice(t *testing.T) {
	t.Parallel()
	storetest.Each(t, func(t *testing.T, db store.DB) {
		ctx := context.Background()
		s := newService(t, db)
		clock := time.Now().UTC()
		s.SetClock(func() time.Time { return clock })
		// Top-ups of 1,001 (pi_a, left unspent), 1,002 (pi_b, spent) and
		// 1,003 (pi_c, refunded in part).
		citizenWithCredit(t, db, s, &clock, "acc_nora", 0, map[string]int{"pi_a": 1, "pi_b": 2, "pi_c": 3})
		citizen := wallet.CitizenAccount("acc_nora")
		cityBefore := balance(t, db, wallet.CityFunding)
		want := wantHeld(t, db, citizen, cityBefore)
		handle := func(ev cardpay.Event) {
			t.Helper()
			ev.Currency = "eur"
			if out, err := s.Handle(ctx, ev); err != nil || !out.Handled {
				t.Fatalf("%s %s: %+v, %v", ev.ID, ev.Type, out, err)
			}
		}
		want("three top-ups", 3006, 0, 0)

		// pi_a, unspent: an inquiry holds it, a full refund at Stripe
		// takes it from the hold, and the inquiry's close gives nothing back.
		handle(cardpay.Event{ID: "evt_q_open", Type: cardpay.EventDisputeCreated, PaymentIntentID: "pi_a", ObjectID: "dp_q", Amount: 1001, DisputeStatus: "warning_needs_response"})
		want("inquiry on pi_a", 2005, 1001, 0)
		handle(cardpay.Event{ID: "evt_q_refund", Type: cardpay.EventChargeRefunded, PaymentIntentID: "pi_a", Amount: 1001, AmountRefunded: 1001})
		want("pi_a refunded during the inquiry", 2005, 0, 0)
		// The inquiry holds nothing now: the citizen is shown the refund.
		if st := topUpState(t, s, "acc_nora", "pi_a"); st != cardpay.TopUpRefunded {
			t.Fatalf("pi_a refunded during its inquiry shows %q", st)
		}
		handle(cardpay.Event{ID: "evt_q_close", Type: cardpay.EventDisputeClosed, PaymentIntentID: "pi_a", ObjectID: "dp_q", Amount: 1001, DisputeStatus: "warning_closed"})
		want("inquiry closed", 2005, 0, 0)

		// Spend what is left: pi_b's credit is gone when its inquiry opens.
		if _, err := wallet.NewService(db.Wallet(), nil).Post(ctx, wallet.Transaction{Key: "spend:acc_nora", Kind: "test.spend",
			Entries: []wallet.Entry{{Account: citizen, Amount: -2005}, {Account: wallet.RevenueTheatre, Amount: 2005}}}); err != nil {
			t.Fatal(err)
		}
		handle(cardpay.Event{ID: "evt_r_open", Type: cardpay.EventDisputeCreated, PaymentIntentID: "pi_b", ObjectID: "dp_r", Amount: 1002, DisputeStatus: "warning_needs_response"})
		want("inquiry on spent pi_b", -1002, 1002, 0)
		handle(cardpay.Event{ID: "evt_r_refund", Type: cardpay.EventChargeRefunded, PaymentIntentID: "pi_b", Amount: 1002, AmountRefunded: 1002})
		want("pi_b refunded: the city's loss", 0, 0, -1002)
		handle(cardpay.Event{ID: "evt_r_close", Type: cardpay.EventDisputeClosed, PaymentIntentID: "pi_b", ObjectID: "dp_r", Amount: 1002, DisputeStatus: "warning_closed"})
		want("pi_b's inquiry closed", 0, 0, -1002)
		// A chargeback on pi_b, wholly refunded already, holds nothing: it
		// is kept for an operator, and the citizen still sees the refund.
		if out, err := s.Handle(ctx, cardpay.Event{ID: "evt_r2_open", Type: cardpay.EventDisputeCreated, PaymentIntentID: "pi_b", ObjectID: "dp_r2",
			Amount: 1002, DisputeStatus: "needs_response", Currency: "eur"}); err != nil || out.Attention != cardpay.AttentionDisputeRefunded {
			t.Fatalf("a dispute on a refunded top-up: %+v, %v", out, err)
		}
		want("a dispute on refunded pi_b", 0, 0, -1002)
		if st := topUpState(t, s, "acc_nora", "pi_b"); st != cardpay.TopUpRefunded {
			t.Fatalf("a refunded top-up whose dispute holds nothing shows %q", st)
		}

		// pi_c: a chargeback holds it (the credit was spent: -1,003), half
		// is refunded at Stripe, and the won dispute gives back the rest.
		handle(cardpay.Event{ID: "evt_s_open", Type: cardpay.EventDisputeCreated, PaymentIntentID: "pi_c", ObjectID: "dp_s", Amount: 1003, DisputeStatus: "needs_response"})
		want("chargeback on pi_c", -1003, 1003, -1002)
		handle(cardpay.Event{ID: "evt_s_refund", Type: cardpay.EventChargeRefunded, PaymentIntentID: "pi_c", Amount: 1003, AmountRefunded: 500})
		want("pi_c half refunded", -503, 503, -1502)
		handle(cardpay.Event{ID: "evt_s_close", Type: cardpay.EventDisputeClosed, PaymentIntentID: "pi_c", ObjectID: "dp_s", Amount: 1003, DisputeStatus: "won"})
		want("pi_c's dispute won", 0, 0, -1502)
	})
}

// wantHeld returns a check of a disputes test's step: the citizen's credit,
// what Stripe disputes hold and what the city gave since cityBefore, then
// the whole ledger check.
func wantHeld(t *testing.T, db store.DB, citizen wallet.AccountID, cityBefore int64) func(step string, credit, disputes, city int64) {
	return func(step string, credit, disputes, city int64) {
		t.Helper()
		got := [3]int64{balance(t, db, citizen), balance(t, db, wallet.StripeDisputes), balance(t, db, wallet.CityFunding) - cityBefore}
		if want := [3]int64{credit, disputes, city}; got != want {
			t.Fatalf("%s: credit, disputes, city %v; want %v", step, got, want)
		}
		c, err := wallet.NewService(db.Wallet(), nil).Check(context.Background())
		if err != nil || !c.OK() {
			t.Fatalf("%s: ledger check %+v, %v", step, c, err)
		}
	}
}

// topUpState is the state the citizen is shown for their top-up pi.
func topUpState(t *testing.T, s *cardpay.Service, accountID, pi string) string {
	t.Helper()
	ts, err := s.MyTopUps(context.Background(), identity.Caller{AccountID: accountID, Grants: []identity.Grant{{Role: identity.RoleCitizen}}}, 100)
	if err != nil {
		t.Fatal(err)
	}
	for _, tu := range ts {
		if tu.ID == pi {
			return tu.State
		}
	}
	t.Fatalf("no top-up %s among %+v", pi, ts)
	return ""
}
