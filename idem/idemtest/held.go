// Package idemtest holds what tests of keyed requests share.
package idemtest

import (
	"context"
	"sync"
	"time"

	"cityhub/idem"
)

// HeldAnswers is an answer store that makes the race of two requests under
// one key (Race) the worst every time: the request that claims the key
// goes on only once the other has found it held for another request twice
// (it waits, as it must) or, failing that within a few seconds, once the
// other had all that time to act alone.
type HeldAnswers struct {
	idem.AnswerStore
	mu    sync.Mutex
	races map[string]*heldRace
}

type heldRace struct {
	found int           // claims that found the key held for another request
	twice chan struct{} // closed at the second
}

// Race makes key's next race the worst order.
func (h *HeldAnswers) Race(key string) {
	h.mu.Lock()
	defer h.mu.Unlock()
	if h.races == nil {
		h.races = map[string]*heldRace{}
	}
	h.races[key] = &heldRace{twice: make(chan struct{})}
}

// Waited reports whether the other request of key's race found the key
// held (and so waited) at least twice.
func (h *HeldAnswers) Waited(key string) bool {
	h.mu.Lock()
	defer h.mu.Unlock()
	r := h.races[key]
	return r != nil && r.found >= 2
}

// ClaimAnswer implements idem.AnswerStore.
func (h *HeldAnswers) ClaimAnswer(ctx context.Context, scope, key, hash string, now, staleBefore time.Time) (bool, string, bool, bool, idem.Answer, error) {
	claimed, storedHash, done, lost, a, err := h.AnswerStore.ClaimAnswer(ctx, scope, key, hash, now, staleBefore)
	h.mu.Lock()
	race := h.races[key]
	if race != nil && err == nil && !claimed && !done && storedHash != hash {
		if race.found++; race.found == 2 {
			close(race.twice)
		}
	}
	h.mu.Unlock()
	if claimed && race != nil {
		select {
		case <-race.twice:
		case <-time.After(3 * time.Second):
		}
	}
	return claimed, storedHash, done, lost, a, err
}
