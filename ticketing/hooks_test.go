package ticketing_test

import (
	"context"
	"time"

	"cityhub/ticketing"
	"cityhub/wallet"
)

// hookedStore forwards the ways of a store whose transactions read a hold
// in one batch, claim its seats with the COMMIT, read an order to pay in
// one batch and post with the COMMIT (PostgreSQL's), and runs the hooks
// that are set, inside the transaction, where the race tests need another
// buyer to act:
//   - reading, before a hold's reads;
//   - claiming, just before a hold queues its claims to ride with the
//     COMMIT, with the first seat asked for;
//   - paying, once a payment's reads are made (the order and its claims
//     locked);
//   - seatsRead, once a venue's seats are read (a performance's
//     scheduling, or a naming of its categories, has locked the venue
//     before).
type hookedStore struct {
	ticketing.Store
	reading  func()
	claiming func(first ticketing.Claim)
	paying   func()
	// claimRead runs after a claim is read on its own (a card payment's).
	claimRead func(ticketing.Claim)
	seatsRead func(venueID string)
}

func (s hookedStore) InTx(ctx context.Context, fn func(ticketing.Tx) error) error {
	return s.Store.InTx(ctx, func(tx ticketing.Tx) error { return fn(hookedTx{tx, s}) })
}

type hookedTx struct {
	ticketing.Tx
	s hookedStore
}

func (tx hookedTx) HoldTargetOf(ctx context.Context, accountID, performanceID string, seatIDs []string, now time.Time) (ticketing.Performance, bool, []ticketing.Seat, int, error) {
	if tx.s.reading != nil {
		tx.s.reading()
	}
	return tx.Tx.(ticketing.BuyerHoldReader).HoldTargetOf(ctx, accountID, performanceID, seatIDs, now)
}

func (tx hookedTx) ClaimAtCommit(ctx context.Context, claims []ticketing.Claim) error {
	if tx.s.claiming != nil {
		tx.s.claiming(claims[0])
	}
	return tx.Tx.(ticketing.CommitClaimer).ClaimAtCommit(ctx, claims)
}

func (tx hookedTx) Claim(ctx context.Context, performanceID, seatID string) (ticketing.Claim, error) {
	c, err := tx.Tx.Claim(ctx, performanceID, seatID)
	if err == nil && tx.s.claimRead != nil {
		tx.s.claimRead(c)
	}
	return c, err
}

func (tx hookedTx) Seats(ctx context.Context, venueID string) ([]ticketing.Seat, error) {
	seats, err := tx.Tx.Seats(ctx, venueID)
	if err == nil && tx.s.seatsRead != nil {
		tx.s.seatsRead(venueID)
	}
	return seats, err
}

func (tx hookedTx) ReadOrderToPay(ctx context.Context, orderID string) (ticketing.PaymentReads, error) {
	r, err := tx.Tx.(ticketing.PaymentReader).ReadOrderToPay(ctx, orderID)
	if err == nil && tx.s.paying != nil {
		tx.s.paying()
	}
	return r, err
}

// PostAtCommit and PostGuarded forward the store's ways of posting, so
// that a payment posts as it does outside the tests (with the COMMIT).
func (tx hookedTx) PostAtCommit(ctx context.Context, t wallet.Transaction, ids []wallet.AccountID) error {
	return tx.Tx.(wallet.CommitPoster).PostAtCommit(ctx, t, ids)
}

func (tx hookedTx) PostGuarded(ctx context.Context, t wallet.Transaction, ids []wallet.AccountID) ([]wallet.Account, bool, error) {
	return tx.Tx.(wallet.GuardedPoster).PostGuarded(ctx, t, ids)
}
