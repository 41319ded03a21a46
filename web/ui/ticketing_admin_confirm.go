package ui

import (
	"net/http"
	"net/url"
	"strconv"
	"strings"

	"cityhub/apperr"
	"cityhub/identity"
	"cityhub/ticketing"
	"cityhub/web/httpx"
)

// Cancelling a performance and refunding an order cannot be undone, so each
// first shows what will happen (GET), and the POST acts only with the
// confirmation page's confirm field: a post without it changes nothing and
// shows the confirmation instead.

// handleTheatreAdminCancelConfirm shows what cancelling a performance does:
// every ticket sold is refunded (credit back to the wallet; card payments
// back to the card), and the seats are no longer on sale.
func (s *theatrePages) handleTheatreAdminCancelConfirm(w http.ResponseWriter, r *http.Request, c identity.Caller) {
	ctx := r.Context()
	p, err := s.ticketing.Performance(ctx, r.PathValue("id"))
	if err != nil {
		s.pageError(w, r, err)
		return
	}
	if p.Status != ticketing.PerformanceScheduled {
		s.pageError(w, r, apperr.R(apperr.Conflict, "performance_cancelled", "This performance is already cancelled."))
		return
	}
	st, err := s.ticketing.Stats(ctx, c, p.ID)
	if err != nil {
		s.pageError(w, r, err)
		return
	}
	l := s.locale(r)
	s.renderConfirm(w, r, "admin", confirmPage{
		Heading: l.T("staff.cancel.heading", p.Title),
		Lead:    l.T("staff.cancel.lead"),
		Facts: []confirmFact{
			{l.T("tadmin.title_col"), p.Title},
			{l.T("theatre.starts"), l.DateTime(p.StartsAt)},
			{l.T("tadmin.sold"), strconv.Itoa(st.Sold) + " / " + strconv.Itoa(st.Seats)},
			{l.T("tadmin.held"), strconv.Itoa(st.Held)},
			{l.T("tadmin.revenue"), l.Money(st.RevenueCents)},
		},
		Action: "/admin/theatre/performances/" + url.PathEscape(p.ID) + "/cancel",
		Button: l.T("staff.cancel.button"), Danger: true, Back: "/admin/theatre#performances",
	})
}

func (s *theatrePages) handleTheatreAdminCancel(w http.ResponseWriter, r *http.Request, c identity.Caller) {
	if !confirmed(r) {
		http.Redirect(w, r, r.URL.Path, http.StatusSeeOther)
		return
	}
	if _, err := s.ticketing.CancelPerformance(r.Context(), c, r.PathValue("id")); err != nil {
		s.pageError(w, r, err)
		return
	}
	http.Redirect(w, r, theatreAdminBack("cancelled", "performances"), http.StatusSeeOther)
}

// handleTheatreAdminRefundConfirm shows the order the refund form named
// (GET /admin/theatre/refunds?order_id=): its performance, seats, total and
// how it was paid, so the right order is refunded. An unknown order comes
// back to the form with the message next to the field.
func (s *theatrePages) handleTheatreAdminRefundConfirm(w http.ResponseWriter, r *http.Request, c identity.Caller) {
	ctx := r.Context()
	l := s.locale(r)
	id := strings.TrimSpace(r.URL.Query().Get("order_id"))
	f := newStaffForm()
	f.Values["order_id"] = id
	if id == "" {
		f.fail("order_id", l.T("staff.err.required"))
		s.renderTheatreAdmin(w, r, c, http.StatusBadRequest, theatreForms{refund: f})
		return
	}
	// The page says what the refund would do to the order as it stands,
	// or why it would be refused, before anyone confirms it.
	plan, err := s.ticketing.PlanRefund(ctx, c, id)
	if err != nil {
		s.refundRefused(w, r, c, f, err)
		return
	}
	o := plan.Order
	if plan.Action == ticketing.RefundNothing {
		f.fail("order_id", l.T("staff.refund.nothing"))
		s.renderTheatreAdmin(w, r, c, http.StatusConflict, theatreForms{refund: f})
		return
	}
	p, err := s.ticketing.Performance(ctx, o.PerformanceID)
	if err != nil {
		s.pageError(w, r, err)
		return
	}
	seats := make([]string, 0, len(o.Seats))
	for _, st := range ticketing.SortBySeat(o.Seats, func(s ticketing.OrderSeat) string { return s.SeatID }) {
		seats = append(seats, seatName(l, st.SeatID))
	}
	method := o.Method
	if l.Has("staff.refund.method." + method) {
		method = l.T("staff.refund.method." + method)
	}
	status := o.Status
	if l.Has("staff.order.status." + status) {
		status = l.T("staff.order.status." + status)
	}
	heading, lead, button := l.T("staff.refund.heading"), l.T("staff.refund.lead", l.Money(plan.Amount)), l.T("staff.refund.button")
	switch plan.Action {
	case ticketing.RefundReleasesHold:
		heading, lead, button = l.T("staff.refund.heading_hold"), l.T("staff.refund.lead_hold"), l.T("staff.refund.button_hold")
	case ticketing.RefundClosesDue:
		heading, lead, button = l.T("staff.refund.heading_due"), l.T("staff.refund.lead_due."+plan.RefundState, l.Money(plan.Amount)), l.T("staff.refund.button_due")
	}
	s.renderConfirm(w, r, "admin", confirmPage{
		Heading: heading,
		Lead:    lead,
		Facts: []confirmFact{
			{l.T("tadmin.order_id"), o.ID},
			{l.T("tadmin.title_col"), p.Title + " · " + l.DateTime(p.StartsAt)},
			{l.T("staff.refund.seats"), strings.Join(seats, "; ")},
			{l.T("vadmin.total"), l.Money(o.TotalCents)},
			{l.T("staff.refund.method"), method},
			{l.T("item.status"), status},
		},
		// expect: the refund acts only while the order is as this page
		// described it (a hold paid meanwhile is shown again).
		Action: "/admin/theatre/refunds", Hidden: map[string]string{"order_id": o.ID, "expect": plan.Action},
		Button: button, Danger: true, Back: "/admin/theatre#refunds",
	})
}

// refundRefused shows the refund form again with why the order cannot be
// refunded (not found, a ticket used, a disputed payment), or the error
// page for anything else.
func (s *theatrePages) refundRefused(w http.ResponseWriter, r *http.Request, c identity.Caller, f *staffForm, err error) {
	l := s.locale(r)
	if apperr.CodeOf(err) == apperr.NotFound {
		f.fail("order_id", l.T("staff.refund.not_found"))
		s.renderTheatreAdmin(w, r, c, http.StatusNotFound, theatreForms{refund: f})
		return
	}
	if !formRefusal(l, f, err, map[string]string{"ticket_used": "order_id", "order_disputed": "order_id"}) {
		s.pageError(w, r, err)
		return
	}
	s.renderTheatreAdmin(w, r, c, httpx.StatusFor(err), theatreForms{refund: f})
}

func (s *theatrePages) handleTheatreAdminRefund(w http.ResponseWriter, r *http.Request, c identity.Caller) {
	id := strings.TrimSpace(r.PostFormValue("order_id"))
	if !confirmed(r) {
		http.Redirect(w, r, "/admin/theatre/refunds?order_id="+url.QueryEscape(id), http.StatusSeeOther)
		return
	}
	// The refund acts only on the order its page described (expect), which
	// the service checks under the order's lock: a post without it, or an
	// order changed since (a hold paid, an order refunded by someone
	// else), shows the page again, saying what a refund would do now, and
	// nothing is done.
	expect := r.PostFormValue("expect")
	var o ticketing.Order
	var err error = apperr.R(apperr.Conflict, "order_changed", "No page said what the refund would do.")
	if expect != "" {
		o, err = s.ticketing.RefundOrderAsPlanned(r.Context(), c, id, expect)
	}
	if apperr.ReasonOf(err) == "order_changed" {
		http.Redirect(w, r, "/admin/theatre/refunds?order_id="+url.QueryEscape(id), http.StatusSeeOther)
		return
	}
	if err != nil {
		f := newStaffForm()
		f.Values["order_id"] = id
		s.refundRefused(w, r, c, f, err)
		return
	}
	done := "refunded"
	if o.Status == ticketing.OrderCancelled {
		done = "hold_released"
	}
	http.Redirect(w, r, theatreAdminBack(done, "refunds"), http.StatusSeeOther)
}
