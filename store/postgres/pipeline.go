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
// next statement, or with COMMIT. The transaction's outcome is the same
// (a failed write fails the statement it rides with, and so the
// transaction); it costs one round trip fewer per queued write. BEGIN is
// queued the same way, so it rides with the transaction's first statement,
// and a transaction that sends nothing costs nothing.

// deferred is one queued write. check, when set, judges its command tag.
type deferred struct {
	what  string
	sql   string
	args  []any
	check func(pgconn.CommandTag) error
	// block: the statement works only inside an explicit transaction
	// block (SET LOCAL, SAVEPOINT), so its transaction keeps BEGIN.
	block bool
}

// pipeConn is what a transaction's pipeline sends through: one connection.
type pipeConn interface {
	Exec(ctx context.Context, sql string, args ...any) (pgconn.CommandTag, error)
	Query(ctx context.Context, sql string, args ...any) (pgx.Rows, error)
	QueryRow(ctx context.Context, sql string, args ...any) pgx.Row
	SendBatch(ctx context.Context, b *pgx.Batch) pgx.BatchResults
	CopyFrom(ctx context.Context, table pgx.Identifier, columns []string, rows pgx.CopyFromSource) (int64, error)
}

// pipeline is a transaction's connection and its queued writes.
type pipeline struct {
	tx      pipeConn
	pending []deferred
	// begun: BEGIN has been sent (with the first statement).
	begun bool
	// sends counts the batches sent, so that a savepoint knows whether it
	// has left the queue.
	sends int
}

// savepointMark is where a savepoint was queued.
type savepointMark struct {
	name         string
	index, sends int
}

// savepoint queues SAVEPOINT name; rollbackTo undoes what came after it.
func (p *pipeline) savepoint(name string) savepointMark {
	m := savepointMark{name: name, index: len(p.pending), sends: p.sends}
	p.pending = append(p.pending, deferred{what: "savepoint", sql: "SAVEPOINT " + name, block: true})
	return m
}

// checked reports whether a queued write has its command tag checked.
func (p *pipeline) checked() bool {
	for _, d := range p.pending {
		if d.check != nil {
			return true
		}
	}
	return false
}

// rollbackTo undoes everything since m: when the savepoint has not left
// the queue yet, by dropping it and what was queued after it (the server
// never saw them); else by dropping what is queued (all of it came after
// the savepoint was sent) and rolling back to the savepoint. That is
// queued too, unless the transaction is aborted (a statement failed on the
// server): then it goes at once, alone and unprepared, since an aborted
// transaction refuses to prepare what would ride with it.
func (p *pipeline) rollbackTo(ctx context.Context, m savepointMark, aborted bool) error {
	if p.sends == m.sends {
		p.pending = p.pending[:m.index]
		return nil
	}
	p.pending = p.pending[:0]
	if !aborted {
		p.pending = append(p.pending, deferred{what: "roll back to savepoint", sql: "ROLLBACK TO SAVEPOINT " + m.name, block: true})
		return nil
	}
	if _, err := p.tx.Exec(ctx, "ROLLBACK TO SAVEPOINT "+m.name, pgx.QueryExecModeSimpleProtocol); err != nil {
		return fmt.Errorf("roll back to savepoint: %w", err)
	}
	return nil
}

// begin queues BEGIN on a fresh pipeline.
func begin(conn pipeConn) *pipeline {
	return &pipeline{tx: conn, pending: []deferred{{what: "begin", sql: "begin"}}}
}

// commit sends what is queued and COMMIT. Queued writes that nothing checks
// ride in one batch with COMMIT: if one fails, the server skips the COMMIT
// that follows it and the transaction stays aborted for rollback. A write
// whose command tag is checked here is sent before COMMIT, so a refused
// check can still roll back. A transaction that never sent a statement
// sends nothing, and one whose statements are all still queued goes
// without BEGIN and COMMIT (whole, commitImplicit).
func (p *pipeline) commit(ctx context.Context) error {
	if !p.begun && len(p.pending) == 1 {
		p.pending = nil
		return nil
	}
	if p.whole() {
		return p.commitImplicit(ctx)
	}
	for _, d := range p.pending {
		if d.check != nil {
			if err := p.flush(ctx); err != nil {
				return err
			}
			break
		}
	}
	br, err := p.send(ctx, "commit", nil)
	if err != nil {
		return err
	}
	tag, err := br.Exec()
	if err = errors.Join(err, br.Close()); err != nil {
		return fmt.Errorf("commit: %w", err)
	}
	if tag.String() == "ROLLBACK" {
		// A statement failed earlier and its error was not returned.
		return fmt.Errorf("commit: %w", pgx.ErrTxCommitRollback)
	}
	return nil
}

// whole reports whether the transaction is all in its queue, to be sent
// as one batch: nothing was sent yet, no write's command tag is judged
// here (that needs the transaction still open after the write) and no
// statement needs an explicit transaction block.
func (p *pipeline) whole() bool {
	if p.begun {
		return false
	}
	for _, d := range p.pending[1:] {
		if d.check != nil || d.block {
			return false
		}
	}
	return true
}

// commitImplicit sends a whole transaction's queue without its BEGIN and
// with no COMMIT: the statements of one batch, up to its one Sync, are one
// implicit transaction, which the server commits at the Sync, or rolls back
// at the first statement that fails, skipping the rest. The same writes,
// as atomic and as durable, for two statements fewer (a transfer's
// BEGIN, posting and COMMIT become the posting alone).
func (p *pipeline) commitImplicit(ctx context.Context) error {
	p.pending = p.pending[1:] // the queued BEGIN
	br, err := p.send(ctx, "", nil)
	// Nothing is left to roll back: the server ended the transaction with
	// the batch, committed or not.
	p.begun = false
	if err != nil {
		return err
	}
	if err := br.Close(); err != nil {
		return fmt.Errorf("commit: %w", err)
	}
	return nil
}

// rollback ends a transaction that failed, if BEGIN was sent. When the
// rollback cannot be sent (the context ended), the connection is left in its
// transaction and the pool closes it on release instead of reusing it.
func (p *pipeline) rollback(ctx context.Context) {
	p.pending = nil
	if !p.begun {
		return
	}
	_, _ = p.tx.Exec(ctx, "rollback")
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
// empty), and any more, in one batch, and checks the writes' results. The caller reads the
// statement's result from the returned BatchResults and closes it.
func (p *pipeline) send(ctx context.Context, sql string, args []any, more ...*pgx.QueuedQuery) (pgx.BatchResults, error) {
	b := &pgx.Batch{}
	for _, d := range p.pending {
		b.Queue(d.sql, d.args...)
	}
	if sql != "" {
		b.Queue(sql, args...)
	}
	for _, q := range more {
		b.Queue(q.SQL, q.Arguments...)
	}
	pending := p.pending
	p.pending = nil
	p.begun = true
	p.sends++
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

// batchRead is one statement of readBatch and what reads its result.
type batchRead struct {
	sql  string
	args []any
	read func(pgx.BatchResults) error
}

// rowInto is a batchRead's read for a statement of one row: scan's result
// goes into dst, its error wrapped with what failed.
func rowInto[T any](dst *T, what string, scan func(pgx.Row) (T, error)) func(pgx.BatchResults) error {
	return func(br pgx.BatchResults) error {
		v, err := scan(br.QueryRow())
		*dst = v
		return wrap(what, err)
	}
}

// readBatch sends what is queued and stmts in one batch, and hands each
// statement's result to its read, in order. Each statement of a batch runs
// after the one before it has finished, with a snapshot of its own (READ
// COMMITTED), so a statement sees the rows the one before it locked as they
// are once locked. Outside a transaction the statements go one by one.
func (tx *Tx) readBatch(ctx context.Context, stmts ...batchRead) error {
	if tx.pipe == nil {
		for _, st := range stmts {
			b := &pgx.Batch{}
			b.Queue(st.sql, st.args...)
			br := tx.q.(interface {
				SendBatch(context.Context, *pgx.Batch) pgx.BatchResults
			}).SendBatch(ctx, b)
			if err := errors.Join(st.read(br), br.Close()); err != nil {
				return err
			}
		}
		return nil
	}
	p := tx.pipe
	first := stmts[0]
	b := &pgx.Batch{}
	for _, st := range stmts[1:] {
		b.Queue(st.sql, st.args...)
	}
	br, err := p.send(ctx, first.sql, first.args, b.QueuedQueries...)
	if err != nil {
		return err
	}
	for _, st := range stmts {
		if err := st.read(br); err != nil {
			return errors.Join(err, br.Close())
		}
	}
	return br.Close()
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

// floorCache remembers which ledger accounts have a floor and which have
// none. A floor is set when an account is created and never changes while
// hubs run (only a migration may change it, before they serve), and
// accounts are never deleted, so a posting to accounts known to have no
// floor needs neither to lock nor to read them, one known to touch a
// single account with a floor may leave the lock to its own update, and
// ledger_post need not read accounts the hub knows (PostAtCommit). It
// learns only accounts that are committed: what a transaction reads is
// remembered once it commits (Tx.learn), since an account it opened itself
// is gone again if it rolls back.
type floorCache struct {
	hasFloor sync.Map // account id → bool
}

// allUnbounded reports whether every one of ids is known to have no floor.
func (c *floorCache) allUnbounded(ids []wallet.AccountID) bool {
	fs := c.floors(ids)
	return fs != nil && countTrue(fs) == 0
}

func countTrue(bs []bool) int {
	n := 0
	for _, b := range bs {
		if b {
			n++
		}
	}
	return n
}

// floors is, for each of ids in their order, whether it has a floor, or
// nil when the cache does not know them all.
func (c *floorCache) floors(ids []wallet.AccountID) []bool {
	out := make([]bool, len(ids))
	for i, id := range ids {
		v, ok := c.hasFloor.Load(id)
		if !ok {
			return nil
		}
		out[i] = v.(bool)
	}
	return out
}

func (c *floorCache) remember(accounts []wallet.Account) {
	for _, a := range accounts {
		c.hasFloor.Store(a.ID, a.Floor != nil)
	}
}
