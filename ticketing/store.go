package ticketing

import (
	"context"
	"time"

	"cityhub/audit"
	"cityhub/idem"
	"cityhub/identity"
	"cityhub/mail"
	"cityhub/wallet"
)

// Store is ticketing's view of the database.
type Store interface {
	// InTx runs fn in one database transaction; an error from fn rolls it back.
	InTx(ctx context.Context, fn func(tx Tx) error) error
	// View runs fn for reads, outside a write transaction.
	View(ctx context.Context, fn func(tx Tx) error) error
}

// Tx is one database transaction. It embeds the ledger, the audit log and
// the idempotency records, so that seats turning into tickets, the money
// that pays for them, the client's key and the audit entry commit together
// or not at all. Locks are taken in the order
// order, claims (seat id order), ticket, ledger accounts. Missing rows are
// NotFound.
type Tx interface {
	wallet.Tx
	audit.Tx
	idem.Tx
	// Receipts and refund notices are enqueued with the sale or refund
	// (emails.go); AccountByID reads who they are addressed to.
	mail.Enqueuer
	AccountByID(ctx context.Context, id string) (identity.Account, error)
	// TheatreMoney reads, in one snapshot, what the orders and their card
	// disputes say the theatre's revenue holds, beside its balance (see
	// Service.Reconcile).
	TheatreMoney(ctx context.Context) (TheatreMoney, error)

	InsertVenue(ctx context.Context, v Venue) error
	Venue(ctx context.Context, id string) (Venue, error)
	// LockVenue is Venue, locked until the transaction ends: a seat map
	// replaced and a performance scheduled on the old one take turns.
	LockVenue(ctx context.Context, id string) (Venue, error)
	ListVenues(ctx context.Context) ([]Venue, error)
	// ReplaceSeats makes seats the venue's seat map, and forgets the
	// names the venue gave the categories the new seats no longer have.
	ReplaceSeats(ctx context.Context, venueID string, seats []Seat) error
	// CategoryNames lists the names the venue gave its seat categories
	// (SetCategoryNames), in code order.
	CategoryNames(ctx context.Context, venueID string) ([]CategoryName, error)
	// ReplaceCategoryNames makes names the venue's category names, in
	// place of all it had.
	ReplaceCategoryNames(ctx context.Context, venueID string, names []CategoryName) error
	// Seats lists a venue's seats in section, row, number order.
	Seats(ctx context.Context, venueID string) ([]Seat, error)
	// SeatsIn returns those of ids that are seats of the venue (a hold
	// reads only the seats it asks for, not the whole map).
	SeatsIn(ctx context.Context, venueID string, ids []string) ([]Seat, error)
	// MaySeize reports whether a hold may try for the seats now: none has
	// a live claim and no other hold is trying for one of them at this
	// moment (an engine with concurrent writers marks the seats as being
	// tried for until the transaction ends). false lets a rush's losers be
	// told at once instead of after the winner commits; the claims' own
	// uniqueness still decides who wins.
	MaySeize(ctx context.Context, performanceID string, seatIDs []string, now time.Time) (bool, error)
	// HoldTarget reads in one go what a hold checks: the performance
	// (NotFound if missing), whether the hold may try for the seats now (as
	// MaySeize) and those of seatIDs that are seats of its venue (as
	// SeatsIn).
	HoldTarget(ctx context.Context, performanceID string, seatIDs []string, now time.Time) (Performance, bool, []Seat, error)
	// CountPerformances counts the venue's performances.
	CountPerformances(ctx context.Context, venueID string) (int, error)

	InsertPerformance(ctx context.Context, p Performance) error
	// UpdatePerformance writes every field but the venue and created_at.
	UpdatePerformance(ctx context.Context, p Performance) error
	Performance(ctx context.Context, id string) (Performance, error)
	// LockPerformance is Performance with the row locked until the
	// transaction ends: two cancellations of one performance then run
	// one after the other, the second seeing it cancelled.
	LockPerformance(ctx context.Context, id string) (Performance, error)
	// ListPerformances lists performances starting at or after from,
	// soonest first; scheduled only unless all.
	ListPerformances(ctx context.Context, from time.Time, all bool) ([]Performance, error)
	// VenuePerformances lists the scheduled performances of the venues
	// that end after endsAfter, soonest first, at most limit.
	VenuePerformances(ctx context.Context, venueIDs []string, endsAfter time.Time, limit int) ([]Performance, error)
	// PerformanceTicketIDs lists the ids of a performance's tickets that
	// are not cancelled (the door's list), in id order.
	PerformanceTicketIDs(ctx context.Context, performanceID string) ([]string, error)

	// ReleaseExpiredClaims deletes the held claims on seatIDs of a
	// performance that expired at or before now, so their seats can be held
	// again. Sold claims are never released here.
	ReleaseExpiredClaims(ctx context.Context, performanceID string, seatIDs []string, now time.Time) error
	// TryClaim adds c unless its seat already has a claim (the unique key
	// (performance, seat)); ok reports whether it was added. A concurrent
	// claim of the same seat waits for the other transaction: of many,
	// exactly one gets ok.
	TryClaim(ctx context.Context, c Claim) (ok bool, err error)
	// LiveHeldSeats counts the seats of a performance that an account's
	// orders hold (unexpired at now, not yet sold). It also serializes that
	// account's holds for the performance until the transaction ends, so
	// concurrent holds of one buyer count each other against the cap.
	LiveHeldSeats(ctx context.Context, accountID, performanceID string, now time.Time) (int, error)
	// Claims lists a performance's claims.
	Claims(ctx context.Context, performanceID string) ([]Claim, error)
	// ClaimsOf lists the claims of every performance of ids, in one read
	// (the programme counts the free seats of all it lists).
	ClaimsOf(ctx context.Context, ids []string) ([]Claim, error)
	// Claim is the claim on one seat of a performance, locked until the
	// transaction ends: an order about to be sold on it keeps it from
	// being released and taken meanwhile. NotFound if none.
	Claim(ctx context.Context, performanceID, seatID string) (Claim, error)
	// SellClaims turns an order's claims, seats of them, into sold ones;
	// it fails the transaction (NotFound) when it finds fewer, so a seat
	// taken from the order is never sold with tickets issued for it.
	SellClaims(ctx context.Context, orderID string, seats int) error
	// DeleteClaims releases every claim of an order.
	DeleteClaims(ctx context.Context, orderID string) error

	InsertOrder(ctx context.Context, o Order) error
	// UpdateOrder writes status, method, payment intent, paid_at,
	// transaction id, note, dispute, card_refunded_cents and card_attempt.
	UpdateOrder(ctx context.Context, o Order) error
	// OrderByPaymentIntent is the order paid (or being paid) through a
	// PaymentIntent. NotFound if none.
	OrderByPaymentIntent(ctx context.Context, paymentIntentID string) (Order, error)
	Order(ctx context.Context, id string) (Order, error)
	// LockOrder reads the order and locks it until the transaction ends.
	LockOrder(ctx context.Context, id string) (Order, error)
	// PerformanceOrders lists the ids of a performance's orders in one of
	// statuses, in id order (the lock order of a bulk refund).
	PerformanceOrders(ctx context.Context, performanceID string, statuses []string) ([]string, error)
	// ListOrders lists up to limit of an account's orders, newest first
	// (by creation, then id, both descending), after the order with id
	// after (from the newest when empty; the service checks it is one of
	// the account's).
	ListOrders(ctx context.Context, accountID, after string, limit int) ([]Order, error)

	InsertTicket(ctx context.Context, t Ticket) error
	Ticket(ctx context.Context, id string) (Ticket, error)
	TicketByCodeHash(ctx context.Context, hash string) (Ticket, error)
	// ListTickets lists an account's tickets, newest first.
	ListTickets(ctx context.Context, accountID string) ([]Ticket, error)
	// OrderTickets lists an order's tickets.
	OrderTickets(ctx context.Context, orderID string) ([]Ticket, error)
	// LockOrderTickets lists an order's tickets and locks them until the
	// transaction ends, so that a check-in of one of them waits and then
	// finds it as this transaction left it: a refund that read them valid
	// cannot cancel a ticket checked in meanwhile.
	LockOrderTickets(ctx context.Context, orderID string) ([]Ticket, error)
	// CheckIn marks a valid ticket checked in at at by staffID, in one
	// conditional write; ok is false when it was not valid (already
	// checked in, cancelled), so of concurrent check-ins exactly one wins.
	CheckIn(ctx context.Context, ticketID string, at time.Time, staffID string) (ok bool, err error)
	// CancelOrderTickets marks an order's tickets cancelled.
	CancelOrderTickets(ctx context.Context, orderID string) error

	// DoorEntry is the entry a door device uploaded under (device,
	// entryID). NotFound if none.
	DoorEntry(ctx context.Context, device, entryID string) (DoorEntry, error)
	// InsertDoorEntry records an uploaded entry unless one under its
	// (device, entry id) is recorded already; inserted reports whether it
	// was. A concurrent insert of the same ids waits for the other
	// transaction: of many, exactly one inserts.
	InsertDoorEntry(ctx context.Context, e DoorEntry) (inserted bool, err error)
	// DoubleEntries lists a performance's entries of outcome double_entry
	// by the time the door let them in, at most limit, each with its
	// ticket's seat and its uploader's name.
	DoubleEntries(ctx context.Context, performanceID string, limit int) ([]DoubleEntryRow, error)

	// RecordTicketCodeFailures notes one failed typed-code look-up at time
	// at for each key ("staff:<id>", "ip:<address>"), and forgets the keys'
	// failures older than pruneBefore.
	RecordTicketCodeFailures(ctx context.Context, keys []string, at, pruneBefore time.Time) error
	// TicketCodeFailures counts each key's failed look-ups since a time.
	TicketCodeFailures(ctx context.Context, keys []string, since time.Time) (map[string]int, error)

	// InsertCardRefund records an owed card refund; nothing when the order
	// already has one.
	InsertCardRefund(ctx context.Context, r CardRefund) error
	// DueCardRefunds lists owed refunds and sent ones last touched before
	// staleBefore, oldest first.
	DueCardRefunds(ctx context.Context, staleBefore time.Time, limit int) ([]CardRefund, error)
	// ClaimCardRefund marks a due refund sent and counts an attempt, in one
	// conditional write: of concurrent claims exactly one gets ok, with the
	// refund as written, to be sent as it is now (its key's round moved by
	// a retry since it was listed).
	ClaimCardRefund(ctx context.Context, id string, staleBefore, now time.Time) (r CardRefund, ok bool, err error)
	// FinishCardRefund writes state, Stripe refund id, last error and
	// updated_at.
	FinishCardRefund(ctx context.Context, r CardRefund) error
	// CardRefundOfOrder is the order's card refund. NotFound if none.
	CardRefundOfOrder(ctx context.Context, orderID string) (CardRefund, error)
	// ListCardRefunds lists refunds, at most limit: the failed ones first
	// (they wait for a person), then the newest.
	ListCardRefunds(ctx context.Context, limit int) ([]CardRefund, error)

	// SalesStats counts a performance's sales and check-ins; held counts
	// claims still live at now.
	SalesStats(ctx context.Context, performanceID string, now time.Time) (SalesStats, error)
}

// BuyerHoldReader is a Tx that reads what a hold checks (HoldTarget) and
// then, in the same exchange with the database, takes the buyer's lock and
// counts their live held seats (LiveHeldSeats), so that a hold decides
// after one exchange.
type BuyerHoldReader interface {
	HoldTargetOf(ctx context.Context, accountID, performanceID string, seatIDs []string, now time.Time) (p Performance, free bool, seats []Seat, held int, err error)
}

// CommitClaimer is a Tx that claims an order's seats with the
// transaction's COMMIT instead of one by one at once (TryClaim): the
// claims ride with the COMMIT, and when a seat already has a claim the
// statement fails, and with it the transaction, with an error of reason
// ReasonSeatTakenAtCommit; nothing of the transaction is written. The
// claims are inserted in the order given, which callers keep in seat id
// order, the global lock order.
type CommitClaimer interface {
	ClaimAtCommit(ctx context.Context, claims []Claim) error
}

// ReasonSeatTakenAtCommit is the reason of the error that fails a
// transaction whose claims a CommitClaimer could not all make.
const ReasonSeatTakenAtCommit = "seat_taken_at_commit"

// PaymentReads is what paying an order reads once the order is locked.
type PaymentReads struct {
	Order       Order
	Performance Performance
	// Venue is the performance's, for the receipt and the tickets shown.
	Venue Venue
	// Claims are the claims on the order's seats, whoever holds them,
	// locked in seat order, so that no hold releases one of the order's
	// own expired claims before the payment sells it.
	Claims []Claim
	// Buyer is the order's buyer's account, for the receipt; BuyerFound
	// false when there is none.
	Buyer      identity.Account
	BuyerFound bool
}

// PaymentReader is a Tx that locks an order (LockOrder) and then, holding
// the lock, reads what paying it looks at (its performance, the
// performance's venue, the claims on its seats and its buyer's account, as
// Performance, Venue, Claim and AccountByID would) in one exchange with
// the database. NotFound when the
// order does not exist.
type PaymentReader interface {
	ReadOrderToPay(ctx context.Context, orderID string) (PaymentReads, error)
}
