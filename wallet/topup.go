package wallet

import (
	"cityhub/idem"
	"cityhub/money"
	"context"

	"cityhub/apperr"
)

// Top-up bounds: a citizen buys credit in whole cents between these amounts.
const (
	MinTopUp int64 = 100    // 1.00 EUR
	MaxTopUp int64 = 50_000 // 500.00 EUR
)

// Kinds of top-up transactions.
const (
	KindTopUpTest = "topup.test" // demo money from TestPayments
	KindTopUpCard = "topup.card" // card money from StripeClearing
)

// ValidateTopUp checks an amount a citizen asks to buy. Invalid outside
// MinTopUp..MaxTopUp.
func ValidateTopUp(cents int64) error {
	if cents < MinTopUp || cents > MaxTopUp {
		return apperr.R(apperr.Invalid, "topup_amount", "A top-up must be between %s and %s.", money.Cents(MinTopUp), money.Cents(MaxTopUp))
	}
	return nil
}

// ValidateClientKey checks an idempotency key sent by a client, by the one
// rule of every idempotent endpoint (idem.ValidateKey).
func ValidateClientKey(key string) error { return idem.ValidateKey(key) }

// TestTopUp credits a citizen at once with demo money from TestPayments; no
// card is charged. The edge calls it only while test payments are switched
// on. Retrying with the same clientKey returns the first transaction
// (Replayed); the same key for another amount is a Conflict. Invalid for a
// bad amount or key; Unauthenticated (apperr.ErrAccountDeleted) when the account was
// erased while the request was on its way, and nothing is credited.
func (s *Service) TestTopUp(ctx context.Context, accountID string, cents int64, clientKey string) (Transaction, error) {
	if err := ValidateTopUp(cents); err != nil {
		return Transaction{}, err
	}
	if err := ValidateClientKey(clientKey); err != nil {
		return Transaction{}, err
	}
	return s.credit(ctx, accountID, Transaction{
		// Scoped by citizen, so one citizen's key never replays another's top-up.
		Key:     "topup:test:" + accountID + ":" + clientKey,
		Kind:    KindTopUpTest,
		Memo:    "TEST PAYMENT (demo): no card was charged",
		RefType: "topup",
		RefID:   clientKey,
		Entries: []Entry{{Account: TestPayments, Amount: -cents}, {Account: CitizenAccount(accountID), Amount: cents}},
	})
}

// CardTopUp is the ledger transaction that credits a card top-up of cents
// paid through paymentID: one key per payment, whoever posts it.
func CardTopUp(accountID string, cents int64, paymentID string) Transaction {
	return Transaction{
		Key:     "topup:card:" + paymentID,
		Kind:    KindTopUpCard,
		Memo:    "Card top-up",
		RefType: "payment_intent",
		RefID:   paymentID,
		Entries: []Entry{{Account: StripeClearing, Amount: -cents}, {Account: CitizenAccount(accountID), Amount: cents}},
	}
}

// credit posts t after opening the citizen's account, in one transaction, so
// a citizen whose account predates the ledger is credited all the same. An
// erased citizen's credit is closed (CloseCitizen): the posting waits for
// the erasure's lock and is then refused, so nothing reaches credit that
// nobody can spend.
func (s *Service) credit(ctx context.Context, accountID string, t Transaction) (Transaction, error) {
	var out Transaction
	err := s.store.InTx(ctx, func(tx Tx) error {
		if err := OpenCitizen(ctx, tx, accountID); err != nil {
			return err
		}
		var err error
		out, err = Post(ctx, tx, t, s.now())
		return err
	})
	return out, ForOwner(err)
}
