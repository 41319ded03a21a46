package cardpay_test

import (
	"context"
	"testing"

	"cityhub/apperr"
	"cityhub/cardpay"
	"cityhub/identity"
	"cityhub/store"
	"cityhub/store/storetest"
	"cityhub/wallet"
)

func newService(t *testing.T, db store.DB) *cardpay.Service {
	t.Helper()
	w := wallet.NewService(db.Wallet(), nil)
	if err := w.Setup(context.Background()); err != nil {
		t.Fatal(err)
	}
	return cardpay.NewService(db.CardPayments(), nil, storetest.Logger(t))
}

// Only a well-formed payment is recorded, once.
func TestRecord(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db store.DB) {
		s := newService(t, db)
		ctx := context.Background()
		for _, p := range []cardpay.Payment{
			{Purpose: cardpay.PurposeTopUp, AccountID: "acc_1", AmountCents: 100},
			{ID: "pi_1", Purpose: cardpay.PurposeTopUp, AmountCents: 100},
			{ID: "pi_1", Purpose: "gift", AccountID: "acc_1", AmountCents: 100},
			{ID: "pi_1", Purpose: cardpay.PurposeTopUp, AccountID: "acc_1"},
			{ID: "pi_1", Purpose: cardpay.PurposeTicketOrder, AccountID: "acc_1", AmountCents: 100},
		} {
			if err := s.Record(ctx, p); !apperr.Has(err, apperr.Invalid) {
				t.Errorf("Record(%+v) = %v, want Invalid", p, err)
			}
		}
		p := cardpay.Payment{ID: "pi_1", Purpose: cardpay.PurposeTopUp, AccountID: "acc_1", AmountCents: 100}
		for range 2 {
			if err := s.Record(ctx, p); err != nil {
				t.Fatalf("Record: %v", err)
			}
		}
		// The recorded payment is matched: its event credits acc_1 once.
		for range 2 {
			out, err := s.Handle(ctx, cardpay.Event{ID: "evt_1", Type: cardpay.EventPaymentSucceeded, PaymentIntentID: "pi_1", Amount: 100, Currency: "eur"})
			if err != nil || !out.Handled || out.TransactionID == "" {
				t.Fatalf("Handle = %+v, %v", out, err)
			}
		}
		a, err := wallet.NewService(db.Wallet(), nil).Account(ctx, wallet.CitizenAccount("acc_1"))
		if err != nil || a.Balance != 100 {
			t.Fatalf("credit %+v, %v", a, err)
		}
	})
}

// Only a city administrator lists the events kept for an operator.
func TestAttentionEventsAuthorization(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db store.DB) {
		s := newService(t, db)
		ctx := context.Background()
		if _, err := s.Handle(ctx, cardpay.Event{ID: "evt_x", Type: cardpay.EventChargeRefunded, PaymentIntentID: "pi_nobody", Amount: 100, AmountRefunded: 100}); err != nil {
			t.Fatal(err)
		}
		for _, role := range []identity.Role{"", identity.RoleCitizen, identity.RoleMerchant, identity.RoleDoor, identity.RoleOperator} {
			c := identity.Caller{AccountID: "acc_x"}
			if role != "" {
				c.Grants = []identity.Grant{{Role: role}}
			}
			if _, err := s.AttentionEvents(ctx, c); !apperr.Has(err, apperr.Forbidden) {
				t.Errorf("%q lists payment events: %v", role, err)
			}
		}
		evs, err := s.AttentionEvents(ctx, identity.Caller{AccountID: "acc_a", Grants: []identity.Grant{{Role: identity.RoleAdmin}}})
		if err != nil || len(evs) != 1 || evs[0].Attention != cardpay.AttentionUnmatched {
			t.Fatalf("admin list = %+v, %v", evs, err)
		}
	})
}
