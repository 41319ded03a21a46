package ui

import (
	"net/http"
	"net/url"

	"cityhub/identity"
	"cityhub/ticketing"
)

// The card refunds page: every card refund the theatre owes (a late card
// payment for a seat sold meanwhile, a cancelled performance, an order an
// administrator refunded), its state at Stripe, and a button sending a
// failed one again once its cause is fixed. The ticketing domain decides
// who may see and retry them.

type refundsPage struct {
	Refunds []ticketing.CardRefund
	Failed  int
	// Retried names the order whose refund was just sent again.
	Retried string
}

func (s *theatrePages) handleCardRefundsPage(w http.ResponseWriter, r *http.Request, c identity.Caller) {
	rs, err := s.ticketing.AdminCardRefunds(r.Context(), c)
	if err != nil {
		s.pageError(w, r, err)
		return
	}
	page := refundsPage{Refunds: rs, Retried: r.URL.Query().Get("retried")}
	for _, rf := range rs {
		if rf.State == ticketing.RefundFailed {
			page.Failed++
		}
	}
	s.render(w, r, http.StatusOK, "admin_refunds", "admin", page)
}

// handleCardRefundRetry puts a failed refund back in the queue; the refund
// loop sends it with its first idempotency key, so Stripe pays it once.
func (s *theatrePages) handleCardRefundRetry(w http.ResponseWriter, r *http.Request, c identity.Caller) {
	order := r.PathValue("order")
	if _, err := s.ticketing.RetryCardRefund(r.Context(), c, order); err != nil {
		s.pageError(w, r, err)
		return
	}
	http.Redirect(w, r, "/admin/refunds?retried="+url.QueryEscape(order), http.StatusSeeOther)
}
