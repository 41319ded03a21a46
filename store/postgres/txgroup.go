package postgres

import (
	"context"
	"errors"
	"fmt"

	"github.com/jackc/pgx/v5/pgconn"

	"cityhub/groupcommit"
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
// A fn that fails in a grouped transaction is rolled back to a savepoint
// taken before it, and run again alone, so that it gets the answer it would
// have had alone, while the others go on; a grouped transaction refused at
// its COMMIT is run again fn by fn, each in a transaction of its own. A fn
// must be safe to run again, as those InTx runs are (InTx retries them).
// Each caller's keyed request (idem.Pending) is marked committed in the
// transaction that commits it.
func (db *DB) InTxGrouped(ctx context.Context, key string, fn func(tx *Tx) error) error {
	fnErr, err := db.txGroup(key).Do(ctx, groupedTx{ctx: ctx, fn: fn})
	if err != nil {
		return err
	}
	if errors.Is(fnErr, errRunAlone) {
		// Once its group is done, so that the others need not wait for it.
		return db.InTx(ctx, fn)
	}
	return fnErr
}

// errRunAlone tells a member of a grouped transaction to run alone.
var errRunAlone = errors.New("run alone")

type groupedTx struct {
	ctx context.Context
	fn  func(tx *Tx) error
}

// txGroupMax bounds the fns of one grouped transaction.
const txGroupMax = 32

// txGroup is key's group, made on first use. Groups are kept: there is one
// per key in use (a campaign), and an idle one is a few words.
func (db *DB) txGroup(key string) *groupcommit.Group[groupedTx, error] {
	db.txGroupsMu.Lock()
	defer db.txGroupsMu.Unlock()
	if db.txGroups == nil {
		db.txGroups = map[string]*groupcommit.Group[groupedTx, error]{}
	}
	g := db.txGroups[key]
	if g == nil {
		g = &groupcommit.Group[groupedTx, error]{Max: txGroupMax, Write: db.writeTxGroup}
		db.txGroups[key] = g
	}
	return g
}

// writeTxGroup runs a batch of grouped fns in one transaction, each after
// a savepoint: a fn that fails is rolled back to its savepoint, the others
// go on, and its caller then runs it alone (errRunAlone), for the answer it
// would have had alone. After a transaction that fails as a whole (refused
// at its COMMIT) every caller runs its fn alone. The results are the fns'
// errors.
func (db *DB) writeTxGroup(ctx context.Context, reqs []groupedTx) ([]error, error) {
	errs := make([]error, len(reqs))
	if len(reqs) == 1 {
		errs[0] = db.InTx(reqs[0].ctx, reqs[0].fn)
		return errs, nil
	}
	// The transaction is every member's, not the writer's alone: each is
	// marked in it, the writer too, and only those that are in it.
	ctx = idem.WithoutPending(ctx)
	var alone []int
	err := db.InTx(ctx, func(tx *Tx) error {
		tx.grouped = true
		alone = alone[:0]
		for i, r := range reqs {
			m := tx.pipe.savepoint(fmt.Sprint("member_", i))
			learned := len(tx.learned)
			err := r.fn(tx)
			if err == nil && tx.pipe.checked() {
				// A check of its queued writes fails it, not the next one.
				err = tx.pipe.flush(ctx)
			}
			if err != nil {
				if rerr := tx.pipe.rollbackTo(ctx, m, aborts(err)); rerr != nil {
					return rerr
				}
				tx.learned = tx.learned[:learned] // what it opened is gone
				alone = append(alone, i)
				continue
			}
			markCommitted(r.ctx, tx.pipe)
		}
		return nil
	})
	if err != nil {
		for i := range errs {
			errs[i] = errRunAlone
		}
		return errs, nil
	}
	for _, i := range alone {
		errs[i] = errRunAlone
	}
	return errs, nil
}

// errWouldWait fails a member of a grouped transaction that would wait for
// a lock another transaction holds (see LockClaimant): the group runs it
// alone rather than wait behind it.
var errWouldWait = errors.New("a lock it needs is held by another transaction")

// aborts reports whether err came from the server, which then aborted the
// transaction (until a rollback to a savepoint); a refusal of the domain or
// a failed check of a command tag leaves it going.
func aborts(err error) bool {
	var pgErr *pgconn.PgError
	return errors.As(err, &pgErr)
}
