package postgres

import (
	"context"
	"slices"
	"sync"

	"cityhub/idem"
)

// InTxGrouped is InTx for transactions that contend on the same rows and
// may be committed together: the fns that arrive with the same key while a
// transaction of that key is on its way run one after the other in the
// next one, and commit together. Claims of one campaign all reserve from
// its one budget account, whose lock each commit holds until the WAL is
// flushed: together they share that lock and that flush instead of
// queuing for one each.
//
// A fn that fails in a grouped transaction is run again alone, so that it
// gets the answer it would have had alone, and the others run together
// again; a grouped transaction refused at its COMMIT is run again fn by fn,
// each in a transaction of its own. A fn must be safe
// to run again, as those InTx runs are (InTx retries them). Each caller's
// keyed request (idem.Pending) is marked committed in the transaction that
// commits it.
func (db *DB) InTxGrouped(ctx context.Context, key string, fn func(tx *Tx) error) error {
	fnErr, err := db.txGroup(key).do(ctx, groupedTx{ctx: ctx, fn: fn})
	if err != nil {
		return err
	}
	return fnErr
}

type groupedTx struct {
	ctx context.Context
	fn  func(tx *Tx) error
}

// txGroupMax bounds the fns of one grouped transaction.
const txGroupMax = 32

// txGroup is key's group, made on first use. Groups are kept: there is one
// per key in use (a campaign), and an idle one is a few words.
func (db *DB) txGroup(key string) *group[groupedTx, error] {
	db.txGroupsMu.Lock()
	defer db.txGroupsMu.Unlock()
	if db.txGroups == nil {
		db.txGroups = map[string]*group[groupedTx, error]{}
	}
	g := db.txGroups[key]
	if g == nil {
		g = &group[groupedTx, error]{max: txGroupMax, write: db.writeTxGroup}
		db.txGroups[key] = g
	}
	return g
}

// writeTxGroup runs a batch of grouped fns in one transaction: its results
// are the fns' errors. A fn that fails is run again alone, for its own
// answer, and the others again together, up to txGroupRetries times; a
// transaction refused at its COMMIT (no fn failed) runs each fn alone.
func (db *DB) writeTxGroup(ctx context.Context, reqs []groupedTx) ([]error, error) {
	errs := make([]error, len(reqs))
	pending := make([]int, len(reqs))
	for i := range pending {
		pending[i] = i
	}
	// The transaction is every member's, not the writer's alone: each is
	// marked in it, the writer too, and only those that are in it.
	ctx = idem.WithoutPending(ctx)
	for range txGroupRetries {
		if len(pending) < 2 {
			break
		}
		failed := -1
		err := db.InTx(ctx, func(tx *Tx) error {
			failed = -1
			for k, i := range pending {
				if err := reqs[i].fn(tx); err != nil {
					failed = k
					return err
				}
				markCommitted(reqs[i].ctx, tx.pipe)
			}
			return nil
		})
		if err == nil {
			return errs, nil
		}
		if failed < 0 {
			break
		}
		i := pending[failed]
		errs[i] = db.InTx(reqs[i].ctx, reqs[i].fn)
		pending = slices.Delete(pending, failed, failed+1)
	}
	var wg sync.WaitGroup
	for _, i := range pending {
		wg.Go(func() { errs[i] = db.InTx(reqs[i].ctx, reqs[i].fn) })
	}
	wg.Wait()
	return errs, nil
}

// txGroupRetries bounds the grouped transactions of one batch: each after
// the first leaves out a fn that failed.
const txGroupRetries = 3
