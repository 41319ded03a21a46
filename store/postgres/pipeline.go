package postgres

import (
	"context"
	"errors"
	"fmt"
	"sync"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"

	"cityhub/wallet"
)

// A write whose result nothing waits for (an audit entry, an idempotent
// response, the update of a row already locked) is not sent at once: it is
// queued on the transaction and goes to the server in one batch with the
// next statement, or before COMMIT. The transaction's outcome is the same
// (a failed write fails the statement it rides with, and so the
// transaction); it costs one round trip fewer per queued write.

// deferred is one queued write. check, when set, judges its command tag.
type deferred struct {
	what  string
	sql   string
	args  []any
	check func(pgconn.CommandTag) error
}

// pipeline is a transaction's queued writes.
type pipeline struct {
	tx      pgx.Tx
	pending []deferred
}

// later queues a write when tx runs inside InTx, and runs it at once
// otherwise (reads outside a transaction queue nothing).
func (tx *Tx) later(ctx context.Context, d deferred) error {
	if tx.pipe == nil {
		tag, err := tx.q.Exec(ctx, d.sql, d.args...)
		if err == nil && d.check != nil {
			err = d.check(tag)
		}
		return wrap(d.what, err)
	}
	tx.pipe.pending = append(tx.pipe.pending, d)
	return nil
}

// send sends the queued writes followed by one statement (none when sql is
// empty) in one batch, and checks the writes' results. The caller reads the
// statement's result from the returned BatchResults and closes it.
func (p *pipeline) send(ctx context.Context, sql string, args []any) (pgx.BatchResults, error) {
	b := &pgx.Batch{}
	for _, d := range p.pending {
		b.Queue(d.sql, d.args...)
	}
	if sql != "" {
		b.Queue(sql, args...)
	}
	pending := p.pending
	p.pending = nil
	br := p.tx.SendBatch(ctx, b)
	for _, d := range pending {
		tag, err := br.Exec()
		if err == nil && d.check != nil {
			err = d.check(tag)
		}
		if err != nil {
			return nil, errors.Join(fmt.Errorf("%s: %w", d.what, err), br.Close())
		}
	}
	return br, nil
}

// flush sends what is queued, if anything.
func (p *pipeline) flush(ctx context.Context) error {
	if len(p.pending) == 0 {
		return nil
	}
	br, err := p.send(ctx, "", nil)
	if err != nil {
		return err
	}
	return br.Close()
}

// pipedQuerier is the querier of a transaction with a pipeline: every
// statement carries the queued writes with it.
type pipedQuerier struct{ p *pipeline }

func (q pipedQuerier) Exec(ctx context.Context, sql string, args ...any) (pgconn.CommandTag, error) {
	if len(q.p.pending) == 0 {
		return q.p.tx.Exec(ctx, sql, args...)
	}
	br, err := q.p.send(ctx, sql, args)
	if err != nil {
		return pgconn.CommandTag{}, err
	}
	tag, err := br.Exec()
	return tag, errors.Join(err, br.Close())
}

func (q pipedQuerier) Query(ctx context.Context, sql string, args ...any) (pgx.Rows, error) {
	if len(q.p.pending) == 0 {
		return q.p.tx.Query(ctx, sql, args...)
	}
	br, err := q.p.send(ctx, sql, args)
	if err != nil {
		return nil, err
	}
	rows, err := br.Query()
	if err != nil {
		return nil, errors.Join(err, br.Close())
	}
	return batchRows{Rows: rows, br: br}, nil
}

func (q pipedQuerier) QueryRow(ctx context.Context, sql string, args ...any) pgx.Row {
	if len(q.p.pending) == 0 {
		return q.p.tx.QueryRow(ctx, sql, args...)
	}
	br, err := q.p.send(ctx, sql, args)
	if err != nil {
		return errRow{err}
	}
	return batchRow{row: br.QueryRow(), br: br}
}

// batchRows closes its batch with the rows.
type batchRows struct {
	pgx.Rows
	br pgx.BatchResults
}

func (r batchRows) Close() {
	r.Rows.Close()
	_ = r.br.Close()
}

// batchRow closes its batch once scanned.
type batchRow struct {
	row pgx.Row
	br  pgx.BatchResults
}

func (r batchRow) Scan(dest ...any) error {
	err := r.row.Scan(dest...)
	return errors.Join(err, r.br.Close())
}

type errRow struct{ err error }

func (r errRow) Scan(...any) error { return r.err }

// floorCache remembers which ledger accounts have no floor. A floor is set
// when an account is created and never changes while hubs run (only a
// migration may change it, before they serve), and accounts are never
// deleted, so a posting to accounts known to have no floor needs neither
// to lock nor to read them.
type floorCache struct{ unbounded sync.Map }

func (c *floorCache) allUnbounded(ids []wallet.AccountID) bool {
	for _, id := range ids {
		if _, ok := c.unbounded.Load(id); !ok {
			return false
		}
	}
	return true
}

func (c *floorCache) remember(accounts []wallet.Account) {
	for _, a := range accounts {
		if a.Floor == nil {
			c.unbounded.Store(a.ID, true)
		}
	}
}
