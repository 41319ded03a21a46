// Package idem makes a domain operation idempotent under a client-supplied key:
// the first request with a key does the work and records its result in the
// same database transaction; a replay with the same request returns that
// result and changes nothing; the same key with a different request is a
// conflict. It knows neither HTTP nor SQL.
package idem

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"strings"

	"cityhub/apperr"
)

// Tx is what a store transaction must offer.
type Tx interface {
	// ClaimIdempotencyKey records (scope, key, hash) if the key is new and
	// reports claimed=true. If the key exists it returns claimed=false with the
	// stored hash and response. A concurrent claim of the same key waits for
	// the other transaction to finish.
	ClaimIdempotencyKey(ctx context.Context, scope, key, requestHash string) (claimed bool, storedHash string, response []byte, err error)
	// SaveIdempotentResponse stores the result of the claimed key.
	SaveIdempotentResponse(ctx context.Context, scope, key string, response []byte) error
	// IdempotentResponse reads a committed key without claiming it: found
	// is false when the key is unknown.
	IdempotentResponse(ctx context.Context, scope, key string) (found bool, storedHash string, response []byte, err error)
}

// MaxKeyLen bounds client keys, so that a key scoped by an account or shop
// id still fits the ledger's 200-character transaction keys.
const MaxKeyLen = 100

// ValidateKey checks a client idempotency key.
func ValidateKey(key string) error {
	if key == "" {
		return apperr.R(apperr.Invalid, "idempotency_key_missing", "An Idempotency-Key is required for this request.")
	}
	if len(key) > MaxKeyLen || strings.ContainsFunc(key, func(r rune) bool { return r < 0x21 || r > 0x7e }) {
		return apperr.R(apperr.Invalid, "idempotency_key_invalid", "The Idempotency-Key must be 1 to %d printable ASCII characters, without spaces.", MaxKeyLen)
	}
	return nil
}

// Hash fingerprints a request for comparison with a replay.
func Hash(request any) (string, error) {
	b, err := json.Marshal(request)
	if err != nil {
		return "", fmt.Errorf("hash idempotent request: %w", err)
	}
	sum := sha256.Sum256(b)
	return hex.EncodeToString(sum[:]), nil
}

// Replay looks a key up without claiming it and returns the stored result of
// an earlier identical request (replayed=true), Conflict
// (idempotency_key_reused) for the same key with another request, or
// replayed=false for a key not used yet. A service calls it before any check
// that depends on time or on state the first request changed (a QR code's
// expiry, a per-citizen limit), so a retry gets the first answer rather than
// a refusal the first request never had; it then calls Do, which settles
// races between first requests.
func Replay[T any](ctx context.Context, tx Tx, scope, key string, request any) (result T, replayed bool, err error) {
	if err := ValidateKey(key); err != nil {
		return result, false, err
	}
	hash, err := Hash(request)
	if err != nil {
		return result, false, err
	}
	found, storedHash, stored, err := tx.IdempotentResponse(ctx, scope, key)
	if err != nil || !found {
		return result, false, err
	}
	return decodeStored[T](hash, storedHash, stored)
}

// decodeStored is a committed record's answer to a request hashed hash:
// Conflict for another request, or the first result with replayed=true;
// for a kept refusal (DoKeeping), the refusal as err, with replayed=true.
func decodeStored[T any](hash, storedHash string, stored []byte) (result T, replayed bool, err error) {
	if storedHash != hash {
		return result, false, ErrKeyReused
	}
	if bytes.HasPrefix(stored, refusalPrefix) {
		var r storedRefusal
		if err := json.Unmarshal(stored[len(refusalPrefix):], &r); err != nil {
			return result, false, fmt.Errorf("decode stored refusal: %w", err)
		}
		return result, true, apperr.Said(r.Code, r.Reason, r.Message)
	}
	if err := json.Unmarshal(stored, &result); err != nil {
		return result, false, fmt.Errorf("decode stored idempotent response: %w", err)
	}
	return result, true, nil
}

// ErrKeyReused is the refusal of a key already used for another request.
var ErrKeyReused = apperr.R(apperr.Conflict, "idempotency_key_reused", "This Idempotency-Key was already used for a different request.")

// AboutTheKey reports whether reason is a refusal of a request's key
// rather than of the request (another request's key, one still in use, a
// first answer lost): never a key's own answer, since it says nothing of
// what the request asked for.
func AboutTheKey(reason string) bool {
	switch reason {
	case "idempotency_key_reused", "idempotency_key_in_use", "idempotency_key_answer_lost":
		return true
	}
	return false
}

// LaterClaimer is a Tx that can send a key's claim with the statements
// that follow it, one round trip for both, instead of before them.
type LaterClaimer interface {
	// ClaimIdempotencyKeyLater queues ClaimIdempotencyKey's claim of
	// (scope, key, requestHash) to go to the database with the next
	// statement. outcome, called once that statement was answered, gives
	// what ClaimIdempotencyKey would have (sending the claim first if
	// nothing went since).
	ClaimIdempotencyKeyLater(ctx context.Context, scope, key, requestHash string) (outcome func(context.Context) (claimed bool, storedHash string, response []byte, err error), err error)
}

// Do runs fn once per (scope, key) inside the caller's transaction tx. It
// returns fn's result, or the stored result of an earlier identical request
// with replayed=true.
func Do[T any](ctx context.Context, tx Tx, scope, key string, request any, fn func() (T, error)) (result T, replayed bool, err error) {
	result, replayed, refused, err := do(ctx, tx, scope, key, request, nil, fn, false)
	if refused != nil {
		// A key DoKeeping kept a refusal under, replayed.
		return result, replayed, refused
	}
	return result, replayed, err
}

// do is Do, and DoKeeping when keep is set: then a refusal of fn that
// Keeps is saved as the key's result and returned as refused. A replayed
// refusal (only DoKeeping saves them) is refused with replayed=true. read,
// when set, runs first, and a Tx that is a LaterClaimer sends the key's
// claim with read's first statement: read must only read and lock, so that
// it may run for a key claimed already (its reads are then unused). An
// error of read is fn's.
func do[T any](ctx context.Context, tx Tx, scope, key string, request any, read func() error, fn func() (T, error), keep bool) (result T, replayed bool, refused, err error) {
	if err := ValidateKey(key); err != nil {
		return result, false, nil, err
	}
	hash, err := Hash(request)
	if err != nil {
		return result, false, nil, err
	}
	claimed, storedHash, stored, readErr, err := claim(ctx, tx, scope, key, hash, read)
	if err != nil {
		return result, false, nil, fmt.Errorf("claim idempotency key: %w", err)
	}
	if !claimed {
		result, replayed, err = decodeStored[T](hash, storedHash, stored)
		if replayed && err != nil {
			return result, true, err, nil
		}
		return result, replayed, nil, err
	}
	if err = readErr; err == nil {
		result, err = fn()
	}
	var body []byte
	switch {
	case keep && Keeps(err):
		refused = err
		body, err = EncodeRefusal(err)
	case err != nil:
		return result, false, nil, err
	default:
		body, err = json.Marshal(result)
	}
	if err != nil {
		return result, false, nil, fmt.Errorf("encode idempotent response: %w", err)
	}
	if err := tx.SaveIdempotentResponse(ctx, scope, key, body); err != nil {
		return result, false, nil, fmt.Errorf("save idempotent response: %w", err)
	}
	return result, false, refused, nil
}

// claim claims the key and runs read (when set) after it: in one round
// trip when tx is a LaterClaimer, else read runs only for a key claimed.
func claim(ctx context.Context, tx Tx, scope, key, hash string, read func() error) (claimed bool, storedHash string, stored []byte, readErr, err error) {
	lc, piped := tx.(LaterClaimer)
	if read == nil || !piped {
		claimed, storedHash, stored, err = tx.ClaimIdempotencyKey(ctx, scope, key, hash)
		if err == nil && claimed && read != nil {
			readErr = read()
		}
		return claimed, storedHash, stored, readErr, err
	}
	outcome, err := lc.ClaimIdempotencyKeyLater(ctx, scope, key, hash)
	if err != nil {
		return false, "", nil, nil, err
	}
	readErr = read()
	claimed, storedHash, stored, err = outcome(ctx)
	if err != nil && readErr != nil {
		// The claim never got its answer: what stopped the batch it rode
		// in is the failure.
		err = readErr
	}
	return claimed, storedHash, stored, readErr, err
}

// FromStored answers a request fingerprinted hash (Hash) whose key holds the
// committed record (storedHash, stored), for a service that reads many keys
// at once instead of calling Replay for each: the first result
// (replayed=true; a kept refusal as err, see DoKeeping), or Conflict
// (idempotency_key_reused) for another request.
func FromStored[T any](hash, storedHash string, stored []byte) (result T, replayed bool, err error) {
	return decodeStored[T](hash, storedHash, stored)
}

// An operation's refusals are answers too: a retry of a request refused
// because of what it found (a voucher already used, a campaign closed, a
// purchase too small) must be refused again in the same words, even if
// what it found has changed since (the voucher's redemption reversed).
// DoKeeping records such a refusal as its key's result, in a form that no
// operation's own result takes: refusalPrefix, which no JSON value begins
// with, and the refusal in JSON.

// Keeps reports whether err is a refusal that a retry gets again: a
// refusal of the request as it is (invalid, not found, a conflict with the
// state, insufficient funds), not one that a retry may well change (an
// unknown or refused caller, a rate limit, an unavailable dependency, a
// failure), nor one about the key rather than the request (another
// request's key, one still in use). It is the rule by which the API keeps
// answers (httpx.KeepAnswer), in the domain's codes.
func Keeps(err error) bool {
	var e *apperr.Error
	if err == nil || !errors.As(err, &e) {
		return false
	}
	if AboutTheKey(e.Reason) {
		// About the key, not the request: never the key's own result.
		return false
	}
	switch e.Code {
	case apperr.Invalid, apperr.NotFound, apperr.Conflict, apperr.InsufficientFunds:
		return true
	}
	return false
}

// storedRefusal is a kept refusal, after refusalPrefix.
type storedRefusal struct {
	Code    apperr.Code `json:"code"`
	Reason  string      `json:"reason,omitempty"`
	Message string      `json:"message"`
}

// refusalPrefix begins every stored refusal.
var refusalPrefix = []byte("refused:")

// EncodeRefusal is the stored form of a refusal that Keeps.
func EncodeRefusal(err error) ([]byte, error) {
	var e *apperr.Error
	if !Keeps(err) || !errors.As(err, &e) {
		return nil, fmt.Errorf("encode refusal: %v is not a kept refusal", err)
	}
	b, err := json.Marshal(storedRefusal{Code: e.Code, Reason: e.Reason, Message: e.Message})
	if err != nil {
		return nil, fmt.Errorf("encode refusal: %w", err)
	}
	return append(refusalPrefix[:len(refusalPrefix):len(refusalPrefix)], b...), nil
}

// DoKeeping is Do for an operation whose refusals are kept: when fn refuses
// with an error that Keeps, the refusal is saved as the key's result in tx
// and returned as refused, with err nil, for the caller to commit tx (fn
// must write nothing before it refuses) and then give the refusal. A
// replay of a kept refusal gives it again as refused, with replayed=true.
func DoKeeping[T any](ctx context.Context, tx Tx, scope, key string, request any, fn func() (T, error)) (result T, refused error, replayed bool, err error) {
	result, replayed, refused, err = do(ctx, tx, scope, key, request, nil, fn, true)
	return result, refused, replayed, err
}

// AfterWrites marks a refusal that an operation judged once it had
// written: DoKeeping must not keep it in that transaction (committing the
// key would commit what the operation wrote), so it is not a refusal that
// Keeps, and it fails the transaction like any error. Its caller, once the
// transaction rolled back, gets it back with LateRefusal and keeps it in a
// transaction of its own (KeepRefusal).
func AfterWrites(refusal error) error { return lateRefusal{refusal} }

// lateRefusal has no Unwrap: Keeps must not see the refusal inside.
type lateRefusal struct{ refusal error }

func (e lateRefusal) Error() string { return e.refusal.Error() }

// LateRefusal is the refusal that AfterWrites marked in err, if any.
func LateRefusal(err error) (refusal error, ok bool) {
	var late lateRefusal
	if errors.As(err, &late) {
		return late.refusal, true
	}
	return nil, false
}

// KeepRefusal keeps refusal (one that Keeps) as the key's answer in tx,
// for an operation refused once its own transaction had written, which
// then rolled back with its key: run in a transaction of its own. A key
// committed meanwhile (a retry that went through) is the key's first
// answer, and is given instead, replayed.
func KeepRefusal[T any](ctx context.Context, tx Tx, scope, key string, request any, refusal error) (result T, refused error, replayed bool, err error) {
	return DoKeeping(ctx, tx, scope, key, request, func() (T, error) { return result, refusal })
}

// DoKeepingAfterRead is DoKeeping for an operation whose first step only
// reads and locks (read) and whose rest (fn) decides on what read found:
// where tx can (LaterClaimer), the key's claim goes to the database with
// read's first statement, one round trip fewer. read's error is a refusal
// or a failure as fn's would be; for a key claimed already, read's work is
// unused (its locks are held until tx ends: a replay may wait on them) and
// the key's stored answer is given.
func DoKeepingAfterRead[T any](ctx context.Context, tx Tx, scope, key string, request any, read func() error, fn func() (T, error)) (result T, refused error, replayed bool, err error) {
	result, replayed, refused, err = do(ctx, tx, scope, key, request, read, fn, true)
	return result, refused, replayed, err
}
