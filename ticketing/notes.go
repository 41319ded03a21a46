package ticketing

import (
	"strings"

	"cityhub/money"
)

// The notes an order is given when it leaves the usual way, in English as
// the record keeps them (the staff's views and exports show them so); the
// buyer's pages show each in the page's language (web/ui, OrderNote). A
// note made of several ("; " between them) is shown part by part.
const (
	NoteReleased                = "released by the buyer"
	NoteCancelledByAdmin        = "cancelled by an administrator"
	NoteCancelledByBuyer        = "cancelled by the buyer"
	NotePerformanceCancelled    = "the performance was cancelled"
	NoteCancelledWhileDisputed  = "performance cancelled while the card payment is disputed: the dispute settles the money"
	NoteRefundedAtStripe        = "refunded at Stripe"
	NoteDisputeWonRefunded      = "card dispute won after the performance was cancelled: refunded to the card"
	NoteDisputeLost             = "card dispute lost: the tickets are void and their seats are not sold again"
	NoteOrderCancelledBeforePay = "the order was cancelled before the payment arrived"
	NotePerformanceCancelledPay = "the performance was cancelled before the payment arrived"
	NotePaidAfterTheEnd         = "the payment arrived after the performance ended"
	NoteHoldExpiredSalesClosed  = "the hold expired after ticket sales closed"
	NoteHoldExpiredSeatSold     = "the hold expired and a seat was sold to someone else"
	NoteHoldExpiredOffSale      = "the hold expired and its seats were taken off sale"
	// NoteTicketsStayValid follows a partial refund's note
	// (PartialRefundNote).
	NoteTicketsStayValid = "the tickets stay valid"
)

// partialRefundSuffix ends the note of a card payment refunded in part.
const partialRefundSuffix = " refunded at Stripe"

// PartialRefundNote is the note of a card payment of which c was refunded
// at Stripe, the tickets staying valid: "5.00 EUR refunded at Stripe; the
// tickets stay valid".
func PartialRefundNote(c money.Cents) string {
	return c.String() + partialRefundSuffix + "; " + NoteTicketsStayValid
}

// PartialRefundOf reads the amount from the first part of a
// PartialRefundNote, so that a page can word it in its own language.
func PartialRefundOf(part string) (money.Cents, bool) {
	amount, ok := strings.CutSuffix(part, partialRefundSuffix)
	if !ok {
		return 0, false
	}
	c, err := money.Parse(amount)
	return c, err == nil
}

// OrderNotes are the notes above, by the name their translations go by.
var OrderNotes = map[string]string{
	NoteReleased: "released", NoteCancelledByAdmin: "cancelled_by_admin", NoteCancelledByBuyer: "cancelled_by_buyer", NotePerformanceCancelled: "performance_cancelled", NoteCancelledWhileDisputed: "cancelled_while_disputed",
	NoteRefundedAtStripe: "refunded_at_stripe", NoteDisputeWonRefunded: "dispute_won_refunded", NoteDisputeLost: "dispute_lost",
	NoteOrderCancelledBeforePay: "order_cancelled_before_payment", NotePerformanceCancelledPay: "performance_cancelled_before_payment",
	NotePaidAfterTheEnd: "paid_after_the_end", NoteHoldExpiredSalesClosed: "hold_expired_sales_closed", NoteHoldExpiredSeatSold: "hold_expired_seat_sold",
	NoteHoldExpiredOffSale: "hold_expired_off_sale",
	NoteTicketsStayValid:   "tickets_stay_valid",
}

// HasNote reports whether an order's note holds part, alone or among
// others ("; " between them).
func HasNote(note, part string) bool {
	for p := range strings.SplitSeq(note, "; ") {
		if p == part {
			return true
		}
	}
	return false
}

// joinNote adds part after an order's note, if it has one.
func joinNote(note, part string) string {
	if note == "" {
		return part
	}
	return note + "; " + part
}
