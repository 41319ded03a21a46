package cardpay

import (
	"context"
	"time"

	"cityhub/apperr"
	"cityhub/audit"
	"cityhub/identity"
	"cityhub/ticketing"
)

// AdminTopUpRefunds lists the refunds of erased accounts' credit to the
// cards it came from, newest first. Forbidden unless the caller is a city
// administrator.
func (s *Service) AdminTopUpRefunds(ctx context.Context, c identity.Caller) ([]TopUpRefund, error) {
	if !c.Has(identity.RoleAdmin) {
		return nil, apperr.R(apperr.Forbidden, "not_admin", "Only a city administrator may see card refunds.")
	}
	var out []TopUpRefund
	err := s.store.View(ctx, func(tx Tx) error {
		var err error
		out, err = tx.ListTopUpRefunds(ctx, 200)
		return err
	})
	return out, err
}

// RetryTopUpRefund puts a top-up refund Stripe refused back to owed, in a
// new key round, so the refund loop sends it again under a key Stripe has
// not answered (ticketing.RetryCardRefund says why, and why no card is
// paid twice). Forbidden unless the caller is a city administrator;
// NotFound for an unknown id; Conflict (refund_not_failed) for a refund
// that did not fail, which changes nothing.
func (s *Service) RetryTopUpRefund(ctx context.Context, c identity.Caller, id string) (TopUpRefund, error) {
	if !c.Has(identity.RoleAdmin) {
		return TopUpRefund{}, apperr.R(apperr.Forbidden, "not_admin", "Only a city administrator may send a card refund again.")
	}
	var out TopUpRefund
	err := s.store.InTx(ctx, func(tx Tx) error {
		r, err := tx.TopUpRefundByID(ctx, id)
		if err != nil {
			if apperr.Has(err, apperr.NotFound) {
				return apperr.R(apperr.NotFound, "refund_not_found", "No such card refund.")
			}
			return err
		}
		if r.State != ticketing.RefundFailed {
			return apperr.R(apperr.Conflict, "refund_not_failed", "Only a failed card refund can be sent again; this one is %s.", r.State)
		}
		r.State = ticketing.RefundOwed
		r.KeyRound++
		r.UpdatedAt = s.now().UTC().Truncate(time.Microsecond)
		if err := tx.FinishTopUpRefund(ctx, r); err != nil {
			return err
		}
		out = r
		return tx.AppendAudit(ctx, audit.Entry{ActorID: c.AccountID, Action: "topup.card_refund.retry", ObjectType: "payment_intent",
			ObjectID: r.PaymentIntentID, Detail: map[string]any{"refund": r.ID, "amount_cents": r.AmountCents, "last_error": r.LastError, "key_round": r.KeyRound}})
	})
	return out, err
}
