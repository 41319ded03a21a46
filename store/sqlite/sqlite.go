// Package sqlite is cityhub's embedded store on modernc.org/sqlite (no cgo), so
// a newcomer runs a whole hub from one file. It implements the same domain
// Store interfaces as store/postgres and passes the same conformance suite.
// SQLite allows one writer at a time: writes go through a single connection
// whose transactions start IMMEDIATE, reads through a separate pool.
package sqlite

import (
	"context"
	"database/sql"
	"embed"
	"errors"
	"fmt"
	"io/fs"
	"log/slog"
	"net/url"
	"os"
	"path/filepath"
	"runtime"
	"sync/atomic"

	migrationfiles "cityhub/store/migrations"
)

//go:embed migrations/*.sql
var migrations embed.FS

// DB is one SQLite database file.
type DB struct {
	write  *sql.DB
	read   *sql.DB
	wstmts *stmtCache // statements prepared on the writer
	rstmts *stmtCache // statements prepared on the read pool
	log    *slog.Logger
	// mailQueued, when set, is called after a commit that queued mail.
	mailQueued atomic.Pointer[func()]
}

type querier interface {
	ExecContext(ctx context.Context, query string, args ...any) (sql.Result, error)
	QueryContext(ctx context.Context, query string, args ...any) (*sql.Rows, error)
	QueryRowContext(ctx context.Context, query string, args ...any) *sql.Row
}

// Tx is one unit of work; it implements every domain's Tx interface.
type Tx struct {
	q querier
	// mailed: the transaction put an e-mail in the outbox.
	mailed bool
}

// dsn sets the pragmas in one place: busy_timeout first so that the others
// wait for a lock instead of failing.
func dsn(path string, immediate bool) string {
	v := url.Values{}
	v.Add("_pragma", "busy_timeout(10000)")
	v.Add("_pragma", "journal_mode(WAL)")
	v.Add("_pragma", "foreign_keys(ON)")
	// FULL: in WAL mode NORMAL may lose the last commits to a power cut or
	// a crash of the machine (a kill of the process loses nothing either way),
	// and an answered write must never be lost.
	v.Add("_pragma", "synchronous(FULL)")
	v.Add("_time_format", "sqlite")
	if immediate {
		v.Add("_txlock", "immediate")
	}
	return "file:" + path + "?" + v.Encode()
}

// Open opens (creating if needed) the database file at path and applies
// pending migrations. The file holds password hashes and, unless a
// key-encryption key seals them, the hub's signing keys: so its directory is
// created 0700 and the file 0600, and a directory or file that other local
// users may read is refused with the chmod that fixes it.
func Open(ctx context.Context, path string, log *slog.Logger) (*DB, error) {
	if err := os.MkdirAll(filepath.Dir(path), 0o700); err != nil {
		return nil, fmt.Errorf("create data directory: %w", err)
	}
	if err := checkPrivate(path, log); err != nil {
		return nil, err
	}
	if err := checkDirWritable(filepath.Dir(path)); err != nil {
		return nil, err
	}
	// SQLite would create the file 0644 (less the umask) and gives its -wal
	// and -shm files the database file's mode, so the file is made here
	// first, private.
	f, err := os.OpenFile(path, os.O_RDWR|os.O_CREATE, 0o600)
	if err != nil {
		if _, serr := os.Stat(path); serr == nil {
			return nil, &NotWritableError{fmt.Sprintf("database file %s cannot be written (%v): give the hub's user read and write permission on it",
				path, cause(err))}
		}
		return nil, fmt.Errorf("create sqlite %s: %w", path, err)
	}
	if err := f.Close(); err != nil {
		return nil, fmt.Errorf("create sqlite %s: %w", path, err)
	}
	write, err := sql.Open("sqlite", dsn(path, true))
	if err != nil {
		return nil, fmt.Errorf("open sqlite %s: %w", path, err)
	}
	write.SetMaxOpenConns(1)
	write.SetMaxIdleConns(1)
	write.SetConnMaxLifetime(0)
	read, err := sql.Open("sqlite", dsn(path, false))
	if err != nil {
		write.Close()
		return nil, fmt.Errorf("open sqlite %s: %w", path, err)
	}
	read.SetMaxOpenConns(8)
	// Idle readers are kept, and with them the statements prepared on them.
	read.SetMaxIdleConns(8)
	db := &DB{write: write, read: read, wstmts: newStmtCache(write), rstmts: newStmtCache(read), log: log}
	if err := db.Migrate(ctx); err != nil {
		db.Close()
		return nil, err
	}
	// The journal files exist now; whatever made them, they stay private.
	for _, p := range []string{path + "-wal", path + "-shm"} {
		if err := os.Chmod(p, 0o600); err != nil && !errors.Is(err, fs.ErrNotExist) {
			db.Close()
			return nil, fmt.Errorf("protect %s: %w", p, err)
		}
	}
	return db, nil
}

// NotWritableError is a data directory or database file that the hub's
// user cannot write: its message names the path and the cause.
type NotWritableError struct{ msg string }

func (e *NotWritableError) Error() string { return e.msg }

// checkDirWritable makes and removes a file in dir. SQLite writes its -wal
// and -shm files beside the database, and finding it cannot, it says only
// "attempt to write a readonly database (1544)" at the first write, with
// neither the path nor the cause.
func checkDirWritable(dir string) error {
	f, err := os.CreateTemp(dir, ".cityhub-write-check-*")
	if err != nil {
		return &NotWritableError{fmt.Sprintf("data directory %s cannot be written (%v): SQLite keeps its journal files beside the database; give the hub's user write permission on it",
			dir, cause(err))}
	}
	name := f.Name()
	return errors.Join(f.Close(), os.Remove(name))
}

// cause is what failed under a path error (permission denied, read-only
// file system), whose path the message says already.
func cause(err error) error {
	var pe *fs.PathError
	if errors.As(err, &pe) {
		return pe.Err
	}
	return err
}

// checkPrivate refuses a data directory, database file or journal file that
// other local users may read or write: whoever reads the file can sign
// tokens with the hub's keys (unless they are sealed) and try passwords
// against its hashes offline. An empty directory (made for the hub by an
// installer, or by a test) holds nothing yet and is made private instead.
func checkPrivate(path string, log *slog.Logger) error {
	if runtime.GOOS == "windows" {
		return nil // permissions are ACLs there, not mode bits
	}
	dir := filepath.Dir(path)
	st, err := os.Stat(dir)
	if err != nil {
		return fmt.Errorf("data directory: %w", err)
	}
	if perm := st.Mode().Perm(); perm&0o077 != 0 {
		entries, err := os.ReadDir(dir)
		if err != nil {
			return fmt.Errorf("data directory: %w", err)
		}
		if len(entries) > 0 {
			return fmt.Errorf("data directory %s is open to other users (mode %04o) and holds the signing keys; refusing to use it: run chmod 700 %s",
				dir, perm, dir)
		}
		if err := os.Chmod(dir, 0o700); err != nil {
			return fmt.Errorf("make data directory %s private: %w", dir, err)
		}
		if log != nil {
			log.Info("data directory made private", slog.String("dir", dir), slog.String("was", fmt.Sprintf("%04o", perm)))
		}
	}
	for _, p := range []string{path, path + "-wal", path + "-shm"} {
		st, err := os.Stat(p)
		if errors.Is(err, fs.ErrNotExist) {
			continue
		}
		if err != nil {
			return fmt.Errorf("database file: %w", err)
		}
		if st.Mode().Perm()&0o077 != 0 {
			return fmt.Errorf("database file %s is open to other users (mode %04o) and holds the signing keys; refusing to use it: run chmod 600 %s*",
				p, st.Mode().Perm(), path)
		}
	}
	return nil
}

// Close closes both pools.
func (db *DB) Close() error {
	return errors.Join(db.wstmts.close(), db.rstmts.close(), db.write.Close(), db.read.Close())
}

// Ping reports whether the file can be read.
func (db *DB) Ping(ctx context.Context) error { return db.read.PingContext(ctx) }

// Engine names the engine for logs and tests.
func (db *DB) Engine() string { return "sqlite" }

// InTx runs fn in one IMMEDIATE transaction on the writer connection.
func (db *DB) InTx(ctx context.Context, fn func(tx *Tx) error) (err error) {
	return db.inTx(ctx, true, fn)
}

// inTx is InTx; cache says whether the transaction's statements go through
// the writer's statement cache (a migration's script is run once, as text).
func (db *DB) inTx(ctx context.Context, cache bool, fn func(tx *Tx) error) (err error) {
	stx, err := db.write.BeginTx(ctx, nil)
	if err != nil {
		return fmt.Errorf("begin: %w", translate(err))
	}
	var tq *txQuerier
	defer func() {
		if p := recover(); p != nil {
			_ = stx.Rollback()
			panic(p)
		}
		// The transaction has ended: the writer's connection is free to
		// prepare what it ran as text.
		if tq != nil {
			tq.prepareMissed(context.WithoutCancel(ctx))
		}
	}()
	var q querier = stx
	if cache {
		tq = &txQuerier{tx: stx, c: db.wstmts}
		q = tq
	}
	tx := &Tx{q: q}
	if err := fn(tx); err != nil {
		_ = stx.Rollback()
		return translate(err)
	}
	if err := markCommitted(ctx, q); err != nil {
		_ = stx.Rollback()
		return err
	}
	if err := stx.Commit(); err != nil {
		return fmt.Errorf("commit: %w", translate(err))
	}
	if f := db.mailQueued.Load(); tx.mailed && f != nil {
		(*f)()
	}
	return nil
}

// OnMailQueued implements store.DB.
func (db *DB) OnMailQueued(f func()) { db.mailQueued.Store(&f) }

// View runs fn on the read pool, outside a transaction.
func (db *DB) View(ctx context.Context, fn func(tx *Tx) error) error {
	return translate(fn(&Tx{q: poolQuerier{db.rstmts}}))
}

// Migrate applies every embedded migration not yet recorded, each in its own
// transaction.
func (db *DB) Migrate(ctx context.Context) error {
	if _, err := db.write.ExecContext(ctx, `CREATE TABLE IF NOT EXISTS schema_migrations (
		version INTEGER PRIMARY KEY, name TEXT NOT NULL, applied_at INTEGER NOT NULL)`); err != nil {
		return fmt.Errorf("migrate: create schema_migrations: %w", err)
	}
	var applied []int
	rows, err := db.write.QueryContext(ctx, `SELECT version FROM schema_migrations`)
	if err != nil {
		return fmt.Errorf("migrate: read applied: %w", err)
	}
	for rows.Next() {
		var v int
		if err := rows.Scan(&v); err != nil {
			rows.Close()
			return fmt.Errorf("migrate: read applied: %w", err)
		}
		applied = append(applied, v)
	}
	rows.Close()
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
		err = db.inTx(ctx, false, func(tx *Tx) error {
			if _, err := tx.q.ExecContext(ctx, string(body)); err != nil {
				return err
			}
			_, err := tx.q.ExecContext(ctx, `INSERT INTO schema_migrations (version, name, applied_at) VALUES (?, ?, ?)`, f.Version, f.Name, nowMicros())
			return err
		})
		if err != nil {
			return fmt.Errorf("migrate: apply %s: %w", f.Name, err)
		}
		if db.log != nil {
			db.log.Info("applied migration", slog.String("engine", "sqlite"), slog.String("file", f.Name))
		}
	}
	return nil
}

// Writer exposes the writer connection to benchmarks in this module that
// compare against bare SQL; domain code never uses it.
func (db *DB) Writer() *sql.DB { return db.write }
