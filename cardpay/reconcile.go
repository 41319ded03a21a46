package cardpay

import (
	"context"
	"fmt"

	"cityhub/wallet"
)

// CardMoney is what the card payments, their refunds and disputes, and the
// orders paid by card say about the two accounts card money goes through,
// beside their balances (the sums of their entries).
type CardMoney struct {
	// Credited is what the card top-ups put on credit; Refunded, what was
	// refunded of them at Stripe or to the card when an account was
	// erased.
	Credited, Refunded int64
	// CardSales is what the orders paid by card and still paid took, less
	// what was refunded of them at Stripe.
	CardSales int64
	// Held is what the open disputes hold, from credit, from the city and
	// from sales; Lost, what the lost ones held, which went back to the
	// card.
	Held, Lost int64
	// Clearing and Disputes are the balances of stripe:clearing and
	// stripe:disputes.
	Clearing, Disputes int64
}

// Reconcile compares the card payments' records with the accounts their
// money goes through. A dispute opened moves what it holds to
// stripe:disputes (from the credit, the city or a sale) and its close
// moves all of it out again, won or lost, so that account holds what the
// open disputes hold (basis open_disputes). Card money comes in through
// stripe:clearing (a credited top-up, a ticket sale) and goes back out
// through it (a refund at Stripe or to the card, a lost dispute), so
// clearing is minus what came in and stayed: the credited top-ups less
// their refunds, and the paid card orders less their refunds at Stripe,
// plus what lost disputes gave back (basis card_payments_less_refunds).
// An order refunded by the hub gave back all it had taken, so only the
// orders still paid count.
func (s *Service) Reconcile(ctx context.Context) ([]wallet.Discrepancy, error) {
	var m CardMoney
	err := s.store.View(ctx, func(tx Tx) error {
		var err error
		m, err = tx.CardMoney(ctx)
		return err
	})
	if err != nil {
		return nil, fmt.Errorf("reconcile card money: %w", err)
	}
	return append(wallet.Disagreeing("cardpay", wallet.StripeClearing, m.Clearing, -(m.Credited-m.Refunded)-m.CardSales+m.Lost, "card_payments_less_refunds"),
		wallet.Disagreeing("cardpay", wallet.StripeDisputes, m.Disputes, m.Held, "open_disputes")...), nil
}
