package ui

import (
	"context"
	"net/http"
	"net/url"

	"cityhub/apperr"
	"cityhub/cardpay"
	"cityhub/identity"
	"cityhub/ticketing"
)

// The card refunds page: every refund the city owes a card, with its state
// at Stripe and a button sending a failed one again once its cause is
// fixed: the theatre's (a late card payment for a seat sold meanwhile, a
// cancelled performance, an order an administrator refunded) and those of
// erased accounts' credit. The ticketing and cardpay domains decide who
// may see and retry them.

// TopUpRefunds lists and retries the refunds of erased accounts' credit;
// cardpay.Service implements it.
type TopUpRefunds interface {
	AdminTopUpRefunds(ctx context.Context, c identity.Caller) ([]cardpay.TopUpRefund, error)
	RetryTopUpRefund(ctx context.Context, c identity.Caller, id string) (cardpay.TopUpRefund, error)
}

type refundsPage struct {
	Theatre bool
	Refunds []ticketing.CardRefund
	TopUps  bool
	// Erasures are the refunds of erased accounts' credit.
	Erasures []cardpay.TopUpRefund
	Failed   int
	// Retried names the order or refund just sent again.
	Retried string
	// Events links to the Stripe events kept for an operator.
	Events bool
}

func (s *staffPages) handleCardRefundsPage(w http.ResponseWriter, r *http.Request, c identity.Caller) {
	page := refundsPage{Retried: r.URL.Query().Get("retried"), Theatre: s.ticketing != nil, TopUps: s.topUps != nil, Events: s.events != nil}
	var err error
	if s.ticketing != nil {
		if page.Refunds, err = s.ticketing.AdminCardRefunds(r.Context(), c); err != nil {
			s.pageError(w, r, err)
			return
		}
		for _, rf := range page.Refunds {
			if rf.State == ticketing.RefundFailed {
				page.Failed++
			}
		}
	}
	if s.topUps != nil {
		if page.Erasures, err = s.topUps.AdminTopUpRefunds(r.Context(), c); err != nil {
			s.pageError(w, r, err)
			return
		}
		for _, rf := range page.Erasures {
			if rf.State == ticketing.RefundFailed {
				page.Failed++
			}
		}
	}
	// The notice names a refund sent again only if the list holds it, no
	// longer failed (owed again, or sent or done by the refund loop since):
	// a link cannot make the page say so of anything else.
	if page.Retried != "" && !page.retried(page.Retried) {
		page.Retried = ""
	}
	s.render(w, r, http.StatusOK, "admin_refunds", "admin", page)
}

// retried reports whether the theatre refund of order id, or the top-up
// refund id, is listed and not failed.
func (p refundsPage) retried(id string) bool {
	for _, rf := range p.Refunds {
		if rf.OrderID == id && rf.State != ticketing.RefundFailed {
			return true
		}
	}
	for _, rf := range p.Erasures {
		if rf.ID == id && rf.State != ticketing.RefundFailed {
			return true
		}
	}
	return false
}

// handleCardRefundRetry puts a failed theatre refund back in the queue; the
// refund loop sends it with its first idempotency key, so Stripe pays it
// once.
func (s *staffPages) handleCardRefundRetry(w http.ResponseWriter, r *http.Request, c identity.Caller) {
	if s.ticketing == nil {
		s.pageError(w, r, apperr.R(apperr.NotFound, "refund_not_found", "No such card refund."))
		return
	}
	order := r.PathValue("order")
	if _, err := s.ticketing.RetryCardRefund(r.Context(), c, order); err != nil {
		s.pageError(w, r, err)
		return
	}
	http.Redirect(w, r, "/admin/refunds?retried="+url.QueryEscape(order), http.StatusSeeOther)
}

// handleTopUpRefundRetry does the same for a refund of an erased account's
// credit.
func (s *staffPages) handleTopUpRefundRetry(w http.ResponseWriter, r *http.Request, c identity.Caller) {
	if s.topUps == nil {
		s.pageError(w, r, apperr.R(apperr.NotFound, "refund_not_found", "No such card refund."))
		return
	}
	id := r.PathValue("id")
	if _, err := s.topUps.RetryTopUpRefund(r.Context(), c, id); err != nil {
		s.pageError(w, r, err)
		return
	}
	http.Redirect(w, r, "/admin/refunds?retried="+url.QueryEscape(id), http.StatusSeeOther)
}
