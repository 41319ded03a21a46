// Package ticketing sells theatre seats: venues and their seat maps,
// performances with a price per seat category, holds that keep chosen seats
// for a buyer while they pay, orders paid with wallet credit or by card,
// tickets shown as rotating QR codes, and check-in at the door. A seat is
// never sold twice: the store keeps one live claim per (performance, seat)
// under a unique key, and every payment turns claims into tickets in the
// same database transaction as its ledger posting. It knows neither HTTP nor
// SQL nor Stripe, and must never issue a ticket outside that transaction.
package ticketing

import (
	"cmp"
	"encoding/json"
	"fmt"
	"maps"
	"slices"
	"strings"
	"time"
	"unicode/utf8"

	"cityhub/apperr"
	"cityhub/money"
	"cityhub/plaintext"
	"cityhub/wallet"
)

// Performance statuses.
const (
	PerformanceScheduled = "scheduled"
	PerformanceCancelled = "cancelled"
)

// Order statuses.
const (
	// OrderHeld: seats are held until HoldExpiresAt while the buyer pays.
	OrderHeld = "held"
	// OrderPaid: tickets were issued.
	OrderPaid = "paid"
	// OrderRefundDue: card money arrived but the seats could not be issued
	// (the hold expired and another buyer took a seat); the money must go back.
	OrderRefundDue = "refund_due"
	// OrderCancelled: released before payment (expired or given up).
	OrderCancelled = "cancelled"
	// OrderRefunded: cancelled by an administrator after payment, money returned.
	OrderRefunded = "refunded"
)

// Payment methods.
const (
	PayWallet = "wallet"
	PayCard   = "card"
)

// Ticket statuses.
const (
	TicketValid     = "valid"
	TicketCheckedIn = "checked_in"
	TicketCancelled = "cancelled"
)

// Claim states: a claim is a seat of a performance taken by an order.
const (
	ClaimHeld = "held"
	ClaimSold = "sold"
)

// Limits.
const (
	// HoldTTL is how long chosen seats stay held while the buyer pays.
	HoldTTL = 10 * time.Minute
	// MaxSeatsPerOrder bounds one order, and the seats of a performance
	// one citizen may hold unpaid at a time, so nobody can keep a hall from
	// other buyers with endless holds.
	MaxSeatsPerOrder = 10
	// MaxSeatsPerVenue bounds a seat map.
	MaxSeatsPerVenue = 5000
	TokenLeeway      = 5 * time.Second
	// MaxCodeFailures typed codes that match no ticket, per door staff
	// account and per address within CodeFailureWindow, stop look-ups.
	MaxCodeFailures   = 20
	CodeFailureWindow = 10 * time.Minute
	// DefaultDoorsOpenBefore is when the doors open before the start, for a
	// performance that does not say; MaxDoorsOpenBefore bounds the setting.
	DefaultDoorsOpenBefore = 2 * time.Hour
	MaxDoorsOpenBefore     = 12 * time.Hour
	// DefaultDuration ends a performance entered without an end or a
	// duration: long enough for a play with an interval, so the door does
	// not close on the second act. MaxDuration bounds the setting.
	DefaultDuration = 3 * time.Hour
	MaxDuration     = 12 * time.Hour
)

// Bounds of what administrators type, in characters: a venue's name and
// address, a performance's title, and the labels of a seat map (a
// section, a row, a price category); MaxSeatNumber bounds a seat's number
// in its row. The refusals give them as their values, so that the pages'
// words name them as the checks enforce them.
const (
	MaxVenueName    = 200
	MaxVenueAddress = 300
	MaxTitle        = 200
	MaxLabel        = 20
	MaxSeatNumber   = 999
)

// Ledger transaction kinds.
const (
	KindSaleWallet = "ticket.sale.wallet"
	KindSaleCard   = "ticket.sale.card"
	KindRefund     = "ticket.refund"
	// A card dispute on a sale: held from revenue, then won or lost.
	KindDisputeHold = "ticket.dispute.hold"
	KindDisputeWon  = "ticket.dispute.won"
	KindDisputeLost = "ticket.dispute.lost"
)

// StripePurpose is the cityhub_purpose metadata of a ticket order's
// PaymentIntent; StripeOrderKey names the order.
const (
	StripePurpose  = "ticket_order"
	StripeOrderKey = "order_id"
)

// Venue is a theatre.
type Venue struct {
	ID        string    `json:"id"`
	Name      string    `json:"name"`
	Address   string    `json:"address"`
	CreatedAt time.Time `json:"created_at"`
}

// Its refusal's one value is max (field is this package's own word, in
// the message), which the pages' words name.
func text(field, v string, max int) error {
	if strings.TrimSpace(v) == "" || utf8.RuneCountInString(v) > max || !plaintext.Line(v) {
		return apperr.R(apperr.Invalid, "invalid_"+field, "The "+field+" must be one line of 1 to %d characters, without control characters.", max)
	}
	return nil
}

// Validate checks the venue's fields. Invalid when one is empty or too long.
func (v Venue) Validate() error {
	if problems := v.Problems(); len(problems) > 0 {
		return problems[0]
	}
	return nil
}

// Problems is every mistake Validate finds in the venue's fields, name
// first, so that a form shows them all at once.
func (v Venue) Problems() []error {
	var out []error
	for _, err := range []error{text("name", v.Name, MaxVenueName), text("address", v.Address, MaxVenueAddress)} {
		if err != nil {
			out = append(out, err)
		}
	}
	return out
}

// Seat is one seat of a venue's seat map. Its id is "section/row/number",
// unique within the venue.
type Seat struct {
	ID       string `json:"id"`
	Section  string `json:"section"`
	Row      string `json:"row"`
	Number   int    `json:"number"`
	Category string `json:"category"`
}

// SeatID is the id of a seat.
func SeatID(section, row string, number int) string {
	return fmt.Sprintf("%s/%s/%d", section, row, number)
}

// CompareSeatIDs orders seat ids as people read them: by section, then
// row, then number as a number ("Platea/A/9" before "Platea/A/10"), where
// their text order (the order of locks) puts 10 first. An id of another
// shape sorts by its text, after the seats.
func CompareSeatIDs(a, b string) int {
	sa, ra, na, okA := parseSeatID(a)
	sb, rb, nb, okB := parseSeatID(b)
	if !okA || !okB {
		return cmp.Or(boolOrder(okB, okA), strings.Compare(a, b))
	}
	return cmp.Or(strings.Compare(sa, sb), strings.Compare(ra, rb), cmp.Compare(na, nb))
}

// boolOrder puts true before false: a seat before an id of another shape.
func boolOrder(a, b bool) int {
	switch {
	case a == b:
		return 0
	case a:
		return 1
	}
	return -1
}

// SortBySeat is xs in the order people read their seats (CompareSeatIDs),
// a sorted copy: the order's own slice stays in lock order.
func SortBySeat[T any](xs []T, seatID func(T) string) []T {
	out := slices.Clone(xs)
	slices.SortFunc(out, func(a, b T) int { return CompareSeatIDs(seatID(a), seatID(b)) })
	return out
}

// SeatMap is a venue's seats, as an administrator enters them.
type SeatMap struct {
	Sections []Section `json:"sections"`
}

// Section is a part of the hall (stalls, balcony).
type Section struct {
	Name string    `json:"name"`
	Rows []SeatRow `json:"rows"`
}

// SeatRow is a row of seats numbered From..To, all of one price category.
type SeatRow struct {
	Name     string `json:"name"`
	From     int    `json:"from"`
	To       int    `json:"to"`
	Category string `json:"category"`
}

func label(field, v string) error {
	if v == "" || utf8.RuneCountInString(v) > MaxLabel || strings.ContainsAny(v, "/ ") || !plaintext.Line(v) {
		return apperr.R(apperr.Invalid, "invalid_"+field, "A "+field+" name must be 1 to %d characters without spaces, slashes or control characters.", MaxLabel)
	}
	return nil
}

// MaxPriceCents bounds a seat's price: an order of the most seats
// (MaxSeatsPerOrder) at it is still one amount the ledger takes
// (wallet.MaxAmount). 100,000.00 EUR.
const MaxPriceCents = wallet.MaxAmount / MaxSeatsPerOrder

// Seats expands the map into seats. Invalid for empty or malformed
// sections and rows, duplicate seats or more than MaxSeatsPerVenue.
func (m SeatMap) Seats() ([]Seat, error) {
	if len(m.Sections) == 0 {
		return nil, apperr.R(apperr.Invalid, "invalid_seat_map", "A seat map needs at least one section.")
	}
	var out []Seat
	seen := map[string]bool{}
	for _, s := range m.Sections {
		if err := label("section", s.Name); err != nil {
			return nil, err
		}
		if len(s.Rows) == 0 {
			return nil, apperr.R(apperr.Invalid, "invalid_seat_map", "Section %s has no rows.", s.Name)
		}
		for _, r := range s.Rows {
			if err := label("row", r.Name); err != nil {
				return nil, err
			}
			if err := label("category", r.Category); err != nil {
				return nil, err
			}
			if r.From < 1 || r.To < r.From || r.To > MaxSeatNumber {
				return nil, apperr.R(apperr.Invalid, "invalid_seat_numbers", "Row %s of %s must number its seats from 1 to %d, from <= to.", r.Name, s.Name, MaxSeatNumber)
			}
			if len(out)+(r.To-r.From+1) > MaxSeatsPerVenue {
				return nil, apperr.R(apperr.Invalid, "too_many_seats", "A venue has at most %d seats.", MaxSeatsPerVenue)
			}
			for n := r.From; n <= r.To; n++ {
				id := SeatID(s.Name, r.Name, n)
				if seen[id] {
					return nil, apperr.R(apperr.Invalid, "duplicate_seat", "Seat %s appears twice.", id)
				}
				seen[id] = true
				out = append(out, Seat{ID: id, Section: s.Name, Row: r.Name, Number: n, Category: r.Category})
			}
		}
	}
	return out, nil
}

// Performance is a show at a venue on a date. Its tickets admit people
// from DoorsOpen until EndsAt, and only then.
type Performance struct {
	ID        string    `json:"id"`
	VenueID   string    `json:"venue_id"`
	Title     string    `json:"title"`
	StartsAt  time.Time `json:"starts_at"`
	DoorsOpen time.Time `json:"doors_open"`
	EndsAt    time.Time `json:"ends_at"`
	// Prices is the price of each seat category in cents; a seat whose
	// category has no price is not on sale.
	Prices     map[string]int64 `json:"prices_cents"`
	SalesOpen  time.Time        `json:"sales_open"`
	SalesClose time.Time        `json:"sales_close"`
	Status     string           `json:"status"`
	CreatedAt  time.Time        `json:"created_at"`
	// SelfCancelHours is the city's rule for buyers cancelling their own
	// paid orders: allowed until this many hours before the start (0: until
	// the start), refunded the way it was paid. Nil: buyers cannot cancel;
	// only an administrator refunds.
	SelfCancelHours *int `json:"self_cancel_hours,omitempty"`
}

// MaxSelfCancelHours bounds the self-cancellation rule: 30 days.
const MaxSelfCancelHours = 720

// SelfCancelDeadline is when buyers stop being able to cancel their own
// orders; ok is false when they never can.
func (p Performance) SelfCancelDeadline() (deadline time.Time, ok bool) {
	if p.SelfCancelHours == nil {
		return time.Time{}, false
	}
	return p.StartsAt.Add(-time.Duration(*p.SelfCancelHours) * time.Hour), true
}

// Validate checks the performance's fields. Invalid for an empty title,
// a start outside the years 2000 to 2999, no prices, a price out of bounds, a sales window that does not end by
// the start, doors that open after the start or more than
// MaxDoorsOpenBefore before it, an end that is not after the start or
// more than MaxDuration after it, or a self-cancellation rule out of
// bounds.
func (p Performance) Validate() error {
	if problems := p.Problems(); len(problems) > 0 {
		return problems[0]
	}
	return nil
}

// Problems is every mistake Validate finds in the performance's fields,
// in the order it reports them, at most one a field, so that a form shows
// them all at once. The doors and the end, measured from the start, are
// judged only once the start is right: against a missing start they would
// be blamed for its mistake.
func (p Performance) Problems() []error {
	var out []error
	if err := text("title", p.Title, MaxTitle); err != nil {
		out = append(out, err)
	}
	if p.VenueID == "" {
		out = append(out, apperr.R(apperr.Invalid, "invalid_venue", "A performance needs a venue."))
	}
	startOK := false
	switch y := p.StartsAt.Year(); {
	case p.StartsAt.IsZero():
		out = append(out, apperr.R(apperr.Invalid, "invalid_starts_at", "A performance needs a start time."))
	case y < 2000 || y > 2999:
		// A start in year 9999 passed every other check, and its end
		// (hours later, in year 10000) could not be written as RFC 3339:
		// every list holding the performance failed from then on.
		out = append(out, apperr.R(apperr.Invalid, "invalid_starts_at", "A performance starts between the years 2000 and 2999."))
	default:
		startOK = true
	}
	if len(p.Prices) == 0 {
		out = append(out, apperr.R(apperr.Invalid, "invalid_prices", "A performance needs a price for at least one seat category."))
	}
	// In the categories' order, so that the same prices are refused alike.
	for _, cat := range slices.Sorted(maps.Keys(p.Prices)) {
		if err := label("category", cat); err != nil {
			out = append(out, err)
			break
		}
		if c := p.Prices[cat]; c < 1 || c > MaxPriceCents {
			// The bound is passed as an amount, so that the pages' words
			// name it as their language writes money (100.000,00 €) and
			// cannot say another.
			out = append(out, apperr.R(apperr.Invalid, "invalid_price", "The price of %s must be more than 0 and at most %s (what the most seats one order holds may cost together).", cat, money.Cents(MaxPriceCents)))
			break
		}
	}
	// Without a start, the sales window is judged only when its close was
	// given: by default it closes at the start.
	if (startOK || !p.SalesClose.IsZero()) && (p.SalesOpen.IsZero() || p.SalesClose.IsZero() || !p.SalesClose.After(p.SalesOpen) || (startOK && p.SalesClose.After(p.StartsAt))) {
		out = append(out, apperr.R(apperr.Invalid, "invalid_sales_window", "Sales must open before they close, and close by the start of the performance."))
	}
	if startOK && (p.DoorsOpen.IsZero() || p.DoorsOpen.After(p.StartsAt) || p.StartsAt.Sub(p.DoorsOpen) > MaxDoorsOpenBefore) {
		out = append(out, apperr.R(apperr.Invalid, "invalid_doors_open", "The doors must open at or before the start, at most %d hours before it.", int(MaxDoorsOpenBefore.Hours())))
	}
	if startOK && (!p.EndsAt.After(p.StartsAt) || p.EndsAt.Sub(p.StartsAt) > MaxDuration) {
		out = append(out, apperr.R(apperr.Invalid, "invalid_ends_at", "A performance ends after it starts, at most %d hours later.", int(MaxDuration.Hours())))
	}
	if p.Status != PerformanceScheduled && p.Status != PerformanceCancelled {
		out = append(out, apperr.R(apperr.Invalid, "invalid_status", "A performance is scheduled or cancelled."))
	}
	if h := p.SelfCancelHours; h != nil && (*h < 0 || *h > MaxSelfCancelHours) {
		out = append(out, apperr.R(apperr.Invalid, "invalid_self_cancel_hours", "Buyers may cancel until 0 to %d hours before the start.", MaxSelfCancelHours))
	}
	return out
}

// OnSale reports whether tickets may be sold at now.
func (p Performance) OnSale(now time.Time) bool {
	return p.Status == PerformanceScheduled && !now.Before(p.SalesOpen) && now.Before(p.SalesClose)
}

// DoorsOpenAt reports whether the door admits this performance's tickets
// at now: from DoorsOpen (included) until EndsAt (excluded), unless it was
// cancelled (its tickets with it: the door turns them all away).
func (p Performance) DoorsOpenAt(now time.Time) bool {
	return p.Status != PerformanceCancelled && !now.Before(p.DoorsOpen) && now.Before(p.EndsAt)
}

// Claim is a seat of a performance taken by an order: held until ExpiresAt,
// or sold. The store keeps at most one claim per (performance, seat).
type Claim struct {
	PerformanceID string    `json:"performance_id"`
	SeatID        string    `json:"seat_id"`
	OrderID       string    `json:"order_id"`
	State         string    `json:"state"`
	ExpiresAt     time.Time `json:"expires_at"`
}

// Live reports whether the claim still keeps the seat from others at now.
func (c Claim) Live(now time.Time) bool { return c.State == ClaimSold || now.Before(c.ExpiresAt) }

// OrderSeat is a seat of an order with the price it was sold at.
type OrderSeat struct {
	SeatID     string `json:"seat_id"`
	Category   string `json:"category"`
	PriceCents int64  `json:"price_cents"`
}

// Order is a buyer's seats for one performance, from hold to payment.
type Order struct {
	ID            string      `json:"id"`
	AccountID     string      `json:"account_id"`
	PerformanceID string      `json:"performance_id"`
	Seats         []OrderSeat `json:"seats"`
	TotalCents    int64       `json:"total_cents"`
	Status        string      `json:"status"`
	// Method is how it was paid (or is being paid): wallet or card.
	Method          string    `json:"method,omitempty"`
	PaymentIntentID string    `json:"payment_intent_id,omitempty"`
	HoldExpiresAt   time.Time `json:"hold_expires_at"`
	CreatedAt       time.Time `json:"created_at"`
	PaidAt          time.Time `json:"paid_at,omitzero"`
	// TransactionID is the ledger transaction of the sale.
	TransactionID string `json:"transaction_id,omitempty"`
	// Note says why an order needs a refund or was cancelled.
	Note string `json:"note,omitempty"`
	// Dispute is the state of a card dispute (chargeback) on the order's
	// payment: empty (none), open, won or lost. Tickets of a lost dispute
	// are void and their seats are not sold again.
	Dispute string `json:"dispute,omitempty"`
	// CardRefundedCents is what was refunded at Stripe, outside the hub.
	CardRefundedCents int64 `json:"card_refunded_cents,omitempty"`
	// CardAttempt counts the card payments canceled at the card processor
	// and detached from the order (the buyer paid with credit or let the
	// seats go instead): the next card payment is a new attempt, started
	// under a key of its own (CardAttemptID).
	CardAttempt int `json:"-"`
}

// MarshalJSON writes the order with its seats in the order people read
// them (SortBySeat: A/2 before A/10), wherever an order is answered; the
// order's own slice stays in lock order, the seats' text order.
func (o Order) MarshalJSON() ([]byte, error) {
	type plain Order
	o.Seats = SortBySeat(o.Seats, func(s OrderSeat) string { return s.SeatID })
	return json.Marshal(plain(o))
}

// Dispute states of an order.
const (
	DisputeOpen = "open"
	DisputeWon  = "won"
	DisputeLost = "lost"
)

// Ticket admits one person to one seat of one performance.
type Ticket struct {
	ID            string    `json:"id"`
	OrderID       string    `json:"order_id"`
	PerformanceID string    `json:"performance_id"`
	VenueID       string    `json:"venue_id"`
	SeatID        string    `json:"seat_id"`
	AccountID     string    `json:"account_id"`
	PriceCents    int64     `json:"price_cents"`
	Status        string    `json:"status"`
	Code          string    `json:"-"`
	CodeHash      string    `json:"-"`
	IssuedAt      time.Time `json:"issued_at"`
	CheckedInAt   time.Time `json:"checked_in_at,omitzero"`
	CheckedInBy   string    `json:"-"`
}

// SalesStats are a performance's sales.
type SalesStats struct {
	PerformanceID string `json:"performance_id"`
	Seats         int    `json:"seats"`
	Sold          int    `json:"sold"`
	Held          int    `json:"held"`
	CheckedIn     int    `json:"checked_in"`
	RevenueCents  int64  `json:"revenue_cents"`
	RefundsDue    int    `json:"refunds_due"`
	// DoubleEntries counts the entries doors let in offline whose ticket
	// had been used already or cancelled (DoubleEntries lists them).
	DoubleEntries int `json:"double_entries"`
}
