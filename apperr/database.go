package apperr

import (
	"errors"
	"time"
)

// ReasonDatabaseUnavailable marks an Unavailable error whose cause is the
// database not answering (down, restarting, unreachable), not the request:
// the same request may well succeed once it is back.
const ReasonDatabaseUnavailable = "database_unavailable"

// DatabaseRetryAfter is the wait a refusal for an unreachable database asks
// for: a restart or a failover takes seconds, and a client that retries at
// once only adds to the connections the database refuses.
const DatabaseRetryAfter = 5 * time.Second

// DatabaseUnavailable is cause (a driver's error for a connection that could
// not be made or was lost) as an Unavailable refusal that asks for a retry
// after DatabaseRetryAfter. Its message does not say that nothing changed: a
// connection lost during a COMMIT leaves that unknown, and a keyed request's
// retry finds out (its key is written with what it changed).
func DatabaseUnavailable(cause error) error {
	e := Wrap(cause, Unavailable, "The service's database is not answering just now. Try again in a minute.")
	e.Reason = ReasonDatabaseUnavailable
	return &throttled{err: e, after: DatabaseRetryAfter}
}

// IsServerFault reports whether err is the server's failure rather than
// the caller's: an internal error, or a database that did not answer. Such
// an error is logged where it is answered; a caller's mistake is not. Nil
// is no fault.
func IsServerFault(err error) bool {
	return err != nil && (CodeOf(err) == Internal || IsDatabaseUnavailable(err))
}

// IsDatabaseUnavailable reports whether err is DatabaseUnavailable's.
func IsDatabaseUnavailable(err error) bool {
	var e *Error
	return errors.As(err, &e) && e.Code == Unavailable && e.Reason == ReasonDatabaseUnavailable
}
