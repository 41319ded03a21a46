package ticketing

// The notes an order is given when it leaves the usual way, in English as
// the record keeps them (the staff's views and exports show them so); the
// buyer's pages show each in the page's language (web/ui, OrderNote). A
// note made of several ("; " between them) is shown part by part.
const (
	NoteReleased                = "released by the buyer"
	NoteCancelledByAdmin        = "cancelled by an administrator"
	NoteCancelledWhileDisputed  = "performance cancelled while the card payment is disputed: the dispute settles the money"
	NoteRefundedAtStripe        = "refunded at Stripe"
	NoteDisputeWonRefunded      = "card dispute won after the performance was cancelled: refunded to the card"
	NoteDisputeLost             = "card dispute lost: the tickets are void and their seats are not sold again"
	NoteOrderCancelledBeforePay = "the order was cancelled before the payment arrived"
	NotePerformanceCancelledPay = "the performance was cancelled before the payment arrived"
	NotePaidAfterTheEnd         = "the payment arrived after the performance ended"
	NoteHoldExpiredSalesClosed  = "the hold expired after ticket sales closed"
	NoteHoldExpiredSeatSold     = "the hold expired and a seat was sold to someone else"
)

// OrderNotes are the notes above, by the name their translations go by.
var OrderNotes = map[string]string{
	NoteReleased: "released", NoteCancelledByAdmin: "cancelled_by_admin", NoteCancelledWhileDisputed: "cancelled_while_disputed",
	NoteRefundedAtStripe: "refunded_at_stripe", NoteDisputeWonRefunded: "dispute_won_refunded", NoteDisputeLost: "dispute_lost",
	NoteOrderCancelledBeforePay: "order_cancelled_before_payment", NotePerformanceCancelledPay: "performance_cancelled_before_payment",
	NotePaidAfterTheEnd: "paid_after_the_end", NoteHoldExpiredSalesClosed: "hold_expired_sales_closed", NoteHoldExpiredSeatSold: "hold_expired_seat_sold",
}
