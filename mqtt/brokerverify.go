package mqtt

import (
	"context"
	"crypto/sha256"
	"crypto/subtle"
	"log/slog"
	"time"

	mochi "github.com/mochi-mqtt/server/v2"
	"github.com/mochi-mqtt/server/v2/packets"
)

// Station logins on the embedded broker race the changes of credentials. A
// check reads the stored credential and then spends tens of milliseconds on
// argon2id; a rotation or revocation may commit meanwhile, and the hub
// tells the broker about it before and after the commit (changed). Each
// change bumps the station's epoch, so that:
//   - a verdict reached across a change is neither cached nor used: the
//     check runs again, against what is stored now;
//   - a connection admitted at an older epoch is dropped when its session
//     is established (OnSessionEstablished), which mochi does after it lists
//     the client: a change either comes before that look, or its kick finds
//     the client listed. Either way no connection verified against the old
//     credential outlives the change.

type verdict struct {
	sum   [32]byte
	ok    bool
	until time.Time
}

// verify checks a station's login, from the cache when it can, and notes
// the epoch it was admitted at.
func (h *authHook) verify(cl *mochi.Client, user string, pass []byte) bool {
	sum := sha256.Sum256(pass)
	for range 3 {
		now := time.Now()
		h.mu.Lock()
		epoch := h.epochs[user]
		v, seen := h.cache[user]
		if seen && now.Before(v.until) && subtle.ConstantTimeCompare(v.sum[:], sum[:]) == 1 {
			if v.ok {
				h.admit(cl, epoch)
			}
			h.mu.Unlock()
			return v.ok
		}
		h.mu.Unlock()
		ok, err := h.check(user, pass)
		if err != nil {
			h.log.Error("station login could not be checked; refused", slog.String("station", user), slog.Any("error", err))
			return false
		}
		h.mu.Lock()
		if h.epochs[user] != epoch {
			// The credential changed during the check, which may have read
			// the one before: look again.
			h.mu.Unlock()
			continue
		}
		until := now.Add(refusedFor)
		if ok {
			until = now.Add(verifiedFor)
			h.admit(cl, epoch)
		}
		if len(h.cache) >= cacheBound {
			clear(h.cache)
		}
		h.cache[user] = verdict{sum: sum, ok: ok, until: until}
		h.mu.Unlock()
		if !ok {
			h.log.Info("station login refused", slog.String("station", user))
		}
		return ok
	}
	h.log.Warn("station login refused: its credential kept changing during the check", slog.String("station", user))
	return false
}

// check asks the store, a bounded number of checks at a time.
func (h *authHook) check(user string, pass []byte) (bool, error) {
	h.checks <- struct{}{}
	defer func() { <-h.checks }()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	return h.stations.AuthenticateStation(ctx, user, string(pass))
}

// admit notes the epoch cl was verified at; h.mu is held. A connection
// that never gets a session leaves its note behind, hence the bound (a
// connection whose note went with it is dropped: it reconnects).
func (h *authHook) admit(cl *mochi.Client, epoch uint64) {
	if len(h.admitted) >= cacheBound {
		clear(h.admitted)
	}
	h.admitted[cl] = epoch
}

// changed says that user's credential changes (before its commit) or has
// changed (after it): the remembered verdicts go, and connections admitted
// before are stale. The caller then disconnects the listed ones.
func (h *authHook) changed(user string) {
	h.mu.Lock()
	h.epochs[user]++
	delete(h.cache, user)
	h.mu.Unlock()
}

// OnSessionEstablished drops a station's connection admitted before its
// credential last changed (see the top of this file).
func (h *authHook) OnSessionEstablished(cl *mochi.Client, _ packets.Packet) {
	user := string(cl.Properties.Username)
	if user == hubUsername || cl.Net.Inline {
		return
	}
	h.mu.Lock()
	epoch, noted := h.admitted[cl]
	delete(h.admitted, cl)
	stale := !noted || epoch != h.epochs[user]
	h.mu.Unlock()
	if stale {
		h.log.Info("station disconnected: its credential changed while it logged in", slog.String("station", user))
		cl.Stop(packets.ErrNotAuthorized)
	}
}
