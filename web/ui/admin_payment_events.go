package ui

import (
	"cityhub/money"
	"context"
	"net/http"
	"net/url"
	"strings"

	"cityhub/cardpay"
	"cityhub/identity"
	"cityhub/web/httpx"
)

// The page of Stripe events the hub kept for an operator instead of
// applying them: payments it did not create, other currencies, events no
// retry could apply. Nothing was credited or moved for them; an
// administrator settles each in Stripe's dashboard, which the page links to.
// cardpay decides who may see them.

// PaymentEvents lists and counts the kept events; cardpay.Service
// implements it.
type PaymentEvents interface {
	AttentionEvents(ctx context.Context, c identity.Caller, cursor string, limit int) (cardpay.AttentionPage, error)
	AttentionCount(ctx context.Context, c identity.Caller) (int, error)
}

type paymentEventsPage struct {
	Events []paymentEventRow
	// Total counts every kept event; Older links the next (older) page,
	// Newest the first, when this is not it.
	Total         int
	Older, Newest string
}

// paymentEventRow is a kept event with what the page computes for it.
type paymentEventRow struct {
	cardpay.Record
	// Amount is written in the event's currency ("" when it has none).
	Amount string
	// EventURL and PaymentURL open the event and its payment in Stripe's
	// dashboard (test or live, as the event was).
	EventURL, PaymentURL string
}

func (s *staffPages) handlePaymentEventsPage(w http.ResponseWriter, r *http.Request, c identity.Caller) {
	// Two cursors are a link gone bad, as one the list never gave.
	cursor := r.URL.Query().Get("cursor")
	err := httpx.Once(r.URL.Query(), "cursor")
	var evPage cardpay.AttentionPage
	if err == nil {
		evPage, err = s.events.AttentionEvents(r.Context(), c, cursor, cardpay.DefaultAttentionPage)
	}
	if err != nil {
		s.pagingRefused(w, r, err, "/admin/payments/events")
		return
	}
	total, err := s.events.AttentionCount(r.Context(), c)
	if err != nil {
		s.pageError(w, r, err)
		return
	}
	l := s.locale(r)
	evs := evPage.Events
	page := paymentEventsPage{Events: make([]paymentEventRow, 0, len(evs)), Total: total}
	if evPage.Next != "" {
		page.Older = "/admin/payments/events?cursor=" + url.QueryEscape(evPage.Next)
	}
	if cursor != "" {
		page.Newest = "/admin/payments/events"
	}
	for _, ev := range evs {
		row := paymentEventRow{Record: ev, Amount: eventAmount(l, ev.AmountCents, ev.Currency), EventURL: stripeDashboard(ev.Livemode, "events", ev.ID)}
		if ev.PaymentIntentID != "" {
			row.PaymentURL = stripeDashboard(ev.Livemode, "payments", ev.PaymentIntentID)
		}
		page.Events = append(page.Events, row)
	}
	s.render(w, r, http.StatusOK, "admin_payment_events", "admin", page)
}

// stripeDashboard is the address of an object in Stripe's dashboard.
func stripeDashboard(live bool, kind, id string) string {
	mode := "test/"
	if live {
		mode = ""
	}
	return "https://dashboard.stripe.com/" + mode + kind + "/" + url.PathEscape(id)
}

// zeroDecimal are the currencies Stripe counts in whole units.
var zeroDecimal = map[string]bool{"bif": true, "clp": true, "djf": true, "gnf": true, "jpy": true, "kmf": true, "krw": true, "mga": true,
	"pyg": true, "rwf": true, "ugx": true, "vnd": true, "vuv": true, "xaf": true, "xof": true, "xpf": true}

// eventAmount writes an event's amount: euros as the pages write money,
// another currency with its ISO code, so an operator never reads dollars
// as euros.
func eventAmount(l *locale, amount int64, currency string) string {
	cur := strings.ToLower(currency)
	switch {
	case amount == 0 && cur == "":
		return ""
	case cur == "" || cur == "eur":
		return l.Money(amount)
	case zeroDecimal[cur]:
		return money.Units(amount, l.Lang) + " " + strings.ToUpper(cur)
	}
	return money.Cents(amount).Number(l.Lang) + " " + strings.ToUpper(cur)
}

func init() { pageViews = append(pageViews, "admin_payment_events") }
