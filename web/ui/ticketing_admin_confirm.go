package ui

import (
	"net/http"
	"net/url"
	"strconv"
	"strings"

	"cityhub/apperr"
	"cityhub/identity"
	"cityhub/ticketing"
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
	o, err := s.ticketing.Order(ctx, c, id)
	if err != nil {
		if !formRefusal(l, f, err, map[string]string{"order_not_found": "order_id"}) && apperr.CodeOf(err) != apperr.NotFound {
			s.pageError(w, r, err)
			return
		}
		if apperr.CodeOf(err) == apperr.NotFound {
			f.Errors = map[string]string{"order_id": l.T("staff.refund.not_found")}
		}
		s.renderTheatreAdmin(w, r, c, http.StatusNotFound, theatreForms{refund: f})
		return
	}
	p, err := s.ticketing.Performance(ctx, o.PerformanceID)
	if err != nil {
		s.pageError(w, r, err)
		return
	}
	seats := make([]string, 0, len(o.Seats))
	for _, st := range o.Seats {
		seats = append(seats, st.SeatID)
	}
	method := o.Method
	if l.Has("staff.refund.method." + method) {
		method = l.T("staff.refund.method." + method)
	}
	status := o.Status
	if l.Has("staff.order.status." + status) {
		status = l.T("staff.order.status." + status)
	}
	s.renderConfirm(w, r, "admin", confirmPage{
		Heading: l.T("staff.refund.heading"),
		Lead:    l.T("staff.refund.lead", l.Money(o.TotalCents)),
		Facts: []confirmFact{
			{l.T("tadmin.order_id"), o.ID},
			{l.T("tadmin.title_col"), p.Title + " · " + l.DateTime(p.StartsAt)},
			{l.T("staff.refund.seats"), strings.Join(seats, ", ")},
			{l.T("vadmin.total"), l.Money(o.TotalCents)},
			{l.T("staff.refund.method"), method},
			{l.T("item.status"), status},
		},
		Action: "/admin/theatre/refunds", Hidden: map[string]string{"order_id": o.ID},
		Button: l.T("staff.refund.button"), Danger: true, Back: "/admin/theatre#refunds",
	})
}

func (s *theatrePages) handleTheatreAdminRefund(w http.ResponseWriter, r *http.Request, c identity.Caller) {
	id := strings.TrimSpace(r.PostFormValue("order_id"))
	if !confirmed(r) {
		http.Redirect(w, r, "/admin/theatre/refunds?order_id="+url.QueryEscape(id), http.StatusSeeOther)
		return
	}
	if _, err := s.ticketing.RefundOrder(r.Context(), c, id); err != nil {
		s.pageError(w, r, err)
		return
	}
	http.Redirect(w, r, theatreAdminBack("refunded", "refunds"), http.StatusSeeOther)
}
