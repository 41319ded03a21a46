package postgres

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"strings"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"

	"cityhub/apperr"
	"cityhub/ticketing"
	"cityhub/wallet"
)

// Every store method returns its error through wrap, so a domain sees an
// apperr code (or an internal error) whichever method failed, and the log
// still says what failed. InTx and View translate once more on the way out,
// for errors a domain's function made itself.

// wrap says what failed and translates the driver's error; nil stays nil.
func wrap(what string, err error) error {
	if err == nil {
		return nil
	}
	return translate(fmt.Errorf("%s: %w", what, err))
}

// PostgreSQL error codes this store acts on
// (https://www.postgresql.org/docs/current/errcodes-appendix.html).
const (
	pgUniqueViolation      = "23505"
	pgForeignKeyViolation  = "23503"
	pgCheckViolation       = "23514"
	pgSerializationFailure = "40001"
	pgDeadlockDetected     = "40P01"
	// Raised by ledger_post (migration 1014) for a posting written with
	// its COMMIT that Post would have refused (and, with the same codes, by
	// ledger_posted of migration 1001, which the previous release calls).
	ledgerInsufficientFunds = "CL001"
	ledgerNoSuchAccount     = "CL002"
	ledgerKeyTaken          = "CL004"
	// Raised by ledger_post and ledger_transfer (migration 1039) for a
	// posting to a closed account.
	ledgerAccountClosed = "CL011"
	// Raised by rows_written (migration 1011) for a write that found no
	// row, or more than it should have.
	rowsNotWritten = "CL009"
	// Raised by seats_claimed (migration 1012) for a hold's claims that
	// found a seat claimed already.
	seatsNotClaimed = "CL010"
)

// ledgerKeyIndexes are the unique indexes that refuse a ledger key posted
// already: the transaction's id (made from its key) and the key's own
// (a key posted before ids were made from keys, migration 1021).
var ledgerKeyIndexes = map[string]bool{"ledger_transactions_pkey": true, "ledger_transactions_idem_key_key": true}

// translate maps a driver error to an apperr code, keeping it as the cause
// for logs and errors.Is. Errors that already carry a code pass unchanged.
// What stays an internal error, on purpose:
//   - serialization failures and deadlocks: nothing was written, and InTx
//     retries the transaction (retryable); if the retries run out, it is
//     the database's trouble, not the request's;
//   - context cancellation and deadlines: the caller gave up, and
//     errors.Is(err, context.Canceled) still answers;
//   - anything else (syntax, a constraint of no meaning to a domain): a bug.
//
// A database that cannot be reached (down, restarting, a connection lost)
// is Unavailable with reason database_unavailable (apperr.DatabaseUnavailable):
// the request was fine and its retry may succeed, which a client and a person
// must be told rather than shown an internal error.
func translate(err error) error {
	if err == nil {
		return nil
	}
	var ae *apperr.Error
	if errors.As(err, &ae) {
		return err
	}
	if unreachable(err) {
		return apperr.DatabaseUnavailable(err)
	}
	if errors.Is(err, pgx.ErrNoRows) {
		return apperr.Wrap(err, apperr.NotFound, "Not found.")
	}
	var pgErr *pgconn.PgError
	if errors.As(err, &pgErr) {
		switch pgErr.Code {
		case pgUniqueViolation:
			if ledgerKeyIndexes[pgErr.ConstraintName] {
				// ledger_transfer leaves a key posted already to these
				// (migration 1025): the same refusal as CL004's.
				e := apperr.Wrap(err, apperr.Conflict, "This ledger key was posted already.")
				e.Reason = wallet.ReasonKeyTaken
				return e
			}
			return apperr.Wrap(err, apperr.Conflict, "Already exists.")
		case pgForeignKeyViolation:
			return apperr.Wrap(err, apperr.Invalid, "Refers to something that does not exist.")
		case pgCheckViolation:
			return apperr.Wrap(err, apperr.Conflict, "Breaks a rule of the data.")
		case ledgerInsufficientFunds:
			e := apperr.Wrap(err, apperr.InsufficientFunds, "Not enough credit for this movement.")
			e.Reason = "insufficient_funds"
			return e
		case rowsNotWritten:
			return apperr.Wrap(err, apperr.NotFound, "Not found.")
		case seatsNotClaimed:
			e := apperr.Wrap(err, apperr.Conflict, "A seat was taken as the hold was written.")
			e.Reason = ticketing.ReasonSeatTakenAtCommit
			return e
		case ledgerNoSuchAccount:
			return apperr.Wrap(err, apperr.NotFound, "A ledger account of this movement does not exist.")
		case ledgerKeyTaken:
			e := apperr.Wrap(err, apperr.Conflict, "This ledger key was posted already.")
			e.Reason = wallet.ReasonKeyTaken
			return e
		case ledgerAccountClosed:
			e := apperr.Wrap(err, apperr.Conflict, "A ledger account of this movement is closed: the account it belonged to was erased.")
			e.Reason = wallet.ReasonAccountClosed
			return e
		}
	}
	return err
}

// unreachable reports whether err says the database could not be reached or
// went away: no connection could be made, the server is shutting down or
// starting (SQLSTATE class 08, 57P01 to 57P03), or the connection broke.
// A caller's own cancellation is not one: it stays the caller's.
func unreachable(err error) bool {
	if errors.Is(err, context.Canceled) || errors.Is(err, context.DeadlineExceeded) {
		return false
	}
	var connErr *pgconn.ConnectError
	if errors.As(err, &connErr) {
		return true
	}
	var pgErr *pgconn.PgError
	if errors.As(err, &pgErr) {
		switch pgErr.Code {
		case "57P01", "57P02", "57P03": // admin_shutdown, crash_shutdown, cannot_connect_now
			return true
		}
		return strings.HasPrefix(pgErr.Code, "08") // connection_exception
	}
	var netErr net.Error
	if errors.As(err, &netErr) || errors.Is(err, io.EOF) || errors.Is(err, io.ErrUnexpectedEOF) || errors.Is(err, net.ErrClosed) {
		return true
	}
	// A statement on a connection that broke before it was sent.
	return pgconn.SafeToRetry(err)
}

// retryable reports whether a transaction failed only because it collided
// with another one, so running it again may succeed.
func retryable(err error) bool {
	var pgErr *pgconn.PgError
	if errors.As(err, &pgErr) {
		return pgErr.Code == pgSerializationFailure || pgErr.Code == pgDeadlockDetected
	}
	return false
}

// counted is a write of exactly one row whose count the server judges
// (rows_written, migration 1011): one that writes none (a row deleted) or
// more fails its statement and so its transaction, NotFound. Unlike a
// write whose command tag the hub checks, it needs no exchange of its own
// before COMMIT, and rides with it. write must not end in RETURNING.
func counted(what, write string, args ...any) deferred {
	return countedN(what, 1, write, args...)
}

// countedN is counted for a write of exactly n rows: one that writes fewer
// or more fails its statement, and so its transaction, NotFound.
func countedN(what string, n int, write string, args ...any) deferred {
	k := len(args)
	return deferred{what: what,
		sql:  fmt.Sprintf(`WITH w AS (%s RETURNING 1) SELECT rows_written($%d, (SELECT count(*) FROM w), $%d)`, write, k+1, k+2),
		args: append(args, what, n)}
}

// notDeleted is NotFound with reason, naming what, when a DELETE matched
// no row: the API answers each 404 with a reason.
func notDeleted(tag interface{ RowsAffected() int64 }, reason, what, id string) error {
	if tag.RowsAffected() == 0 {
		return apperr.R(apperr.NotFound, reason, "There is no %s %q.", what, id)
	}
	return nil
}

// inserted reports whether an INSERT ... ON CONFLICT DO NOTHING (or an UPDATE)
// wrote its row: the unique index, not an earlier read, decides who created an
// id first, and an update of a deleted id writes nothing rather than
// bringing it back.
func inserted(tag interface{ RowsAffected() int64 }, err error, what string) (bool, error) {
	if err != nil {
		return false, wrap(what, err)
	}
	return tag.RowsAffected() == 1, nil
}
