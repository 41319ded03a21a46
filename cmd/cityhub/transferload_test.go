package main

import (
	"context"
	"fmt"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"cityhub/store/storetest"
	"cityhub/wallet"
)

// transferLoad posts one-cent transfers from the city to a few citizens,
// each client over and over, until stopped: the load a backup is taken
// under. Keys are load-N in the order the transfers were begun.
type transferLoad struct {
	svc       *wallet.Service
	mu        sync.Mutex
	committed map[string]bool // keys whose Post returned
	stop      atomic.Bool
	wg        sync.WaitGroup
	seq       atomic.Int64 // transfers begun
	err       atomic.Value
	enough    chan struct{} // closed once 200 have committed
	exited    chan struct{} // closed once every client has stopped
}

// startTransferLoad sets the ledger up in store and starts clients.
func startTransferLoad(t *testing.T, ctx context.Context, store wallet.Store, clients int) *transferLoad {
	t.Helper()
	l := &transferLoad{svc: wallet.NewService(store, storetest.Logger(t)), committed: map[string]bool{}, enough: make(chan struct{}), exited: make(chan struct{})}
	if err := l.svc.Setup(ctx); err != nil {
		t.Fatal(err)
	}
	err := store.InTx(ctx, func(tx wallet.Tx) error {
		for i := range clients {
			if err := wallet.OpenCitizen(ctx, tx, fmt.Sprintf("c%d", i)); err != nil {
				return err
			}
		}
		return tx.EnsureAccount(ctx, wallet.Account{ID: wallet.CityFunding, Kind: wallet.KindCityFunding})
	})
	if err != nil {
		t.Fatal(err)
	}
	var once sync.Once
	for i := range clients {
		l.wg.Add(1)
		go func() {
			defer l.wg.Done()
			for !l.stop.Load() {
				key := fmt.Sprintf("load-%d", l.seq.Add(1))
				_, err := l.svc.Post(ctx, wallet.Transaction{Key: key, Kind: "test.transfer", Entries: []wallet.Entry{
					{Account: wallet.CityFunding, Amount: -1}, {Account: wallet.CitizenAccount(fmt.Sprintf("c%d", i)), Amount: 1},
				}})
				if err != nil {
					l.err.Store(err)
					return
				}
				l.mu.Lock()
				l.committed[key] = true
				n := len(l.committed)
				l.mu.Unlock()
				if n >= 200 {
					once.Do(func() { close(l.enough) })
				}
			}
		}()
	}
	go func() { l.wg.Wait(); close(l.exited) }()
	// Stopped however the test ends, so no client logs after it.
	t.Cleanup(func() { l.stop.Store(true); <-l.exited })
	return l
}

// waitEnough waits until 200 transfers have committed, and returns those
// committed by then and how many had begun: what a copy taken from now on
// must hold at least, and where it may end at the earliest. It fails the
// test if every client stopped on an error first, or after a minute.
func (l *transferLoad) waitEnough(t *testing.T) (committed map[string]bool, begun int64) {
	t.Helper()
	select {
	case <-l.enough:
	case <-l.exited:
		t.Fatalf("the load stopped before 200 transfers: %v", l.err.Load())
	case <-time.After(time.Minute):
		t.Fatal("200 transfers did not commit within a minute")
	}
	return l.committedNow(), l.seq.Load()
}

// committedNow is a copy of the keys committed so far.
func (l *transferLoad) committedNow() map[string]bool {
	l.mu.Lock()
	defer l.mu.Unlock()
	out := make(map[string]bool, len(l.committed))
	for k := range l.committed {
		out[k] = true
	}
	return out
}

// halt stops the clients and fails the test if a transfer failed.
func (l *transferLoad) halt(t *testing.T) {
	t.Helper()
	l.stop.Store(true)
	l.wg.Wait()
	if err, _ := l.err.Load().(error); err != nil {
		t.Fatalf("transfer under load: %v", err)
	}
}
