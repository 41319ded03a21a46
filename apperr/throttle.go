package apperr

import (
	"errors"
	"time"
)

// throttled is a refusal by a limit that knows how long a retry must wait
// before it can fit; the web layer sends that as Retry-After.
type throttled struct {
	err   *Error
	after time.Duration
}

func (t *throttled) Error() string { return t.err.Error() }
func (t *throttled) Unwrap() error { return t.err }

// Throttled is err (a RateLimited refusal) with the wait before a retry can
// fit, rounded to whole seconds and at least one. It unwraps to err, so its
// code, reason and message are err's.
func Throttled(err *Error, after time.Duration) error {
	return &throttled{err: err, after: max(after.Round(time.Second), time.Second)}
}

// RetryAfterOf is how long err asks its caller to wait before trying again
// (Throttled's wait), 0 when it says nothing: what every surface sends as
// Retry-After, or a page says in words.
func RetryAfterOf(err error) time.Duration {
	var t *throttled
	if errors.As(err, &t) {
		return t.after
	}
	return 0
}
