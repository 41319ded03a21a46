// Package apperr is the one error type the domain packages return. It carries a
// stable code that the web layer alone maps to an HTTP status, and a message that
// is safe to show to the person who made the request. It must never import
// net/http or any storage driver.
package apperr

import (
	"errors"
	"fmt"
)

// Code classifies an error for callers; it is part of the API contract (it
// appears as the "code" member of problem+json bodies), so codes are never
// renamed.
type Code string

const (
	Invalid           Code = "invalid"         // the request is malformed or breaks a rule
	NotFound          Code = "not_found"       // no such object, or the caller may not know it exists
	Conflict          Code = "conflict"        // the state does not allow this now (already used, sold out, replayed key with another body)
	Unauthenticated   Code = "unauthenticated" // no valid credential
	Forbidden         Code = "forbidden"       // the caller is known but may not do this
	RateLimited       Code = "rate_limited"    // too many attempts; retry later
	Unavailable       Code = "unavailable"     // a dependency (station, broker, payment provider) did not answer
	InsufficientFunds Code = "insufficient_funds"
	Internal          Code = "internal" // a bug or an infrastructure failure; details are logged, never shown
)

// Error is a domain error with a code and a message safe to show.
type Error struct {
	Code    Code
	Message string
	// Detail is an optional stable machine-readable reason within the code,
	// such as "voucher_already_redeemed".
	Reason string
	// Args are the values R formatted the message with, in its order (the
	// line, the seat, the category it names), so that a page in another
	// language can word the reason itself and still name them.
	Args []any
	err  error
}

func (e *Error) Error() string {
	if e.err != nil {
		return fmt.Sprintf("%s: %s: %v", e.Code, e.Message, e.err)
	}
	return fmt.Sprintf("%s: %s", e.Code, e.Message)
}

func (e *Error) Unwrap() error { return e.err }

// Is lets errors.Is(err, apperr.E(apperr.NotFound, "")) match on the code alone.
func (e *Error) Is(target error) bool {
	var t *Error
	if !errors.As(target, &t) {
		return false
	}
	return t.Code == e.Code && (t.Reason == "" || t.Reason == e.Reason)
}

// E builds an error with a code and a safe message.
func E(code Code, format string, args ...any) *Error {
	return &Error{Code: code, Message: fmt.Sprintf(format, args...)}
}

// R builds an error with a code, a stable reason and a safe message.
func R(code Code, reason, format string, args ...any) *Error {
	return &Error{Code: code, Reason: reason, Message: fmt.Sprintf(format, args...), Args: args}
}

// Said builds an error whose message is already made (a kept refusal
// replayed, a message built in parts): it has no Args, so no page takes the
// whole message for a value its own words name.
func Said(code Code, reason, message string) *Error {
	return &Error{Code: code, Reason: reason, Message: message}
}

// Wrap keeps cause for logs and errors.Is, showing only message.
func Wrap(cause error, code Code, format string, args ...any) *Error {
	return &Error{Code: code, Message: fmt.Sprintf(format, args...), err: cause}
}

// CodeOf returns the code of the first *Error in err's chain, or Internal.
func CodeOf(err error) Code {
	var e *Error
	if errors.As(err, &e) {
		return e.Code
	}
	return Internal
}

// ReasonOf returns the reason of the first *Error in err's chain.
func ReasonOf(err error) string {
	var e *Error
	if errors.As(err, &e) {
		return e.Reason
	}
	return ""
}

// ArgsOf returns the values the message of the first *Error in err's chain
// was formatted with (nil unless R made it with some).
func ArgsOf(err error) []any {
	var e *Error
	if errors.As(err, &e) {
		return e.Args
	}
	return nil
}

// MessageOf returns a message safe to show for err: the domain message, or a
// generic one for internal errors so that no internal detail leaks.
func MessageOf(err error) string {
	var e *Error
	if errors.As(err, &e) && e.Code != Internal {
		return e.Message
	}
	return "An internal error occurred."
}

// Has reports whether err carries code.
func Has(err error, code Code) bool { return CodeOf(err) == code }
