// Package postgres is cityhub's PostgreSQL store, on pgx/v5. It implements the
// Store interfaces that the domain packages own, with PostgreSQL's own SQL.
// Driver errors are translated to apperr codes here, at the boundary; no pgx
// type leaves this package.
package postgres

import (
	"context"
	"embed"
	"fmt"
	"io/fs"
	"log/slog"
	"sync"
	"sync/atomic"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
	"github.com/jackc/pgx/v5/pgxpool"

	"cityhub/groupcommit"
	migrationfiles "cityhub/store/migrations"
	"cityhub/wallet"
)

//go:embed migrations/*.sql
var migrations embed.FS

// Migrations is the migration files this build applies (the *.sql of
// migrations/, at the root of the returned file system).
func Migrations() fs.FS {
	sub, err := fs.Sub(migrations, "migrations")
	if err != nil {
		panic(err) // a constant, valid path
	}
	return sub
}

// DB is a pool of connections to one PostgreSQL database (and schema, when the
// URL sets search_path).
type DB struct {
	pool   *pgxpool.Pool
	log    *slog.Logger
	floors *floorCache
	// mailQueued, when set, is called after a commit that queued mail.
	mailQueued atomic.Pointer[func()]
	// claims and saves write the answer store's claims and answers that
	// arrive together in one statement each (answers.go).
	claims *groupcommit.Group[answerClaim, claimResult]
	saves  *groupcommit.Group[answerSave, struct{}]
	// txGroups are InTxGrouped's groups, by key (txgroup.go).
	txGroupsMu sync.Mutex
	txGroups   map[string]*groupcommit.Group[groupedTx, error]
}

// querier is what both the pool and a transaction can do, so the same store
// methods serve reads outside a transaction and writes inside one.
type querier interface {
	Exec(ctx context.Context, sql string, args ...any) (pgconn.CommandTag, error)
	Query(ctx context.Context, sql string, args ...any) (pgx.Rows, error)
	QueryRow(ctx context.Context, sql string, args ...any) pgx.Row
}

// Tx is one unit of work. Domain Tx interfaces (wallet.Tx, identity.Tx, ...)
// are all implemented by *Tx, so one database transaction can carry a state
// change of one domain and the ledger transaction that pays for it.
type Tx struct {
	q querier
	// pipe queues writes nothing waits for (see pipeline.go); nil outside
	// a transaction.
	pipe   *pipeline
	floors *floorCache
	// mailed: the transaction put an e-mail in the outbox.
	mailed bool
	// grouped: the transaction runs several callers' work (InTxGrouped).
	grouped bool
	// learned are the accounts read in the transaction, for floors to
	// remember once it commits (learn).
	learned []wallet.Account
}

// learn has the floor cache remember accounts read in tx: at once outside
// a transaction, where only committed rows are read, and otherwise once
// the transaction commits.
func (tx *Tx) learn(accounts []wallet.Account) {
	switch {
	case tx.floors == nil:
	case tx.pipe == nil:
		tx.floors.remember(accounts)
	default:
		tx.learned = append(tx.learned, accounts...)
	}
}

// Open connects, checks the connection and applies pending migrations.
func Open(ctx context.Context, url string, log *slog.Logger) (*DB, error) {
	return open(ctx, url, log, nil)
}

func open(ctx context.Context, url string, log *slog.Logger, tracer pgx.QueryTracer) (*DB, error) {
	cfg, err := pgxpool.ParseConfig(url)
	if err != nil {
		return nil, fmt.Errorf("parse database url: %w", err)
	}
	if tracer != nil {
		cfg.ConnConfig.Tracer = tracer
	}
	if cfg.MaxConns < 16 {
		cfg.MaxConns = 16
	}
	pool, err := pgxpool.NewWithConfig(ctx, cfg)
	if err != nil {
		return nil, fmt.Errorf("connect to postgres: %w", err)
	}
	db := &DB{pool: pool, log: log, floors: &floorCache{}}
	db.claims = &groupcommit.Group[answerClaim, claimResult]{Write: db.claimAnswers, Max: answerBatch}
	db.saves = &groupcommit.Group[answerSave, struct{}]{Write: db.saveAnswers, Max: answerBatch}
	pingCtx, cancel := context.WithTimeout(ctx, 10*time.Second)
	defer cancel()
	if err := pool.Ping(pingCtx); err != nil {
		pool.Close()
		return nil, fmt.Errorf("connect to postgres: %w", err)
	}
	if err := db.Migrate(ctx); err != nil {
		pool.Close()
		return nil, err
	}
	return db, nil
}

// Close releases all connections.
func (db *DB) Close() error { db.pool.Close(); return nil }

// Ping reports whether the database answers.
func (db *DB) Ping(ctx context.Context) error { return db.pool.Ping(ctx) }

// Engine names the engine for logs and tests.
func (db *DB) Engine() string { return "postgres" }

// Pool exposes the pool to benchmarks in this module that compare against
// bare SQL; domain code never uses it.
func (db *DB) Pool() *pgxpool.Pool { return db.pool }

// InTx runs fn in a READ COMMITTED transaction. Serialization failures and
// deadlocks are retried a few times, since they mean nothing was written.
func (db *DB) InTx(ctx context.Context, fn func(tx *Tx) error) error {
	const attempts = 5
	var err error
	for i := 0; i < attempts; i++ {
		err = db.runTx(ctx, fn)
		if !retryable(err) {
			return translate(err)
		}
		time.Sleep(time.Duration(i+1) * 5 * time.Millisecond)
	}
	return translate(err)
}

// runTx runs fn once in a transaction on a connection of its own. BEGIN
// rides with the first statement and COMMIT with the last queued writes
// (pipeline.go), so a transaction costs the round trips of its statements
// that wait for an answer, plus one to commit.
func (db *DB) runTx(ctx context.Context, fn func(tx *Tx) error) error {
	conn, err := db.pool.Acquire(ctx)
	if err != nil {
		return err
	}
	// A connection left inside a transaction is closed, not reused.
	defer conn.Release()
	p := begin(conn.Conn())
	tx := &Tx{q: pipedQuerier{p}, pipe: p, floors: db.floors}
	err = fn(tx)
	if err == nil {
		markCommitted(ctx, p)
		err = p.commit(ctx)
	}
	if err != nil {
		p.rollback(ctx)
		return err
	}
	if tx.floors != nil {
		tx.floors.remember(tx.learned)
	}
	if f := db.mailQueued.Load(); tx.mailed && f != nil {
		(*f)()
	}
	return nil
}

// OnMailQueued implements store.DB.
func (db *DB) OnMailQueued(f func()) { db.mailQueued.Store(&f) }

// View runs fn on the pool without a transaction, for reads.
func (db *DB) View(ctx context.Context, fn func(tx *Tx) error) error {
	return translate(fn(&Tx{q: db.pool, floors: db.floors}))
}

// Migrate applies every embedded migration not yet recorded, each in its own
// transaction. An advisory lock keeps hub replicas starting together from
// applying the same migration twice. The lock is keyed by the schema the hub
// uses: replicas of one hub share it and wait for each other, while hubs in
// other schemas of the same database (the tests make one per test) migrate
// side by side instead of queueing behind one database-wide lock.
func (db *DB) Migrate(ctx context.Context) error {
	conn, err := db.pool.Acquire(ctx)
	if err != nil {
		return fmt.Errorf("migrate: acquire connection: %w", err)
	}
	defer conn.Release()
	if _, err := conn.Exec(ctx, `SELECT pg_advisory_lock(727274, hashtext(current_schema()))`); err != nil {
		return fmt.Errorf("migrate: lock: %w", err)
	}
	defer conn.Exec(context.WithoutCancel(ctx), `SELECT pg_advisory_unlock(727274, hashtext(current_schema()))`) //nolint:errcheck
	if _, err := conn.Exec(ctx, `CREATE TABLE IF NOT EXISTS schema_migrations (
		version INTEGER PRIMARY KEY, name TEXT NOT NULL, applied_at TIMESTAMPTZ NOT NULL DEFAULT now())`); err != nil {
		return fmt.Errorf("migrate: create schema_migrations: %w", err)
	}
	var applied []int
	rows, err := conn.Query(ctx, `SELECT version FROM schema_migrations`)
	if err != nil {
		return fmt.Errorf("migrate: read applied: %w", err)
	}
	for rows.Next() {
		var v int
		if err := rows.Scan(&v); err != nil {
			return fmt.Errorf("migrate: read applied: %w", err)
		}
		applied = append(applied, v)
	}
	if err := rows.Err(); err != nil {
		return fmt.Errorf("migrate: read applied: %w", err)
	}
	files, err := migrationfiles.List(migrations)
	if err != nil {
		return err
	}
	todo, err := migrationfiles.Pending(applied, files)
	if err != nil {
		return err
	}
	for _, f := range todo {
		body, err := migrations.ReadFile("migrations/" + f.Name)
		if err != nil {
			return fmt.Errorf("migrate: read %s: %w", f.Name, err)
		}
		err = pgx.BeginFunc(ctx, conn, func(tx pgx.Tx) error {
			if _, err := tx.Exec(ctx, string(body)); err != nil {
				return err
			}
			_, err := tx.Exec(ctx, `INSERT INTO schema_migrations (version, name) VALUES ($1, $2)`, f.Version, f.Name)
			return err
		})
		if err != nil {
			return fmt.Errorf("migrate: apply %s: %w", f.Name, err)
		}
		if db.log != nil {
			db.log.Info("applied migration", slog.String("engine", "postgres"), slog.String("file", f.Name))
		}
	}
	return nil
}
