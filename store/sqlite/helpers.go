package sqlite

import (
	"database/sql"
	"errors"
	"fmt"

	"modernc.org/sqlite"
	sqlite3 "modernc.org/sqlite/lib"

	"cityhub/apperr"
)

// Every store method returns its error through wrap, so a domain sees an
// apperr code (or an internal error) whichever method failed, and the log
// still says what failed. InTx and View translate once more on the way out,
// for errors a domain's own function made.

// wrap says what failed and translates the driver's error; nil stays nil.
func wrap(what string, err error) error {
	if err == nil {
		return nil
	}
	return translate(fmt.Errorf("%s: %w", what, err))
}

// translate maps a driver error to an apperr code, keeping it as the cause
// for logs and errors.Is. Errors that already carry a code pass unchanged.
// What stays an internal error, on purpose:
//   - SQLITE_BUSY and SQLITE_LOCKED: busy_timeout (see dsn) has already
//     waited for the lock, so still failing means the file is stuck;
//   - context cancellation and deadlines: the caller gave up, and
//     errors.Is(err, context.Canceled) still answers;
//   - anything else (disk full, I/O, syntax): a bug or an outage.
func translate(err error) error {
	if err == nil {
		return nil
	}
	var ae *apperr.Error
	if errors.As(err, &ae) {
		return err
	}
	if errors.Is(err, sql.ErrNoRows) {
		return apperr.Wrap(err, apperr.NotFound, "Not found.")
	}
	var se *sqlite.Error
	if errors.As(err, &se) {
		switch se.Code() {
		case sqlite3.SQLITE_CONSTRAINT_UNIQUE, sqlite3.SQLITE_CONSTRAINT_PRIMARYKEY:
			return apperr.Wrap(err, apperr.Conflict, "Already exists.")
		case sqlite3.SQLITE_CONSTRAINT_FOREIGNKEY:
			return apperr.Wrap(err, apperr.Invalid, "Refers to something that does not exist.")
		case sqlite3.SQLITE_CONSTRAINT_CHECK:
			return apperr.Wrap(err, apperr.Conflict, "Breaks a rule of the data.")
		}
	}
	return err
}

// rowScanner is one row being read: a *sql.Row, or *sql.Rows at a row.
type rowScanner interface{ Scan(dest ...any) error }

// collect reads every row of a query with scan, closing rows; err is the
// query's own error. No rows is an empty slice, as pgx gives on PostgreSQL.
func collect[T any](rows *sql.Rows, err error, scan func(rowScanner) (T, error)) ([]T, error) {
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	out := []T{}
	for rows.Next() {
		v, err := scan(rows)
		if err != nil {
			return nil, err
		}
		out = append(out, v)
	}
	return out, rows.Err()
}

// oneRow turns an UPDATE or DELETE that matched nothing into sql.ErrNoRows,
// which wrap reports as not found.
func oneRow(res sql.Result, err error) error {
	if err != nil {
		return err
	}
	if n, _ := res.RowsAffected(); n == 0 {
		return sql.ErrNoRows
	}
	return nil
}

// notDeleted is NotFound with reason, naming what, when a DELETE matched
// no row: the API answers each 404 with a reason.
func notDeleted(res sql.Result, reason, what, id string) error {
	if n, _ := res.RowsAffected(); n == 0 {
		return apperr.R(apperr.NotFound, reason, "There is no %s %q.", what, id)
	}
	return nil
}

// inserted reports whether an INSERT ... ON CONFLICT DO NOTHING (or an
// UPDATE) wrote its row: the primary key, not an earlier read, decides who
// created an id first, and an update of a deleted id writes nothing rather
// than bringing it back.
func inserted(res sql.Result, err error, what string) (bool, error) {
	if err != nil {
		return false, wrap(what, err)
	}
	n, err := res.RowsAffected()
	if err != nil {
		return false, wrap(what, err)
	}
	return n == 1, nil
}
