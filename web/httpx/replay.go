package httpx

import (
	"bytes"
	"context"
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"hash"
	"io"
	"log/slog"
	"maps"
	"net/http"
	"strings"
	"sync"
	"time"

	"cityhub/apperr"
	"cityhub/idem"
	"cityhub/identity"
)

// Every state-changing call of the JSON API (POST, PUT, PATCH, DELETE)
// honours an Idempotency-Key header the same way: the first answer to
// (caller, route, key) is kept, and a retry with the same method, path,
// query and body gets it again (same status, same body, and
// "Idempotent-Replayed: true") before its handler runs, so before anything
// is checked again that time or the first request changed (a QR code that
// expired meanwhile, a limit the first request reached). The same key with
// another request is 409 (idempotency_key_reused), for a signed-in caller:
// without a sign-in the caller is the request itself (its fingerprint), so
// another request under the same key is another caller's, and runs. A
// request that arrives while the first one with its key runs, a retry or
// another request, waits for its answer, and runs nothing meanwhile. Answers
// with 5xx, 401, 403, 408 and 429 are not kept: the retry runs again. When a
// hub stops between the operation and its kept answer, the operations that
// record their keys themselves (idem.Do, SelfKeyed below) answer the retry
// with their first result; for every other route each write transaction the
// keyed request commits also marks its key committed (idem.Pending), and the
// retry is refused with 409 (idempotency_key_answer_lost) rather than run
// twice. The operations that keep every answer themselves, refusals too
// (OwnAnswers below), give the same promises from their own records, and
// their answers are not kept a second time here. An account's erasure
// (DELETE /api/v1/me) and a password change (PUT /api/v1/me/password) are
// the requests whose retry comes with a token that no longer signs anyone
// in: the retry under the same key, the same request, gets the first
// answer (Authenticate lets it through to this alone, ErasedAccount,
// PasswordChangedAccount), for a password change only its 204, and only
// with the token of the generation that change ended; another body under
// the change's key is 409 as any reuse of a key, and anything else with
// that token is refused as the door refuses it.

const (
	// AnswerLease is how long a request holds its key without an answer
	// before a retry takes it over (its hub died): longer than WriteTimeout.
	AnswerLease = time.Minute
	// AnswerWait is how long a retry waits for a racing first request.
	AnswerWait = 25 * time.Second
)

// Replayer answers keyed API calls through their kept first answer.
type Replayer struct {
	// Answering keeps the answers; nil: no call is keyed.
	Answering *idem.Answering
	// Unkeyed are the route patterns whose answers are never kept (they
	// carry credentials, or are deduplicated otherwise).
	Unkeyed map[string]bool
	// SelfKeyed are the route patterns whose operations also record their
	// keys themselves, in the transaction of what they change (idem.Do):
	// they know when two bodies ask for the same thing.
	SelfKeyed map[string]bool
	// OwnAnswers are the route patterns whose operations keep every answer
	// they give, refusals too, with their keys, in the transaction of what
	// they change (idem.DoKeeping), and replay them before anything that
	// time or the first request changed is checked again: the Replayer
	// leaves their keys to them, and their answers are kept once, not
	// twice.
	OwnAnswers map[string]bool
	// HashKey keys the fingerprint of each keyed request (fingerprint):
	// the same on every replica (web.New derives it from the keyring).
	// Empty: a key of this process alone, drawn at its first use, so that
	// no fingerprint is ever unkeyed (tests build Replayers so).
	HashKey []byte
	Log     *slog.Logger
}

// NewAnswering is the answering of keyed calls on store, with the hub's
// lease and wait.
func NewAnswering(store idem.AnswerStore) *idem.Answering {
	return &idem.Answering{Store: store, Lease: AnswerLease, Wait: AnswerWait}
}

// Keyed reports whether r is a state-changing API call whose Idempotency-Key
// the server answers for. A header sent empty counts: ServeKeyed refuses
// it rather than run the call as if it had no key.
func (s *Replayer) Keyed(r *http.Request, pattern string) bool {
	if s == nil || s.Answering == nil || len(r.Header.Values("Idempotency-Key")) == 0 || !strings.HasPrefix(r.URL.Path, "/api/") {
		return false
	}
	switch r.Method {
	case http.MethodPost, http.MethodPut, http.MethodPatch, http.MethodDelete:
	default:
		return false
	}
	return pattern != "" && pattern != "/api/" && !s.Unkeyed[pattern]
}

// ServeKeyed runs next for a keyed request, or replays the first answer.
func (s *Replayer) ServeKeyed(w http.ResponseWriter, r *http.Request, pattern string, next http.Handler) {
	// Two keys: which one the client meant to retry under is anyone's
	// guess, and taking the first would answer a retry under the second
	// as a new request.
	if len(r.Header.Values("Idempotency-Key")) > 1 {
		WriteError(s.Log, w, r, apperr.R(apperr.Invalid, "duplicate_idempotency_key", "Send one Idempotency-Key header, not several."))
		return
	}
	// An empty header is a key of no characters, not a call without a key:
	// a client that meant to send one and sent nothing learns it now, not
	// after a retry that runs the call twice.
	if r.Header.Get("Idempotency-Key") == "" {
		WriteError(s.Log, w, r, apperr.R(apperr.Invalid, "idempotency_key_invalid", "The Idempotency-Key must be 1 to %d printable ASCII characters, without spaces.", idem.MaxKeyLen))
		return
	}
	if s.OwnAnswers[pattern] {
		next.ServeHTTP(w, r)
		return
	}
	if r.ContentLength > MaxJSONBody {
		// Declared too large to keep: its handler judges the length
		// before reading a byte (LimitBody), so a client that asked
		// "Expect: 100-continue" is refused before it sends the body,
		// as without a key. Nothing to keep.
		next.ServeHTTP(w, r)
		return
	}
	body, err := io.ReadAll(io.LimitReader(r.Body, MaxJSONBody+1))
	if err != nil {
		WriteError(s.Log, w, r, apperr.R(apperr.Invalid, "malformed_json", "The body could not be read."))
		return
	}
	if len(body) > MaxJSONBody {
		// Refused as too large by its handler; nothing to keep.
		r.Body = io.NopCloser(io.MultiReader(bytes.NewReader(body), r.Body))
		next.ServeHTTP(w, r)
		return
	}
	r.Body = io.NopCloser(bytes.NewReader(body))
	fp := s.fingerprint(r, body)
	// Callers without a sign-in are told apart by nothing but what they
	// send: each request is a scope of its own, so only the same request
	// under the same key replays, and another one (another address's
	// password reset) under a key someone else chose runs as new, never
	// 409 for a key it could not know was taken.
	who := "anonymous:" + fp.Hash
	ended, endedRetry := endedTokenOf(r)
	if c, ok := identity.CallerFrom(r.Context()); ok && c.AccountID != "" {
		who, endedRetry = c.AccountID, false
	} else if endedRetry {
		// An erased account's retry of its erasure, or the retry of the
		// password change that ended its token: the scope its first
		// answer was kept under. Its handler, run when there is none,
		// refuses it (Caller), and a refusal is not kept.
		who = ended.accountID
	}

	run := func(ctx context.Context) idem.Answer {
		rec := &bufferedAnswer{header: http.Header{}}
		next.ServeHTTP(rec, r.WithContext(ctx))
		return rec.answer()
	}
	ans, replayed, err := s.Answering.AnswerSame(r.Context(), "api:"+who+":"+pattern, r.Header.Get("Idempotency-Key"), fp, run, KeepAnswer, s.SelfKeyed[pattern])
	if endedRetry {
		switch {
		case ended.passwordChange && ans.Status == http.StatusNoContent && apperr.ReasonOf(err) == "idempotency_key_reused":
			// Another body under the key of the change that ended
			// the token: refused as any reuse of a key is.
			WriteError(s.Log, w, r, err)
			return
		case err != nil || !replayed || ended.passwordChange && ans.Status != http.StatusNoContent:
			// Nothing but the first answer of the request that ended
			// the token is given for it (a password change's success
			// alone): another request under its key, or another key,
			// is refused as the door refused the token.
			_, refusal := Caller(r)
			WriteError(s.Log, w, r, refusal)
			return
		}
	}
	if err != nil && apperr.ReasonOf(err) == "idempotency_key_reused" {
		// Another body, but perhaps the same request to the operation (the
		// same seats in another order): it decides, from its own record,
		// once the first request has its answer (Answer waits for it).
		// Not after a refusal: the operation kept nothing under the key
		// then (its transaction rolled back), and would take another
		// request, for another resource, as the key's first; nor without
		// the first answer (lost), which says nothing of what it did.
		if s.SelfKeyed[pattern] && ans.Status > 0 && ans.Status < 400 {
			next.ServeHTTP(w, r.WithContext(context.WithValue(r.Context(), firstAnswerKey{}, withoutMark(ans))))
			return
		}
		WriteError(s.Log, w, r, err)
		return
	}
	if err != nil {
		if ans.Status == 0 {
			if apperr.ReasonOf(err) == "idempotency_key_in_use" {
				w.Header().Set("Retry-After", keyInUseRetry)
			}
			WriteError(s.Log, w, r, err)
			return
		}
		// The operation ran and has its answer; only keeping it failed.
		s.Log.ErrorContext(r.Context(), "keep idempotent answer", slog.String("route", pattern), slog.Any("error", err))
	}
	if replayed && ans.Header[secretLeftOut] != "" {
		// Kept without the secret it carried: its handler gives it again,
		// from the kept answer (KeptAnswer), running nothing else.
		next.ServeHTTP(w, r.WithContext(context.WithValue(r.Context(), keptAnswerKey{}, withoutMark(ans))))
		return
	}
	for k, v := range ans.Header {
		w.Header().Set(k, v)
	}
	if replayed {
		w.Header().Set("Idempotent-Replayed", "true")
	}
	w.WriteHeader(ans.Status)
	_, _ = w.Write(ans.Body)
}

// fingerprint is what tells a keyed request from another: its method,
// path, query and body, under an HMAC-SHA-256 keyed with HashKey. The
// bodies of a sign-up, a password reset or change hold passwords, and the
// fingerprint is kept in the database (and, for a caller not signed in, in
// the scope): unkeyed, whoever reads the database could test guesses of a
// password at the speed of SHA-256, where its stored hash makes them pay
// argon2's price. Keyed, a guess needs the key, which the database holds
// only sealed when a key-encryption key is set (keyring). Earlier holds
// the unkeyed form that hubs before this one kept, matched as the same
// request so that a retry across the upgrade still gets its first answer
// (for a signed-in caller: a caller not signed in is found by the
// fingerprint itself, and a retry across the upgrade runs as a new
// request). It can go once no answer kept before the upgrade remains.
func (s *Replayer) fingerprint(r *http.Request, body []byte) idem.Fingerprint {
	key := s.HashKey
	if len(key) == 0 {
		key = processHashKey()
	}
	keyed, plain := hmac.New(sha256.New, key), sha256.New()
	for _, h := range []hash.Hash{keyed, plain} {
		for _, part := range []string{r.Method, r.URL.Path, r.URL.RawQuery} {
			h.Write([]byte(part))
			h.Write([]byte{0})
		}
		h.Write(body)
	}
	return idem.Fingerprint{Hash: keyedPrefix + hex.EncodeToString(keyed.Sum(nil)), Earlier: []string{hex.EncodeToString(plain.Sum(nil))}}
}

// keyedPrefix marks a keyed fingerprint, where the unkeyed ones were
// bare hexadecimal: the two never match each other by chance.
const keyedPrefix = "k1:"

// processHashKey is the HashKey of Replayers given none.
var processHashKey = sync.OnceValue(func() []byte {
	k := make([]byte, 32)
	_, _ = rand.Read(k) // never fails (crypto/rand)
	return k
})

// keyInUseRetry is the Retry-After of idempotency_key_in_use, in seconds:
// the first request ran for AnswerWait already, and is near its end.
const keyInUseRetry = "5"

// KeepAnswer says which answers a retry gets again: not those a retry may
// well change (a server failure, a timeout, credentials, a rate limit),
// nor a refusal of the key rather than the request (idem.AboutTheKey: a
// racing request still running, another request's key, whose operation
// may have refused this one while answering the other), as idem.Keeps.
func KeepAnswer(a idem.Answer) bool {
	switch a.Status {
	case http.StatusUnauthorized, http.StatusForbidden, http.StatusRequestTimeout, http.StatusTooManyRequests:
		return false
	}
	if a.Status == http.StatusConflict {
		var p struct {
			Reason string `json:"reason"`
		}
		if json.Unmarshal(a.Body, &p) == nil && idem.AboutTheKey(p.Reason) {
			return false
		}
	}
	return a.Status < 500
}

// keptHeaders are the answer's header fields that pass through and that a
// replay repeats. Idempotent-Replayed among them: an operation that keeps
// its own record (an unlock) may answer a retry from it, a failure too,
// which this layer does not keep. Retry-After too: a refusal that says when
// to come back (503 photo_busy, a 429) says it through a keyed route as
// through any other; such refusals are not kept, so no replay repeats a
// stale one.
var keptHeaders = []string{"Content-Type", "Cache-Control", "Location", "WWW-Authenticate", "Idempotent-Replayed", "Retry-After"}

// bufferedAnswer records a handler's answer so that it can be kept before it
// is sent.
type bufferedAnswer struct {
	header http.Header
	status int
	body   bytes.Buffer
	// kept, when set, is the body kept instead of body (WriteJSONWithSecret).
	kept []byte
}

func (b *bufferedAnswer) Header() http.Header { return b.header }

func (b *bufferedAnswer) WriteHeader(code int) {
	if b.status == 0 {
		b.status = code
	}
}

func (b *bufferedAnswer) Write(p []byte) (int, error) {
	if b.status == 0 {
		b.status = http.StatusOK
	}
	return b.body.Write(p)
}

func (b *bufferedAnswer) answer() idem.Answer {
	a := idem.Answer{Status: b.status, Header: map[string]string{}, Body: bytes.Clone(b.body.Bytes())}
	if a.Status == 0 {
		a.Status = http.StatusOK
	}
	if a.Body == nil {
		a.Body = []byte{}
	}
	for _, k := range keptHeaders {
		if v := b.header.Get(k); v != "" {
			a.Header[k] = v
		}
	}
	if b.kept != nil {
		k := idem.Answer{Status: a.Status, Header: maps.Clone(a.Header), Body: b.kept}
		k.Header[secretLeftOut] = "1"
		a.Kept = &k
	}
	return a
}

// secretLeftOut marks, among a kept answer's header fields (never sent), an
// answer kept without the secret it carried (WriteJSONWithSecret).
const secretLeftOut = "Cityhub-Secret-Left-Out"

// WriteJSONWithSecret answers v as WriteJSON does, for an answer that
// carries a secret (a card payment's client secret, which Stripe.js
// needs): a keyed request's answer is kept as kept instead, v without its
// secret but with what the handler needs to ask for it again, so that the
// secret is never kept in a second place. A retry replays it through the
// handler, which finds it with KeptAnswer and must give the answer again,
// its secret asked again where it lives, or refuse (a refusal is not
// kept: the kept answer stays), and run nothing else.
func WriteJSONWithSecret(w http.ResponseWriter, status int, v, kept any) {
	for inner := w; ; {
		if b, ok := inner.(*bufferedAnswer); ok {
			body, err := json.Marshal(kept)
			if err != nil {
				WriteProblem(w, ProblemOf(fmt.Errorf("encode a kept answer: %w", err), ""))
				return
			}
			b.kept = append(body, '\n')
			break
		}
		u, ok := inner.(interface{ Unwrap() http.ResponseWriter })
		if !ok {
			break
		}
		inner = u.Unwrap()
	}
	WriteJSON(w, status, v)
}

type keptAnswerKey struct{}

// KeptAnswer is, for a replay of an answer kept without its secret
// (WriteJSONWithSecret), that kept answer: the handler answers it again
// with its secret, marked Idempotent-Replayed, and does nothing else.
func KeptAnswer(ctx context.Context) (idem.Answer, bool) {
	a, ok := ctx.Value(keptAnswerKey{}).(idem.Answer)
	return a, ok
}

// withoutMark is a without secretLeftOut, for its handler.
func withoutMark(a idem.Answer) idem.Answer {
	if _, ok := a.Header[secretLeftOut]; ok {
		a.Header = maps.Clone(a.Header)
		delete(a.Header, secretLeftOut)
	}
	return a
}

type firstAnswerKey struct{}

// FirstAnswer is, for a self-keyed operation, the answer kept for its
// Idempotency-Key when the request's body is not the first one's: the
// operation decides from it, or from its own record, whether this is the
// same request. An operation whose own record may be forgotten (a card
// top-up's, kept by Stripe for a day) decides from this one.
func FirstAnswer(ctx context.Context) (idem.Answer, bool) {
	a, ok := ctx.Value(firstAnswerKey{}).(idem.Answer)
	return a, ok
}
