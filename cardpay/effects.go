package cardpay

import (
	"context"
	"fmt"
	"log/slog"
	"strconv"
	"strings"
	"time"

	"cityhub/apperr"
	"cityhub/audit"
	"cityhub/money"
	"cityhub/ticketing"
	"cityhub/wallet"
)

// Ledger transaction kinds of a top-up after its payment.
const (
	KindTopUpRefund      = "topup.card.refund"
	KindTopUpDisputeHold = "topup.card.dispute.hold"
	KindTopUpDisputeWon  = "topup.card.dispute.won"
	KindTopUpDisputeLost = "topup.card.dispute.lost"
)

// refunded applies a charge's refunds. The charge carries its total refunded
// so far, so each event brings the payment to that total: a repeated, late
// or concurrent report finds nothing left to do, and two refunds are never
// counted as one or one as two.
func (s *Service) refunded(ctx context.Context, tx Tx, p *Payment, ev Event, now time.Time) (Outcome, error) {
	if p.Purpose == PurposeTicketOrder {
		res, err := s.tickets.CardRefundedTx(ctx, tx, p.OrderID, p.ID, ev.AmountRefunded)
		if err != nil {
			return Outcome{}, err
		}
		if res.Attention != "" {
			return attention(AttentionRefund, "A refund of %s was reported for order %s (%s).", money.Cents(ev.AmountRefunded), p.OrderID, res.Order.Status), nil
		}
		if res.Cents > 0 {
			p.RefundedCents, p.UpdatedAt = p.RefundedCents+res.Cents, now
			if err := tx.UpdatePayment(ctx, *p); err != nil {
				return Outcome{}, err
			}
			return Outcome{Handled: true, TransactionID: res.TransactionID,
				Note: fmt.Sprintf("%s refunded at Stripe%s, applied to the order", money.Cents(res.Cents), refundList(ev.RefundIDs))}, nil
		}
		return Outcome{Handled: true, Replayed: true, Note: "already accounted (the hub's own refund of the order)"}, nil
	}
	// Read once, locked, for both: closed below when made at Stripe whole,
	// it is then no longer owed and cannot shrink.
	own, err := owedRefundOf(ctx, tx, p)
	if err != nil {
		return Outcome{}, err
	}
	accounted, err := s.closeOwnRefundMadeAtStripe(ctx, tx, p, own, ev.AmountRefunded, now)
	if err != nil {
		return Outcome{}, err
	}
	delta := ev.AmountRefunded - accounted
	if room := p.CreditedCents - p.RefundedCents; delta > room {
		// Beyond what is left to refund: the refund the hub owes (an
		// erasure's, never sent) was made in part at Stripe. That part is
		// in the ledger already, with the owed refund: the owed refund
		// shrinks by it, and only the rest is sent.
		counted, err := s.shrinkOwedRefund(ctx, tx, p, own, delta-room, now)
		if err != nil {
			return Outcome{}, err
		}
		if room <= 0 && counted > 0 {
			return Outcome{Handled: true, Note: fmt.Sprintf("%s of the refund owed to the card was made at Stripe; the rest stays owed", money.Cents(counted))}, nil
		}
		if counted == 0 {
			// No owed refund could take it (none, or one already sent
			// once, whose amount its next send must keep): Stripe
			// refunded more than the hub has room for, which only a
			// person can explain. Nothing is booked.
			return attention(AttentionRefund, "%s was refunded at Stripe for top-up %s, %s more than the hub has left to refund (a refund owed to the card may have been sent already).",
				money.Cents(ev.AmountRefunded), p.ID, money.Cents(delta-max(room, 0))), nil
		}
		delta = max(room, 0)
	}
	if delta <= 0 {
		return Outcome{Handled: true, Replayed: true, Note: "already accounted"}, nil
	}
	citizen := wallet.CitizenAccount(p.AccountID)
	// Locked before it is read, so the split below holds when posted.
	acc, err := wallet.LockCitizen(ctx, tx, p.AccountID)
	if err != nil {
		return Outcome{}, err
	}
	// An open dispute (an inquiry, which holds as a chargeback does) holds
	// the money being refunded: released first, back where it came from,
	// so that the dispute's close gives back only what is still held, and
	// the money does not go back to the card and to the credit both.
	release, err := s.releaseDisputeHolds(ctx, tx, p, delta)
	if err != nil {
		return Outcome{}, err
	}
	// A refund made at Stripe is the city's decision: it takes back what
	// is left of the credit, never more; what the citizen already spent is
	// the city's loss, not the citizen's debt. An erased account's credit
	// is closed and gives nothing: the erasure sent it to the cards or the
	// city, and the credit's part of a hold goes to the city with the rest.
	fromCredit := min(delta, max(acc.Balance+release.credit, 0))
	if acc.Closed() {
		fromCredit, release.city, release.credit = 0, release.city+release.credit, 0
	}
	fromCity := delta - fromCredit
	entries := []wallet.Entry{{Account: wallet.StripeClearing, Amount: delta}}
	if release.held > 0 {
		entries = append(entries, wallet.Entry{Account: wallet.StripeDisputes, Amount: -release.held})
	}
	if n := release.credit - fromCredit; n != 0 {
		entries = append(entries, wallet.Entry{Account: citizen, Amount: n})
	}
	if n := release.city - fromCity; n != 0 {
		entries = append(entries, wallet.Entry{Account: wallet.CityFunding, Amount: n})
	}
	ltx, err := wallet.Post(ctx, tx, wallet.Transaction{
		Key: "stripe:refund:" + p.ID + ":" + strconv.FormatInt(ev.AmountRefunded, 10), Kind: KindTopUpRefund,
		Memo: "Card top-up refunded at Stripe", RefType: "payment_intent", RefID: p.ID, Entries: entries,
	}, now)
	if err != nil {
		return Outcome{}, err
	}
	p.RefundedCents, p.UpdatedAt = p.RefundedCents+delta, now
	if err := tx.UpdatePayment(ctx, *p); err != nil {
		return Outcome{}, err
	}
	s.log.InfoContext(ctx, "card top-up refunded at Stripe", slog.String("payment_intent", p.ID), slog.String("account", p.AccountID),
		slog.Int64("refunded_cents", delta), slog.Int64("from_credit_cents", fromCredit))
	return Outcome{Handled: true, TransactionID: ltx.ID, Note: fmt.Sprintf("%s refunded%s, %s of it taken back from the credit",
		money.Cents(delta), refundList(ev.RefundIDs), money.Cents(fromCredit))}, nil
}

// owedRefundOf is p's refund that the hub owes and has not sent (an
// erasure's), locked until the transaction ends; nil when there is none.
func owedRefundOf(ctx context.Context, tx Tx, p *Payment) (*TopUpRefund, error) {
	own, err := tx.OwedTopUpRefundOf(ctx, p.ID)
	if apperr.Has(err, apperr.NotFound) {
		return nil, nil
	}
	if err != nil {
		return nil, fmt.Errorf("read the owed refund: %w", err)
	}
	return &own, nil
}

// shrinkOwedRefund counts cents refunded at Stripe against own, p's owed
// refund (owedRefundOf), if it was never sent: it shrinks by them (at most
// to nothing left but a cent, which its close at the next report takes),
// and says how much was counted; 0 when there is none, it is owed no more,
// or it was sent already (then the event is for an operator, as any
// refund beyond what the hub accounted).
func (s *Service) shrinkOwedRefund(ctx context.Context, tx Tx, p *Payment, own *TopUpRefund, cents int64, now time.Time) (int64, error) {
	if own == nil || own.State != ticketing.RefundOwed {
		return 0, nil
	}
	counted := min(cents, own.AmountCents-1)
	if counted <= 0 || own.Attempts > 0 {
		return 0, nil
	}
	ok, err := tx.ShrinkTopUpRefund(ctx, own.ID, own.AmountCents-counted, now)
	if err != nil || !ok {
		return 0, err
	}
	s.log.InfoContext(ctx, "owed top-up refund made in part at Stripe", slog.String("refund", own.ID), slog.String("payment_intent", p.ID),
		slog.Int64("made_at_stripe_cents", counted), slog.Int64("still_owed_cents", own.AmountCents-counted))
	return counted, nil
}

// released is what releaseDisputeHolds took out of disputes' holds: held
// in all, of it credit's and city's.
type released struct{ held, credit, city int64 }

// releaseDisputeHolds lowers the holds of p's open disputes by up to cents,
// oldest first and, in each, the city's part first (it advanced what the
// credit could not give), and says what went where. The caller posts the
// release with the refund it makes room for.
func (s *Service) releaseDisputeHolds(ctx context.Context, tx Tx, p *Payment, cents int64) (released, error) {
	var r released
	ds, err := tx.OpenTopUpDisputes(ctx, p.ID)
	if err != nil {
		return r, fmt.Errorf("read the payment's open disputes: %w", err)
	}
	for _, d := range ds {
		left := cents - r.held
		if left <= 0 {
			break
		}
		city := min(left, d.FromCity)
		credit := min(left-city, d.FromCredit)
		if city+credit == 0 {
			continue
		}
		d.FromCity, d.FromCredit = d.FromCity-city, d.FromCredit-credit
		if err := tx.UpdateDispute(ctx, d); err != nil {
			return r, err
		}
		r.held, r.city, r.credit = r.held+city+credit, r.city+city, r.credit+credit
	}
	return r, nil
}

// closeOwnRefundMadeAtStripe returns how much of refundedCents (the
// charge's total refunded at Stripe) the payment has accounted. own, the
// refund an erasure owes and has not sent (owedRefundOf, nil if none), is
// counted in RefundedCents already but is not at Stripe yet, so it is not
// part of that. When the refunds reported beyond those accounted reach
// its amount, they include it, made at Stripe by a person before the hub
// sent it: it is closed (own says so after) so that it is never sent, and
// counted. A smaller refund made meanwhile is one of its own (the caller
// books it), and the hub's refund stays owed: sent later, Stripe reports
// it and finds it accounted.
func (s *Service) closeOwnRefundMadeAtStripe(ctx context.Context, tx Tx, p *Payment, own *TopUpRefund, refundedCents int64, now time.Time) (int64, error) {
	if own == nil {
		return p.RefundedCents, nil
	}
	atStripe := p.RefundedCents - own.AmountCents
	if refundedCents-atStripe < own.AmountCents {
		return atStripe, nil
	}
	own.State, own.StripeRefundID, own.LastError, own.UpdatedAt = ticketing.RefundDone, "", "refunded at Stripe", now
	if err := tx.FinishTopUpRefund(ctx, *own); err != nil {
		return 0, err
	}
	if err := tx.AppendAudit(ctx, audit.Entry{ActorID: "system:stripe", Action: "topup.card_refund.done", ObjectType: "payment_intent",
		ObjectID: p.ID, Detail: map[string]any{"refund": own.ID, "amount_cents": own.AmountCents, "made_at_stripe": true}}); err != nil {
		return 0, err
	}
	s.log.InfoContext(ctx, "owed top-up refund made at Stripe", slog.String("refund", own.ID), slog.String("payment_intent", p.ID))
	return p.RefundedCents, nil
}

// disputeOpened holds a new dispute's amount; a dispute already known
// (any state) is left alone, so a late charge.dispute.created after the
// close changes nothing.
func (s *Service) disputeOpened(ctx context.Context, tx Tx, p *Payment, ev Event, now time.Time) (Outcome, error) {
	if ev.ObjectID == "" || ev.Amount <= 0 {
		return Outcome{}, apperr.R(apperr.Invalid, "dispute", "A dispute event needs the dispute's id and amount.")
	}
	d, err := tx.Dispute(ctx, ev.ObjectID)
	if err == nil {
		return Outcome{Handled: true, Replayed: true, Note: "dispute " + d.Status}, nil
	}
	if !apperr.Has(err, apperr.NotFound) {
		return Outcome{}, fmt.Errorf("read dispute: %w", err)
	}
	d = Dispute{ID: ev.ObjectID, PaymentID: p.ID, AmountCents: ev.Amount, Status: DisputeOpen, Reason: ev.DisputeReason, CreatedAt: now}
	out := Outcome{Handled: true}
	if p.Purpose == PurposeTicketOrder {
		held, txID, o, err := s.tickets.CardDisputeOpenedTx(ctx, tx, p.OrderID, d.ID, d.AmountCents)
		if err != nil {
			return Outcome{}, err
		}
		d.FromSale, out.TransactionID = held, txID
		if held == 0 {
			out = attention(AttentionDispute, "Dispute %s on order %s, which is %s: nothing was held.", d.ID, o.ID, o.Status)
		}
	} else {
		held := min(d.AmountCents, p.CreditedCents-p.RefundedCents)
		if held <= 0 {
			out = attention(AttentionDisputeRefunded, "Dispute %s on a top-up already refunded: nothing was held.", d.ID)
		} else {
			d.FromCredit, d.FromCity, out.TransactionID, err = s.holdTopUp(ctx, tx, p, d.ID, held, now)
			if err != nil {
				return Outcome{}, err
			}
		}
	}
	if err := tx.InsertDispute(ctx, d); err != nil {
		return Outcome{}, err
	}
	s.log.WarnContext(ctx, "card payment disputed", slog.String("dispute", d.ID), slog.String("payment_intent", p.ID),
		slog.String("purpose", p.Purpose), slog.Int64("amount_cents", d.AmountCents), slog.String("reason", d.Reason))
	return out, nil
}

// holdTopUp moves held cents of a disputed top-up from the citizen's credit
// to Stripe disputes. The credit gives them even if spent, down to minus
// the held amount (the disputed_topup rule); a part beyond that bound (the
// credit was already negative) is held from the city's funding instead.
func (s *Service) holdTopUp(ctx context.Context, tx Tx, p *Payment, disputeID string, held int64, now time.Time) (fromCredit, fromCity int64, txID string, err error) {
	citizen := wallet.CitizenAccount(p.AccountID)
	acc, err := wallet.LockCitizen(ctx, tx, p.AccountID)
	if err != nil {
		return 0, 0, "", err
	}
	bound := min(held, wallet.MaxTopUp)
	fromCredit = max(0, min(held, acc.Balance+bound))
	if acc.Closed() {
		// An erased account's credit went to the cards or the city at the
		// erasure, and its closed account takes nothing: the city, which
		// kept what no card took back, holds it all.
		fromCredit = 0
	}
	fromCity = held - fromCredit
	t := wallet.Transaction{Key: "stripe:dispute:" + disputeID + ":hold", Kind: KindTopUpDisputeHold, Memo: "Card top-up disputed",
		RefType: "payment_intent", RefID: p.ID, Entries: []wallet.Entry{{Account: wallet.StripeDisputes, Amount: held}}}
	if fromCredit > 0 {
		t.Entries = append(t.Entries, wallet.Entry{Account: citizen, Amount: -fromCredit})
		if acc.Balance-fromCredit < 0 {
			rule := wallet.DisputedTopUp(bound)
			t.Overdraft, t.OverdraftAccount = &rule, citizen
		}
	}
	if fromCity > 0 {
		t.Entries = append(t.Entries, wallet.Entry{Account: wallet.CityFunding, Amount: -fromCity})
	}
	ltx, err := wallet.Post(ctx, tx, t, now)
	if err != nil {
		return 0, 0, "", err
	}
	return fromCredit, fromCity, ltx.ID, nil
}

// disputeClosed settles an open dispute: won (or an inquiry closed with a
// warning) gives the held money back where it came from; lost sends it to
// Stripe clearing, where the payment came from: the cardholder has it back,
// and a citizen whose credit was held stays in debt by that much.
func (s *Service) disputeClosed(ctx context.Context, tx Tx, p *Payment, ev Event, now time.Time) (Outcome, error) {
	d, err := tx.Dispute(ctx, ev.ObjectID)
	if err != nil {
		return Outcome{}, fmt.Errorf("read dispute: %w", err)
	}
	if d.Status != DisputeOpen {
		return Outcome{Handled: true, Replayed: true, Note: "dispute already " + d.Status}, nil
	}
	var won bool
	switch ev.DisputeStatus {
	case "won", "warning_closed":
		won = true
	case "lost":
	default:
		return attention(AttentionDisputeStatus, "Dispute %s closed with status %q; the hold stays.", d.ID, ev.DisputeStatus), nil
	}
	d.Status, d.ClosedAt = DisputeLost, now
	if won {
		d.Status = DisputeWon
	}
	out := Outcome{Handled: true, Note: "dispute " + d.Status}
	if p.Purpose == PurposeTicketOrder {
		txID, _, err := s.tickets.CardDisputeClosedTx(ctx, tx, p.OrderID, d.ID, d.FromSale, won)
		if err != nil {
			return Outcome{}, err
		}
		out.TransactionID = txID
	} else if held := d.FromCredit + d.FromCity; held > 0 {
		t := wallet.Transaction{Key: "stripe:dispute:" + d.ID + ":" + d.Status, RefType: "payment_intent", RefID: p.ID,
			Entries: []wallet.Entry{{Account: wallet.StripeDisputes, Amount: -held}}}
		if won {
			t.Kind, t.Memo = KindTopUpDisputeWon, "Card top-up dispute won: the credit comes back"
			toCredit, toCity := d.FromCredit, d.FromCity
			if toCredit > 0 {
				acc, err := wallet.LockCitizen(ctx, tx, p.AccountID)
				if err != nil {
					return Outcome{}, err
				}
				if acc.Closed() {
					// Won after the account was erased: its closed credit
					// takes nothing, and the credit's part goes to the
					// city, as the erasure sent what no card took back.
					toCredit, toCity = 0, toCredit+toCity
					t.Memo = "Card top-up dispute won after its account was erased: to the city"
				}
			}
			if toCredit > 0 {
				t.Entries = append(t.Entries, wallet.Entry{Account: wallet.CitizenAccount(p.AccountID), Amount: toCredit})
			}
			if toCity > 0 {
				t.Entries = append(t.Entries, wallet.Entry{Account: wallet.CityFunding, Amount: toCity})
			}
		} else {
			t.Kind, t.Memo = KindTopUpDisputeLost, "Card top-up dispute lost: the money went back to the card"
			t.Entries = append(t.Entries, wallet.Entry{Account: wallet.StripeClearing, Amount: held})
		}
		ltx, err := wallet.Post(ctx, tx, t, now)
		if err != nil {
			return Outcome{}, err
		}
		out.TransactionID = ltx.ID
	}
	if err := tx.UpdateDispute(ctx, d); err != nil {
		return Outcome{}, err
	}
	return out, nil
}

// refundList names the refunds a charge event listed, for the operator.
func refundList(ids []string) string {
	if len(ids) == 0 {
		return ""
	}
	return " (" + strings.Join(ids, ", ") + ")"
}
