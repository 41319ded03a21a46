// Package cardpay keeps the hub's record of the card payments it asked
// Stripe for (wallet top-ups, ticket orders) and applies what Stripe
// reports about them: the payment itself, refunds made at Stripe, disputes
// (chargebacks) opened and closed. Each event counts once, whatever the
// number, order or concurrency of its deliveries, and its effect is a
// balanced ledger transaction in the database transaction that records the
// event. An event about a payment the hub did not create is recorded for an
// operator and never credited. It knows neither HTTP nor SQL nor Stripe's
// API: the web edge hands it events whose signature it has verified.
package cardpay

import (
	"context"
	"time"

	"cityhub/identity"
	"cityhub/mail"
	"cityhub/ticketing"
	"cityhub/vouchers"
)

// Purposes of a card payment.
const (
	PurposeTopUp       = "wallet_topup"
	PurposeTicketOrder = "ticket_order"
)

// Metadata the hub puts on the PaymentIntents it creates, from the JSON API
// and the pages alike: StripePurposeKey holds the purpose (PurposeTopUp, or
// ticketing.StripePurpose with ticketing.StripeOrderKey naming the order),
// StripeAccountKey the paying account and StripeTopUpKey a top-up's id.
const (
	StripePurposeKey = "cityhub_purpose"
	StripeAccountKey = "account_id"
	StripeTopUpKey   = "topup_id"
)

// Payment is a card payment the hub itself created: a Stripe PaymentIntent.
type Payment struct {
	ID        string `json:"id"` // the PaymentIntent id
	Purpose   string `json:"purpose"`
	AccountID string `json:"account_id"`
	// OrderID is the ticket order a ticket payment pays for.
	OrderID     string `json:"order_id,omitempty"`
	AmountCents int64  `json:"amount_cents"`
	// CreditedCents is what a top-up put on the citizen's credit (0 until paid).
	CreditedCents int64 `json:"credited_cents"`
	// RefundedCents is what was refunded at Stripe, outside the hub, as the
	// hub has accounted it.
	RefundedCents int64     `json:"refunded_cents"`
	CreatedAt     time.Time `json:"created_at"`
	UpdatedAt     time.Time `json:"updated_at"`
}

// Dispute states.
const (
	DisputeOpen = "open"
	DisputeWon  = "won"
	DisputeLost = "lost"
)

// Dispute is a dispute on one of the hub's payments and where the money it
// holds came from.
type Dispute struct {
	ID          string `json:"id"`
	PaymentID   string `json:"payment_id"`
	AmountCents int64  `json:"amount_cents"`
	Status      string `json:"status"`
	Reason      string `json:"reason,omitempty"`
	// FromCredit and FromCity split a top-up's held amount: the citizen's
	// credit (down to the disputed_topup bound) and, beyond it, the city.
	FromCredit int64 `json:"from_credit_cents"`
	FromCity   int64 `json:"from_city_cents"`
	// FromSale is what a ticket order's dispute holds from theatre revenue.
	FromSale  int64     `json:"from_sale_cents"`
	CreatedAt time.Time `json:"created_at"`
	ClosedAt  time.Time `json:"closed_at,omitzero"`
}

// Event types the hub acts on.
const (
	EventPaymentSucceeded       = "payment_intent.succeeded"
	EventChargeRefunded         = "charge.refunded"
	EventDisputeCreated         = "charge.dispute.created"
	EventDisputeClosed          = "charge.dispute.closed"
	EventDisputeFundsWithdrawn  = "charge.dispute.funds_withdrawn"
	EventDisputeFundsReinstated = "charge.dispute.funds_reinstated"
	// EventPaymentFailed: an attempt to pay was declined; the payment may
	// still succeed with another attempt. It moves no money (topups.go).
	EventPaymentFailed = "payment_intent.payment_failed"
)

// Handles reports whether the hub records and acts on events of type typ;
// others are acknowledged and forgotten.
func Handles(typ string) bool {
	switch typ {
	case EventPaymentSucceeded, EventPaymentFailed, EventChargeRefunded, EventDisputeCreated, EventDisputeClosed,
		EventDisputeFundsWithdrawn, EventDisputeFundsReinstated:
		return true
	}
	return false
}

// Event is a Stripe event whose signature the edge verified, reduced to
// what the hub reads. Amounts are in the currency's smallest unit.
type Event struct {
	ID       string
	Type     string
	Livemode bool
	// PaymentIntentID is the payment the event is about.
	PaymentIntentID string
	// ObjectID is the event's object: the PaymentIntent, charge or dispute.
	ObjectID string
	Currency string
	// Amount is what a payment_intent.succeeded received, what a charge
	// captured, or what a dispute disputes.
	Amount int64
	// AmountRefunded is a charge's total refunded so far.
	AmountRefunded int64
	// RefundIDs are the refunds a charge event lists, when it lists them.
	RefundIDs []string
	// DisputeStatus and DisputeReason are a dispute's.
	DisputeStatus string
	DisputeReason string
}

// Outcomes of an event.
const (
	OutcomeApplied   = "applied"
	OutcomeNoEffect  = "no_effect"
	OutcomeAttention = "attention"
)

// Reasons an event is recorded for an operator.
const (
	AttentionUnmatched       = "unmatched_payment"
	AttentionCurrency        = "foreign_currency"
	AttentionRefused         = "refused"
	AttentionRefund          = "refund_unexpected"
	AttentionDispute         = "dispute_without_sale"
	AttentionDisputeStatus   = "dispute_status_unknown"
	AttentionDisputeRefunded = "dispute_on_refunded_payment"
	// AttentionAmount: a top-up paid with another amount than the one
	// asked; it is refunded to the card whole, nothing stays credited.
	AttentionAmount = "topup_amount_mismatch"
)

// Record is a received event as the hub keeps it: once per event id.
type Record struct {
	ID              string    `json:"id"`
	Type            string    `json:"type"`
	PaymentIntentID string    `json:"payment_intent_id,omitempty"`
	ObjectID        string    `json:"object_id,omitempty"`
	AmountCents     int64     `json:"amount_cents"`
	Currency        string    `json:"currency,omitempty"`
	Livemode        bool      `json:"livemode"`
	Outcome         string    `json:"outcome"`
	Attention       string    `json:"attention,omitempty"`
	Note            string    `json:"note,omitempty"`
	TransactionID   string    `json:"transaction_id,omitempty"`
	ReceivedAt      time.Time `json:"received_at"`
}

// Outcome is what handling an event did.
type Outcome struct {
	// Handled is true when the event concerned one of the hub's payments
	// and was applied, even with no effect left to make.
	Handled       bool
	TransactionID string
	// Replayed is true when the event, or the effect it asked for, had
	// already been applied.
	Replayed bool
	// Attention, when set, says why an operator must look at the event.
	Attention string
	Note      string
}

// Store is cardpay's view of the database.
type Store interface {
	InTx(ctx context.Context, fn func(tx Tx) error) error
	View(ctx context.Context, fn func(tx Tx) error) error
}

// Tx is one database transaction. It embeds ticketing's (and with it the
// ledger and the audit log), so an event, the order it changes and the
// money it moves commit together. Lock order: the event, the payment, the
// order, the ledger accounts. Missing rows are NotFound.
type Tx interface {
	ticketing.Tx
	// A top-up's receipt is enqueued with the credit, so it exists if and
	// only if the credit committed.
	mail.Enqueuer

	// Erasing an account happens in the transaction that settles its
	// credit (erasure.go); AccountByID also reads the account a receipt is
	// addressed to.
	identity.Tx
	// The account's vouchers are given up in the same transaction
	// (vouchers.ForfeitTx).
	vouchers.Tx
	// HoldRider reports whether accountID has a bike ride pending or under
	// way: its fare, charged when the bike docks, must find the credit
	// still there (EraseAccount). It first ends the account's pending
	// rides whose deadline passed (as the unlocks' expiry does), then holds
	// the account until the transaction ends so that no unlock starts a
	// ride meanwhile (mobility.UnlockPlace.RiderGone).
	HoldRider(ctx context.Context, accountID string, now time.Time) (bool, error)
	// CardMoney reads, in one snapshot, what the card payments, their
	// disputes and the orders paid by card say about stripe:clearing and
	// stripe:disputes, and their balances (see Service.Reconcile).
	CardMoney(ctx context.Context) (CardMoney, error)

	// InsertEvent records an event unless its id is known; first reports
	// whether it was inserted. Of concurrent inserts of one id exactly one
	// is first; the others wait for it to commit.
	InsertEvent(ctx context.Context, r Record) (first bool, err error)
	// FinishEvent writes an event's outcome, attention, note and transaction.
	FinishEvent(ctx context.Context, r Record) error
	// Event reads a recorded event.
	Event(ctx context.Context, id string) (Record, error)
	// AttentionEvents lists events that need an operator, newest first,
	// from the one after the event before (all when empty).
	AttentionEvents(ctx context.Context, before string, limit int) ([]Record, error)
	// CountAttentionEvents counts the events that need an operator.
	CountAttentionEvents(ctx context.Context) (int, error)

	// InsertPayment records a payment; nothing if its id is known.
	InsertPayment(ctx context.Context, p Payment) error
	// LockPayment reads a payment and locks it until the transaction ends.
	LockPayment(ctx context.Context, id string) (Payment, error)
	// UpdatePayment writes credited_cents, refunded_cents and updated_at.
	UpdatePayment(ctx context.Context, p Payment) error
	// RecentTopUpPayments reads an account's latest top-up payments, newest
	// first, without locking them (the wallet page lists them), each with
	// whether a payment_intent.payment_failed event was recorded for it.
	RecentTopUpPayments(ctx context.Context, accountID string, limit int) ([]TopUpRecord, error)

	// InsertDispute records a dispute.
	InsertDispute(ctx context.Context, d Dispute) error
	// Dispute reads a dispute.
	Dispute(ctx context.Context, id string) (Dispute, error)
	// UpdateDispute writes status, closed_at and what is held.
	UpdateDispute(ctx context.Context, d Dispute) error
	// OpenTopUpDisputes reads a payment's open disputes, oldest first.
	OpenTopUpDisputes(ctx context.Context, paymentID string) ([]Dispute, error)

	// DisputedPayments lists the account's payments with a dispute that is
	// open or was lost.
	DisputedPayments(ctx context.Context, accountID string) ([]string, error)
	// LockTopUpPayments reads an account's top-up payments, newest first,
	// locked until the transaction ends.
	LockTopUpPayments(ctx context.Context, accountID string) ([]Payment, error)
	// InsertTopUpRefund records an owed refund of a top-up.
	InsertTopUpRefund(ctx context.Context, r TopUpRefund) error
	// DueTopUpRefunds lists owed refunds and sent ones last touched before
	// staleBefore, oldest first.
	DueTopUpRefunds(ctx context.Context, staleBefore time.Time, limit int) ([]TopUpRefund, error)
	// ClaimTopUpRefund marks a due refund sent and counts an attempt, in
	// one conditional write, and returns it as written, to be sent as it
	// is now (its amount shrunk, its key's round moved, since it was
	// listed); false if another refunder has it.
	ClaimTopUpRefund(ctx context.Context, id string, staleBefore, now time.Time) (TopUpRefund, bool, error)
	// FinishTopUpRefund writes state, Stripe refund id, last error and
	// updated_at.
	FinishTopUpRefund(ctx context.Context, r TopUpRefund) error
	// ShrinkTopUpRefund lowers an owed refund that was never sent to
	// amount; false if it is no longer owed or was sent meanwhile.
	ShrinkTopUpRefund(ctx context.Context, id string, amount int64, now time.Time) (bool, error)
	// OwedTopUpRefundOf is a payment's refund that the hub owes and has not
	// yet sent (an erasure's), locked so that the refunder's claim waits;
	// NotFound if there is none.
	OwedTopUpRefundOf(ctx context.Context, paymentID string) (TopUpRefund, error)
	// TopUpRefundsOf lists an account's refunds, newest first.
	TopUpRefundsOf(ctx context.Context, accountID string) ([]TopUpRefund, error)
	// ListTopUpRefunds lists top-up refunds, at most limit: the failed
	// ones first (they wait for a person), then the newest.
	ListTopUpRefunds(ctx context.Context, limit int) ([]TopUpRefund, error)
	// TopUpRefundByID is one top-up refund; NotFound if none.
	TopUpRefundByID(ctx context.Context, id string) (TopUpRefund, error)
}
