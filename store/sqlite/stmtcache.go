package sqlite

import (
	"context"
	"database/sql"
	"sync"
)

// maxCachedStatements bounds the statement cache. The store's statements are
// fixed texts (a few hundred); the bound only matters if one were ever built
// from data, which would then stop being cached instead of growing the cache.
const maxCachedStatements = 1024

// stmtCache keeps one prepared statement per SQL text for one pool.
//
// Without it every call parses its SQL again: modernc's driver prepares and
// finalizes a statement per ExecContext or QueryContext, and profiles of the
// hub on SQLite showed the parser as the largest single cost of a request.
// A prepared *sql.Stmt is reused on every connection database/sql has
// prepared it on, and prepared again on a new connection by database/sql
// itself.
type stmtCache struct {
	pool *sql.DB
	mu   sync.RWMutex
	m    map[string]*sql.Stmt
}

func newStmtCache(pool *sql.DB) *stmtCache {
	return &stmtCache{pool: pool, m: map[string]*sql.Stmt{}}
}

// lookup returns the prepared statement for query, or nil.
func (c *stmtCache) lookup(query string) *sql.Stmt {
	c.mu.RLock()
	defer c.mu.RUnlock()
	return c.m[query]
}

// prepare prepares query on the pool and keeps it, unless the cache is full
// or the statement does not prepare (the caller then runs the text as it
// is, and gets the error from there). It takes a connection of the pool, so
// it must not be called while the caller holds the writer's only connection
// in a transaction: see txQuerier.
func (c *stmtCache) prepare(ctx context.Context, query string) *sql.Stmt {
	if st := c.lookup(query); st != nil {
		return st
	}
	c.mu.RLock()
	full := len(c.m) >= maxCachedStatements
	c.mu.RUnlock()
	if full {
		return nil
	}
	st, err := c.pool.PrepareContext(ctx, query)
	if err != nil {
		return nil
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	if old, ok := c.m[query]; ok {
		// Another caller prepared it meanwhile.
		_ = st.Close()
		return old
	}
	c.m[query] = st
	return st
}

// close closes every kept statement.
func (c *stmtCache) close() error {
	c.mu.Lock()
	defer c.mu.Unlock()
	var first error
	for q, st := range c.m {
		if err := st.Close(); err != nil && first == nil {
			first = err
		}
		delete(c.m, q)
	}
	return first
}

// poolQuerier runs statements on a pool, each on its own (no transaction),
// through the pool's statement cache.
type poolQuerier struct{ c *stmtCache }

func (q poolQuerier) ExecContext(ctx context.Context, query string, args ...any) (sql.Result, error) {
	if st := q.c.prepare(ctx, query); st != nil {
		return st.ExecContext(ctx, args...)
	}
	return q.c.pool.ExecContext(ctx, query, args...)
}

func (q poolQuerier) QueryContext(ctx context.Context, query string, args ...any) (*sql.Rows, error) {
	if st := q.c.prepare(ctx, query); st != nil {
		return st.QueryContext(ctx, args...)
	}
	return q.c.pool.QueryContext(ctx, query, args...)
}

func (q poolQuerier) QueryRowContext(ctx context.Context, query string, args ...any) *sql.Row {
	if st := q.c.prepare(ctx, query); st != nil {
		return st.QueryRowContext(ctx, args...)
	}
	return q.c.pool.QueryRowContext(ctx, query, args...)
}

// txQuerier runs statements in a writer transaction. A statement already in
// the cache is used through the transaction (database/sql reuses what is
// prepared on the transaction's connection). One not yet cached runs as
// text and is noted: it cannot be prepared on the pool now, since the
// transaction holds the writer's only connection, so InTx prepares the
// noted ones once the transaction has ended.
type txQuerier struct {
	tx     *sql.Tx
	c      *stmtCache
	missed map[string]struct{}
}

func (q *txQuerier) stmt(ctx context.Context, query string) *sql.Stmt {
	if st := q.c.lookup(query); st != nil {
		return q.tx.StmtContext(ctx, st)
	}
	if q.missed == nil {
		q.missed = map[string]struct{}{}
	}
	q.missed[query] = struct{}{}
	return nil
}

func (q *txQuerier) ExecContext(ctx context.Context, query string, args ...any) (sql.Result, error) {
	if st := q.stmt(ctx, query); st != nil {
		return st.ExecContext(ctx, args...)
	}
	return q.tx.ExecContext(ctx, query, args...)
}

func (q *txQuerier) QueryContext(ctx context.Context, query string, args ...any) (*sql.Rows, error) {
	if st := q.stmt(ctx, query); st != nil {
		return st.QueryContext(ctx, args...)
	}
	return q.tx.QueryContext(ctx, query, args...)
}

func (q *txQuerier) QueryRowContext(ctx context.Context, query string, args ...any) *sql.Row {
	if st := q.stmt(ctx, query); st != nil {
		return st.QueryRowContext(ctx, args...)
	}
	return q.tx.QueryRowContext(ctx, query, args...)
}

// prepareMissed prepares, after the transaction, the statements it ran as
// text. A failure only leaves a statement uncached.
func (q *txQuerier) prepareMissed(ctx context.Context) {
	for query := range q.missed {
		q.c.prepare(ctx, query)
	}
}
