package idem

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"time"

	"cityhub/apperr"
)

// Answers keep the first answer to every request made with a key, whatever
// operation it asked for, so that a client's retry is answered exactly as
// the first request was (same status, same body) without running the
// operation again, and before anything that depends on time is checked.
//
// They complement Do, they do not replace it: an answer is stored after its
// operation committed, so a crash between the two leaves the key claimed and
// unanswered. Operations that must happen at most once (money, vouchers,
// seats) therefore also record the key with Do, in their own transaction;
// the retry after such a crash runs again and Do answers the first result.

// Answer is a stored answer: a status, the header fields a client needs
// again (media type, location) and a body.
type Answer struct {
	Status int
	Header map[string]string
	Body   []byte
	// Kept, when set, is what is kept of this answer instead of it: the
	// answer less a secret it carries (a payment's client secret), which
	// must not be kept in a second place. Stores never see this field.
	Kept *Answer
}

// AnswerStore keeps answers by (scope, key).
type AnswerStore interface {
	// ClaimAnswer reserves (scope, key) for a request with requestHash at
	// now: claimed=true if the key was free, or held by a claim made before
	// staleBefore (its holder is presumed dead) none of whose transactions
	// committed. Otherwise claimed=false with the holder's request hash, its
	// answer when done=true, and lost=true when the holder is stale but a
	// transaction of its request committed (the operation happened, its
	// answer is gone).
	ClaimAnswer(ctx context.Context, scope, key, requestHash string, now, staleBefore time.Time) (claimed bool, storedHash string, done, lost bool, a Answer, err error)
	// SaveAnswer stores the answer of a claimed key.
	SaveAnswer(ctx context.Context, scope, key string, a Answer) error
	// ReleaseAnswer gives a claimed key without an answer up: it is
	// forgotten, so that a retry runs again, unless a transaction of its
	// request committed; then it is left stale at once (lost), its claim
	// dated StaleMargin before the release, by which date the pruner
	// forgets it in its turn (Pruner).
	ReleaseAnswer(ctx context.Context, scope, key string) error
}

// StaleMargin is how far back a store dates the claim of a key it leaves
// lost on release (ReleaseAnswer): longer than any Answering's Lease (and
// than clocks of replicas differ), so that every hub takes the key as
// stale at once, and short beside the pruning's TTL (a day at least),
// which it shortens by as much for lost keys.
const StaleMargin = time.Hour

// Pending names the claimed key of the request a context belongs to. The
// stores mark it committed in every write transaction that commits under
// that context, in that transaction, so that after a crash a retry knows
// whether its operation happened even though its answer was never kept.
type Pending struct{ Scope, Key string }

type pendingKey struct{}

// WithPending is ctx for a request running under a claimed key.
func WithPending(ctx context.Context, p Pending) context.Context {
	return context.WithValue(ctx, pendingKey{}, p)
}

// WithoutPending is ctx for work that is not its request's alone (a
// transaction that commits several requests' work marks each of them
// itself), and for bookkeeping that is not the request's operation: a
// limit's reservation, an attempt's record, made before the request is
// judged. A key whose request committed only such transactions is
// forgotten when its answer is not kept (a 429, a 5xx), so that its retry
// runs again; marked, it would be refused as idempotency_key_answer_lost
// though nothing was made.
func WithoutPending(ctx context.Context) context.Context {
	return context.WithValue(ctx, pendingKey{}, nil)
}

// PendingFrom is the claimed key of ctx's request, if any.
func PendingFrom(ctx context.Context) (Pending, bool) {
	p, ok := ctx.Value(pendingKey{}).(Pending)
	return p, ok
}

// Answering runs requests under keys with an AnswerStore.
type Answering struct {
	Store AnswerStore
	// Lease is how long a claim without an answer holds its key before
	// another request may take it over (the first one crashed). It must be
	// longer than any request may take.
	Lease time.Duration
	// Wait is how long a request waits for another one holding its key to
	// answer, before it is refused with Conflict (idempotency_key_in_use).
	Wait time.Duration
	// Now is the clock; time.Now when nil.
	Now func() time.Time
}

// ErrAnswerLost is returned for a retry whose first request changed what it
// was to change but never gave its answer (its hub stopped in between).
var ErrAnswerLost = apperr.R(apperr.Conflict, "idempotency_key_answer_lost", "The first request with this Idempotency-Key was carried out, but its answer was lost; look the result up instead of retrying.")

// ErrKeyInUse is returned when another request with the same key is still
// running after Wait.
var ErrKeyInUse = apperr.R(apperr.Conflict, "idempotency_key_in_use", "A request with this Idempotency-Key is still running; retry in a moment.")

// Answer answers a request with key in scope: the stored answer of an
// earlier identical request (replayed=true), Conflict
// (idempotency_key_reused) for the same key with another request, with that
// request's answer when it has one, or run's answer, stored when keep says
// so (an answer not kept is released, so that a retry runs again: use it for
// failures the client should retry). run gets the context to run under (it
// names the claimed key, see Pending). A request that finds its key held by
// one still running, identical or not, waits for that one's answer, and runs
// nothing meanwhile. When the first one committed but its answer was lost,
// rerun says whether run may run again unkept (the operation recognises its
// own retry) or the retry is refused with ErrAnswerLost.
func (a *Answering) Answer(ctx context.Context, scope, key, requestHash string, run func(context.Context) Answer, keep func(Answer) bool, rerun bool) (_ Answer, replayed bool, err error) {
	return a.AnswerSame(ctx, scope, key, Fingerprint{Hash: requestHash}, run, keep, rerun)
}

// Fingerprint is a request's hash, as kept with its answer, and the hashes
// an older hub may have kept for the same request (an older way of
// hashing), which match it as its own does: a retry across an upgrade of
// the hashing is still the same request.
type Fingerprint struct {
	Hash    string
	Earlier []string
}

// same reports whether stored is this request's hash.
func (f Fingerprint) same(stored string) bool {
	return stored == f.Hash || slices.Contains(f.Earlier, stored)
}

// AnswerSame is Answer for a request whose hash may have been kept in an
// earlier form (Fingerprint); a new claim keeps f.Hash.
func (a *Answering) AnswerSame(ctx context.Context, scope, key string, f Fingerprint, run func(context.Context) Answer, keep func(Answer) bool, rerun bool) (_ Answer, replayed bool, err error) {
	if err := ValidateKey(key); err != nil {
		return Answer{}, false, err
	}
	now := time.Now
	if a.Now != nil {
		now = a.Now
	}
	pause := 5 * time.Millisecond
	deadline := now().Add(a.Wait)
	for {
		t := now()
		claimed, storedHash, done, lost, stored, err := a.Store.ClaimAnswer(ctx, scope, key, f.Hash, t, t.Add(-a.Lease))
		if err != nil {
			return Answer{}, false, fmt.Errorf("claim idempotency key: %w", err)
		}
		switch {
		case claimed:
			return a.run(ctx, scope, key, run, keep, rerun)
		case done && !f.same(storedHash):
			// With the first request's answer: a caller that lets the
			// operation judge another body (rerun) must know what the
			// operation answered under the key.
			return stored, false, ErrKeyReused
		case done:
			return stored, true, nil
		case lost && !f.same(storedHash):
			// Whatever the first request did, its answer is gone: this
			// one is another request, and nothing tells what the first
			// one's operation did under the key.
			return Answer{}, false, ErrKeyReused
		case lost && rerun:
			return run(ctx), false, nil
		case lost:
			return Answer{}, false, ErrAnswerLost
		case !t.Before(deadline):
			return Answer{}, false, ErrKeyInUse
		}
		// Another request with this key is running, here or on another
		// replica: wait for its answer, a little longer each time. Also
		// when it is another request: until the first one has its answer
		// nobody knows whether this one is another request under a kept
		// key (refused) or under a key given up (its answer not kept:
		// this one runs), and it must not run meanwhile.
		select {
		case <-ctx.Done():
			return Answer{}, false, ctx.Err()
		case <-time.After(pause):
		}
		pause = min(2*pause, 200*time.Millisecond)
	}
}

func (a *Answering) run(ctx context.Context, scope, key string, run func(context.Context) Answer, keep func(Answer) bool, rerun bool) (ans Answer, replayed bool, err error) {
	saved := false
	defer func() {
		if !saved {
			// Also on a panic: the key must not stay claimed until its lease
			// runs out. A context that ended must not stop the release.
			if rerr := a.Store.ReleaseAnswer(context.WithoutCancel(ctx), scope, key); rerr != nil {
				err = errors.Join(err, fmt.Errorf("release idempotency key: %w", rerr))
			}
		}
	}()
	if !rerun {
		// Only an operation that may not run again needs its transactions
		// to mark the key committed (Pending). One that recognises its own
		// retry runs again after a crash whether the mark is there (lost,
		// rerun) or not (a stale claim, taken over), and answers its first
		// result: the mark would be a write for nothing.
		ctx = WithPending(ctx, Pending{Scope: scope, Key: key})
	}
	ans = run(ctx)
	kept := ans
	if ans.Kept != nil {
		kept = *ans.Kept
	}
	if !keep(kept) {
		return ans, false, nil
	}
	if err := a.Store.SaveAnswer(context.WithoutCancel(ctx), scope, key, kept); err != nil {
		// The answer was given; the key stays claimed until its lease ends,
		// and a retry then runs again (and Do replays what must not repeat).
		saved = true
		return ans, false, fmt.Errorf("save idempotent answer: %w", err)
	}
	saved = true
	return ans, false, nil
}
