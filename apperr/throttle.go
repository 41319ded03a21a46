package apperr

import "time"

// throttled is a refusal by a limit that knows how long a retry must wait
// before it can fit; the web layer sends that as Retry-After.
type throttled struct {
	err   *Error
	after time.Duration
}

func (t *throttled) Error() string             { return t.err.Error() }
func (t *throttled) Unwrap() error             { return t.err }
func (t *throttled) RetryAfter() time.Duration { return t.after }

// Throttled is err (a RateLimited refusal) with the wait before a retry can
// fit, rounded to whole seconds and at least one. It unwraps to err, so its
// code, reason and message are err's.
func Throttled(err *Error, after time.Duration) error {
	return &throttled{err: err, after: max(after.Round(time.Second), time.Second)}
}
