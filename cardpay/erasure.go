package cardpay

import (
	"context"
	"fmt"
	"log/slog"
	"time"

	"cityhub/apperr"
	"cityhub/audit"
	"cityhub/identity"
	"cityhub/ids"
	"cityhub/money"
	"cityhub/ticketing"
	"cityhub/vouchers"
	"cityhub/wallet"
)

// A citizen who erases their account may have credit left. It is never
// lost silently: the person is shown it first (ErasureCredit) and chooses
// (EraseAccount):
//
//   - CreditToCards: what the card top-ups can take back goes back to the
//     cards it came from, newest top-up first, each within what it put in
//     and did not get back already, and only within RefundWindow of the
//     payment (Stripe refuses older card refunds), and never a top-up
//     with an open or lost dispute; a refund is owed in the
//     erasure's transaction and sent to Stripe by SendRefunds afterwards.
//     What no card can take back (credit from elsewhere, older payments)
//     goes to the city, and the person is told so before choosing. When
//     no card can take any of it back, this choice is refused: the city
//     is the only one.
//   - CreditToCity: all of it goes to the city's funding account.
//
// Either way the ledger says where each cent went (transactions
// erasure.refund and erasure.to_city, referring to the account), and the
// account is erased (identity.EraseTx) in the same transaction, which
// closes its credit account (wallet.CloseCitizen), so no credit remains on
// an account nobody can log in to, and none reaches it later: a posting
// racing the erasure waits for the credit's lock, which the erasure holds
// from the moment it reads the balance, and then finds the account closed.
// What reaches an erased account afterwards through the city's own doings
// (a card payment confirmed late, a refund of an order it paid from its
// credit, a dispute won) goes to its card or to the city instead (see
// paid, refunded, disputeClosed and ticketing's refunds). A negative
// credit (a debt) stays on the erased account for the city's accounts.

// Choices for the credit of an erased account.
const (
	CreditToCards = "refund_to_cards"
	CreditToCity  = "leave_to_city"
)

// RefundWindow is how old a card top-up may be and still be refunded.
const RefundWindow = 180 * 24 * time.Hour

// Ledger transaction kinds of an erasure.
const (
	KindErasureRefund = "erasure.refund"
	KindErasureToCity = "erasure.to_city"
)

// PlannedRefund is the part of the credit one card top-up would take back.
type PlannedRefund struct {
	PaymentID   string    `json:"payment_id"`
	AmountCents int64     `json:"amount_cents"`
	PaidAt      time.Time `json:"paid_at"`
}

// ErasureCredit is what erasure does with an account's credit: what the
// page shows before the person chooses.
type ErasureCredit struct {
	BalanceCents int64 `json:"balance_cents"`
	// RefundableCents is what CreditToCards sends back to cards, through
	// Refunds; the rest of the balance goes to the city.
	RefundableCents int64           `json:"refundable_cents"`
	Refunds         []PlannedRefund `json:"refunds"`
	// Choice is what was done (EraseAccount's answer), empty in a plan.
	Choice string `json:"choice,omitempty"`
}

// TopUpRefund is card money owed back for an erased account's credit; its
// id is the idempotency key at Stripe.
type TopUpRefund struct {
	ID              string    `json:"id"`
	PaymentIntentID string    `json:"payment_intent_id"`
	AccountID       string    `json:"account_id"`
	AmountCents     int64     `json:"amount_cents"`
	State           string    `json:"state"` // ticketing.RefundOwed, ...Sent, ...Done, ...Failed
	StripeRefundID  string    `json:"stripe_refund_id,omitempty"`
	Attempts        int       `json:"attempts"`
	LastError       string    `json:"last_error,omitempty"`
	CreatedAt       time.Time `json:"created_at"`
	UpdatedAt       time.Time `json:"updated_at"`
	// KeyRound counts the times an administrator sent the refund again
	// after Stripe refused it (ticketing.RefundKey).
	KeyRound int `json:"key_round"`
}

// IdempotencyKey is the key the refund is sent to Stripe under in its
// round (ticketing.CardRefund.IdempotencyKey says why rounds).
func (r TopUpRefund) IdempotencyKey() string { return ticketing.RefundKey(r.ID, r.KeyRound) }

// plan splits balance over the top-ups that can take it back. A top-up
// with an open or lost dispute takes nothing: the card holder's bank is
// already taking the money back, and a refund on top would pay it twice.
func plan(balance int64, payments []Payment, disputed map[string]bool, now time.Time) ErasureCredit {
	out := ErasureCredit{BalanceCents: balance, Refunds: []PlannedRefund{}}
	left := balance
	for _, p := range payments {
		if left <= 0 {
			break
		}
		if p.Purpose != PurposeTopUp || now.Sub(p.CreatedAt) > RefundWindow || disputed[p.ID] {
			continue
		}
		a := min(left, p.CreditedCents-p.RefundedCents)
		if a <= 0 {
			continue
		}
		out.Refunds = append(out.Refunds, PlannedRefund{PaymentID: p.ID, AmountCents: a, PaidAt: p.CreatedAt})
		out.RefundableCents += a
		left -= a
	}
	return out
}

func requireSelf(c identity.Caller) error {
	if c.AccountID == "" {
		return apperr.E(apperr.Unauthenticated, "Sign in first.")
	}
	return nil
}

// ErasureCredit is what erasing the caller's account would do with their
// credit, for the page to ask before EraseAccount. Unauthenticated without
// a caller.
func (s *Service) ErasureCredit(ctx context.Context, c identity.Caller) (ErasureCredit, error) {
	if err := requireSelf(c); err != nil {
		return ErasureCredit{}, err
	}
	var out ErasureCredit
	err := s.store.InTx(ctx, func(tx Tx) error {
		var err error
		out, err = s.creditPlan(ctx, tx, c.AccountID)
		return err
	})
	return out, err
}

func (s *Service) creditPlan(ctx context.Context, tx Tx, accountID string) (ErasureCredit, error) {
	// Payments before the credit: a webhook locks its payment, then the
	// credit, so the same order here never waits crosswise.
	payments, err := tx.LockTopUpPayments(ctx, accountID)
	if err != nil {
		return ErasureCredit{}, fmt.Errorf("read top-ups: %w", err)
	}
	var balance int64
	acc, err := tx.LockAccounts(ctx, []wallet.AccountID{wallet.CitizenAccount(accountID)})
	switch {
	case err == nil:
		balance = acc[0].Balance
	case apperr.Has(err, apperr.NotFound): // staff: no wallet
	default:
		return ErasureCredit{}, fmt.Errorf("lock credit: %w", err)
	}
	ids, err := tx.DisputedPayments(ctx, accountID)
	if err != nil {
		return ErasureCredit{}, fmt.Errorf("read disputes: %w", err)
	}
	disputed := make(map[string]bool, len(ids))
	for _, id := range ids {
		disputed[id] = true
	}
	return plan(balance, payments, disputed, s.now()), nil
}

// EraseAccount erases the caller's account (identity.EraseTx) after doing
// with the credit what choice says, in one transaction, and returns what
// was done. With credit left, choice must be CreditToCity, or CreditToCards
// when some of the credit can go back to a card (the rest then goes to the
// city): Invalid (reason credit_choice) otherwise, saying what can be
// chosen (creditChoiceRefusal), and nothing happens.
// Unauthenticated without a caller, and (apperr.ErrAccountDeleted, from
// identity.EraseTx) for an account erased already, by a request beside
// this one, which this one waited for under HoldRider's lock; NotFound for
// an account that is not there; Conflict (reason last_admin) for the city's
// last active administrator.
func (s *Service) EraseAccount(ctx context.Context, c identity.Caller, choice string) (ErasureCredit, error) {
	if err := requireSelf(c); err != nil {
		return ErasureCredit{}, err
	}
	var out ErasureCredit
	err := s.store.InTx(ctx, func(tx Tx) error {
		now := s.now().UTC().Truncate(time.Microsecond)
		if c.Has(identity.RoleAdmin) {
			// The city's last administrator stays (identity.EraseTx
			// judges it again); asked first, so that the administrators'
			// accounts are locked before the caller's own, in the order
			// every change of an administrator takes them.
			if err := identity.KeepAnAdministrator(ctx, tx, c.AccountID); err != nil {
				return err
			}
		}
		// A ride's fare is charged when the bike docks: on an erased
		// account it would spend credit already paid out (to the cards
		// or the city) and leave a debt nobody can settle.
		riding, err := tx.HoldRider(ctx, c.AccountID, now)
		if err != nil {
			return fmt.Errorf("read open ride: %w", err)
		}
		if riding {
			return errRideInProgress
		}
		if out, err = s.creditPlan(ctx, tx, c.AccountID); err != nil {
			return err
		}
		if out.BalanceCents > 0 {
			if err := creditChoiceRefusal(out, choice); err != nil {
				return err
			}
			out.Choice = choice
			if err := s.settleCredit(ctx, tx, c.AccountID, &out, now); err != nil {
				return err
			}
		}
		if err := vouchers.ForfeitTx(ctx, tx, c.AccountID, now); err != nil {
			return err
		}
		return identity.EraseTx(ctx, tx, c.AccountID, now)
	})
	if err != nil {
		return ErasureCredit{}, err
	}
	s.log.InfoContext(ctx, "account erased", slog.String("account", c.AccountID), slog.String("choice", out.Choice),
		slog.Int64("credit_cents", out.BalanceCents), slog.Int64("to_cards_cents", out.RefundableCents))
	return out, nil
}

// noCardBack says which credit cannot go back to a card (plan).
var noCardBack = fmt.Sprintf("credit that came another way, or card top-ups more than %d days old or disputed", int(RefundWindow.Hours()/24))

// creditChoiceRefusal is why choice cannot settle credit (nil when it
// can), in words that say what can be chosen, by the rule the privacy page
// follows: the cards are offered only when some of the credit can go back
// to one (RefundableCents). So CreditToCards is refused when none can,
// rather than sending it all to the city as if the city had been chosen;
// with part of it refundable it sends that part back and the rest to the
// city, as the refusal without a choice says.
func creditChoiceRefusal(credit ErasureCredit, choice string) error {
	left := money.Cents(credit.BalanceCents)
	switch {
	case choice == CreditToCity, choice == CreditToCards && credit.RefundableCents > 0:
		return nil
	case credit.RefundableCents <= 0:
		return apperr.R(apperr.Invalid, "credit_choice",
			"You have %s of credit left, and none of it can go back to a card (%s): it can only go to the city.", left, noCardBack)
	case credit.RefundableCents < credit.BalanceCents:
		return apperr.R(apperr.Invalid, "credit_choice",
			"You have %s of credit left: choose whether %s of it goes back to your cards (the other %s cannot: %s; it goes to the city) or all of it goes to the city.",
			left, money.Cents(credit.RefundableCents), money.Cents(credit.BalanceCents-credit.RefundableCents), noCardBack)
	default:
		return apperr.R(apperr.Invalid, "credit_choice",
			"You have %s of credit left: choose whether it goes back to your cards or to the city.", left)
	}
}

// settleCredit moves the credit out of the citizen's account as chosen.
func (s *Service) settleCredit(ctx context.Context, tx Tx, accountID string, out *ErasureCredit, now time.Time) error {
	citizen := wallet.CitizenAccount(accountID)
	if out.Choice == CreditToCity {
		out.RefundableCents, out.Refunds = 0, []PlannedRefund{}
	}
	for _, r := range out.Refunds {
		p, err := tx.LockPayment(ctx, r.PaymentID)
		if err != nil {
			return err
		}
		if err := oweRefund(ctx, tx, &p, citizen, r.AmountCents, "Credit of an erased account refunded to the card", now); err != nil {
			return err
		}
	}
	if rest := out.BalanceCents - out.RefundableCents; rest > 0 {
		if _, err := wallet.Post(ctx, tx, wallet.Transaction{Key: "erasure:to_city:" + accountID, Kind: KindErasureToCity,
			Memo: "Credit of an erased account left to the city", RefType: "account", RefID: accountID,
			Entries: []wallet.Entry{{Account: citizen, Amount: -rest}, {Account: wallet.CityFunding, Amount: rest}}}, now); err != nil {
			return err
		}
	}
	return tx.AppendAudit(ctx, audit.Entry{ActorID: accountID, Action: "account.erasure.credit", ObjectType: "account", ObjectID: accountID,
		IP: audit.OriginFrom(ctx).IP, Detail: map[string]any{"choice": out.Choice, "credit_cents": out.BalanceCents, "to_cards_cents": out.RefundableCents}})
}

// oweRefund moves cents of the payment's money from where it was booked
// (from: the citizen's credit, or the city for a payment of an erased
// account) back to Stripe clearing, and records the refund to its card as
// owed, for SendRefunds. p is locked.
func oweRefund(ctx context.Context, tx Tx, p *Payment, from wallet.AccountID, cents int64, memo string, now time.Time) error {
	ref := TopUpRefund{ID: ids.New("trf"), PaymentIntentID: p.ID, AccountID: p.AccountID, AmountCents: cents,
		State: ticketing.RefundOwed, CreatedAt: now, UpdatedAt: now}
	// Counted as refunded now, so Stripe's charge.refunded for it finds
	// the refund already accounted.
	p.RefundedCents, p.UpdatedAt = p.RefundedCents+cents, now
	if err := tx.UpdatePayment(ctx, *p); err != nil {
		return err
	}
	if _, err := wallet.Post(ctx, tx, wallet.Transaction{Key: "erasure:refund:" + ref.ID, Kind: KindErasureRefund,
		Memo: memo, RefType: "payment_intent", RefID: p.ID,
		Entries: []wallet.Entry{{Account: from, Amount: -cents}, {Account: wallet.StripeClearing, Amount: cents}}}, now); err != nil {
		return err
	}
	return tx.InsertTopUpRefund(ctx, ref)
}

// refundLease is how long a sent refund may stay unanswered before another
// refunder takes it again (safe: the idempotency key is the same).
const refundLease = 2 * time.Minute

// SendRefunds sends the owed refunds of erased accounts' credit (and sent
// ones whose refunder went silent) through send, each claimed first by one
// conditional write so that concurrent refunders send each once. It
// returns how many Stripe accepted; one that Stripe refuses for good is
// kept as failed for a person to look at. Unavailable without send.
func (s *Service) SendRefunds(ctx context.Context, send ticketing.RefundFunc) (int, error) {
	if send == nil {
		return 0, apperr.E(apperr.Unavailable, "Card refunds cannot be sent: Stripe is not configured.")
	}
	var due []TopUpRefund
	if err := s.store.View(ctx, func(tx Tx) error {
		var err error
		due, err = tx.DueTopUpRefunds(ctx, s.now().UTC().Add(-refundLease), 100)
		return err
	}); err != nil {
		return 0, err
	}
	done := 0
	for _, listed := range due {
		// Sent as claimed, not as listed: an event may have shrunk it, or
		// a retry moved its key's round, since.
		var r TopUpRefund
		var ok bool
		if err := s.store.InTx(ctx, func(tx Tx) error {
			now := s.now().UTC().Truncate(time.Microsecond)
			var err error
			r, ok, err = tx.ClaimTopUpRefund(ctx, listed.ID, now.Add(-refundLease), now)
			return err
		}); err != nil {
			return done, err
		}
		if !ok {
			continue
		}
		refundID, err := send(ctx, r.PaymentIntentID, r.AmountCents, r.IdempotencyKey())
		r.UpdatedAt = s.now().UTC().Truncate(time.Microsecond)
		r.State, r.StripeRefundID, r.LastError = ticketing.RefundOutcome(r.StripeRefundID, refundID, err)
		if ferr := s.store.InTx(ctx, func(tx Tx) error {
			if err := tx.FinishTopUpRefund(ctx, r); err != nil {
				return err
			}
			return tx.AppendAudit(ctx, audit.Entry{ActorID: "system:refunder", Action: "topup.card_refund." + r.State, ObjectType: "payment_intent",
				ObjectID: r.PaymentIntentID, Detail: map[string]any{"refund": r.ID, "amount_cents": r.AmountCents, "stripe_refund": r.StripeRefundID}})
		}); ferr != nil {
			return done, fmt.Errorf("record card refund: %w", ferr)
		}
		if err != nil {
			s.log.WarnContext(ctx, "card refund not sent", slog.String("refund", r.ID), slog.String("state", r.State), slog.Any("error", err))
			continue
		}
		done++
	}
	return done, nil
}

// RunRefunds sends owed refunds every interval until ctx ends; without a
// sender (Stripe not configured) it does nothing and they stay owed.
func (s *Service) RunRefunds(ctx context.Context, send ticketing.RefundFunc, every time.Duration) {
	if send == nil || every <= 0 {
		return
	}
	t := time.NewTicker(every)
	defer t.Stop()
	for {
		if _, err := s.SendRefunds(ctx, send); err != nil && ctx.Err() == nil {
			s.log.WarnContext(ctx, "send top-up refunds", slog.Any("error", err))
		}
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
	}
}

var errRideInProgress = apperr.R(apperr.Conflict, "ride_in_progress", "You have a bike ride in progress: dock the bike, then delete your account.")
