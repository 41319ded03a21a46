package mqtt

import (
	"context"
	"errors"
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

// verify checks a station's login, from what the guard remembers when it
// can (a verified login first, whatever the budgets say), and notes the
// epoch it was admitted at.
func (h *authHook) verify(cl *mochi.Client, user string, pass []byte) bool {
	key := newLoginKey(user, pass)
	addr := remoteHost(cl.Net.Remote)
	for range 3 {
		now := time.Now()
		h.mu.Lock()
		epoch := h.epochs[user]
		if ok, known := h.guard.lookup(user, key, now); known {
			if ok {
				h.admit(cl, epoch)
			}
			h.mu.Unlock()
			if !ok {
				h.refuse(user, reasonWrongSecret, "station login refused")
			}
			return ok
		}
		if !h.guard.allow(user, addr, now) {
			h.mu.Unlock()
			h.refuse(user, reasonThrottled, "station login refused without a check: too many failed logins lately for its username or address", slog.String("addr", addr))
			return false
		}
		h.mu.Unlock()
		ok, err := h.check(user, pass)
		h.mu.Lock()
		if err != nil {
			// Nothing was checked: the attempt costs no budget.
			h.guard.giveBack(user, addr, time.Now())
			h.mu.Unlock()
			if errors.Is(err, errBusy) {
				h.refuse(user, reasonBusy, "station login refused: too many logins being checked (the station retries)")
			} else {
				h.refuse(user, reasonError, "station login could not be checked; refused", slog.Any("error", err))
			}
			return false
		}
		if h.epochs[user] != epoch {
			// The credential changed during the check, which may have read
			// the one before: look again.
			h.guard.giveBack(user, addr, time.Now())
			h.mu.Unlock()
			continue
		}
		if ok {
			h.guard.giveBack(user, addr, time.Now())
			h.guard.verified(user, key, now.Add(verifiedFor))
			h.admit(cl, epoch)
		} else {
			h.guard.refused(user, key, now.Add(refusedFor))
		}
		h.mu.Unlock()
		if !ok {
			h.refuse(user, reasonWrongSecret, "station login refused")
		}
		return ok
	}
	h.refuse(user, reasonChanging, "station login refused: its credential kept changing during the check")
	return false
}

// errBusy: no hashing slot came free in time.
var errBusy = errors.New("no free slot to check the login")

// check asks the store, hashSlots checks at a time; at most hashWaiters
// more wait for a slot, each at most slotWait.
func (h *authHook) check(user string, pass []byte) (bool, error) {
	select {
	case h.checks <- struct{}{}:
	default:
		if h.waiting.Add(1) > hashWaiters {
			h.waiting.Add(-1)
			return false, errBusy
		}
		t := time.NewTimer(slotWait)
		select {
		case h.checks <- struct{}{}:
			t.Stop()
			h.waiting.Add(-1)
		case <-t.C:
			h.waiting.Add(-1)
			return false, errBusy
		}
	}
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
	h.guard.forget(user)
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
