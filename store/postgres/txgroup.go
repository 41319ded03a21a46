package postgres

import (
	"context"
	"sync"
)

// InTxGrouped is InTx for transactions that contend on the same rows and
// may be committed together: the fns that arrive with the same key while a
// transaction of that key is on its way run one after the other in the
// next one, and commit together. Claims of one campaign all reserve from
// its one budget account, whose lock each commit holds until the WAL is
// flushed: together they share that lock and that flush instead of
// queuing for one each.
//
// A grouped transaction that fails as a whole (a fn's error, a refusal at
// its COMMIT) is run again fn by fn, each in a transaction of its own, so
// that every fn gets the answer it would have had alone. A fn must be safe
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

// writeTxGroup runs a batch of grouped fns in one transaction, or, when
// that fails, each in its own: its results are the fns' errors.
func (db *DB) writeTxGroup(ctx context.Context, reqs []groupedTx) ([]error, error) {
	errs := make([]error, len(reqs))
	if len(reqs) == 1 {
		errs[0] = db.InTx(reqs[0].ctx, reqs[0].fn)
		return errs, nil
	}
	err := db.InTx(ctx, func(tx *Tx) error {
		for i, r := range reqs {
			if err := r.fn(tx); err != nil {
				return err
			}
			if i > 0 { // the first is ctx's, which InTx marks
				markCommitted(r.ctx, tx.pipe)
			}
		}
		return nil
	})
	if err == nil {
		return errs, nil
	}
	var wg sync.WaitGroup
	for i, r := range reqs {
		wg.Go(func() { errs[i] = db.InTx(r.ctx, r.fn) })
	}
	wg.Wait()
	return errs, nil
}
