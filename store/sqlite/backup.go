package sqlite

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"io/fs"
	"net/url"
	"os"
	"path/filepath"
	"strings"

	migrationfiles "cityhub/store/migrations"
)

// Backup writes a consistent copy of the database file at path to dst while
// hubs keep using it. VACUUM INTO reads inside one read transaction, so the
// copy holds exactly the transactions committed when it began; in WAL mode
// it neither blocks the writer nor waits for it. dst is created here, 0600
// and exclusively: a backup never overwrites a file (an older backup, or the
// live database given by mistake). It opens the file without migrating it,
// so a newer binary backs up a hub still running the older one unchanged.
func Backup(ctx context.Context, path, dst string) (err error) {
	if err := checkPrivate(path, nil); err != nil {
		return err
	}
	if _, err := os.Stat(path); err != nil {
		return fmt.Errorf("backup: database file: %w", err)
	}
	f, err := os.OpenFile(dst, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o600)
	if err != nil {
		if errors.Is(err, fs.ErrExist) {
			return fmt.Errorf("backup: %s already exists; choose a new file name", dst)
		}
		return fmt.Errorf("backup: create %s: %w", dst, err)
	}
	// VACUUM INTO accepts an existing file only when it is empty, as here.
	if err := f.Close(); err != nil {
		return fmt.Errorf("backup: create %s: %w", dst, err)
	}
	defer func() {
		if err != nil {
			os.Remove(dst)
		}
	}()
	db, err := sql.Open("sqlite", dsn(path, false))
	if err != nil {
		return fmt.Errorf("backup: open %s: %w", path, err)
	}
	defer db.Close()
	if _, err := db.ExecContext(ctx, `VACUUM INTO ?`, dst); err != nil {
		return fmt.Errorf("backup: copy %s into %s: %w", path, dst, err)
	}
	// The copy is only a backup once it is on disk.
	if err := syncFile(dst); err != nil {
		return fmt.Errorf("backup: %w", err)
	}
	return nil
}

// Inspect reports what a backup file holds: it must pass SQLite's integrity
// check and carry cityhub's migrations table with no migration this binary
// does not know (a backup of a newer release cannot be run by this one).
// It returns the highest applied version and how many are still to apply.
func Inspect(ctx context.Context, file string) (version, pending int, err error) {
	if _, err := os.Stat(file); err != nil {
		return 0, 0, fmt.Errorf("inspect: %w", err)
	}
	v := url.Values{}
	v.Add("mode", "ro")
	v.Add("_pragma", "busy_timeout(10000)")
	db, err := sql.Open("sqlite", "file:"+file+"?"+v.Encode())
	if err != nil {
		return 0, 0, fmt.Errorf("inspect %s: %w", file, err)
	}
	defer db.Close()
	rows, err := db.QueryContext(ctx, `PRAGMA integrity_check`)
	if err != nil {
		return 0, 0, fmt.Errorf("%s is not a readable SQLite database (damaged, or no database at all): %w", file, err)
	}
	var problems []string
	for rows.Next() {
		var line string
		if err := rows.Scan(&line); err != nil {
			rows.Close()
			return 0, 0, fmt.Errorf("inspect %s: %w", file, err)
		}
		if line != "ok" {
			problems = append(problems, line)
		}
	}
	if err := rows.Err(); err != nil {
		rows.Close()
		return 0, 0, fmt.Errorf("%s is not a readable SQLite database (damaged, or no database at all): %w", file, err)
	}
	rows.Close()
	if len(problems) > 0 {
		if len(problems) > 5 {
			problems = problems[:5]
		}
		return 0, 0, fmt.Errorf("%s fails the integrity check: %s", file, strings.Join(problems, "; "))
	}
	applied, err := appliedVersions(ctx, db)
	if err != nil {
		return 0, 0, fmt.Errorf("%s is not a cityhub database: %w", file, err)
	}
	if len(applied) == 0 {
		return 0, 0, fmt.Errorf("%s is not a cityhub database: no migrations recorded", file)
	}
	return compare(applied)
}

// MigrationStatus reports, without changing anything, the highest applied
// version of the database at path and how many migrations are still to
// apply; an error if the file records a migration this binary does not know.
func MigrationStatus(ctx context.Context, path string) (version, pending int, err error) {
	if err := checkPrivate(path, nil); err != nil {
		return 0, 0, err
	}
	if _, err := os.Stat(path); err != nil {
		return 0, 0, fmt.Errorf("database file: %w", err)
	}
	db, err := sql.Open("sqlite", dsn(path, false))
	if err != nil {
		return 0, 0, fmt.Errorf("open %s: %w", path, err)
	}
	defer db.Close()
	applied, err := appliedVersions(ctx, db)
	if err != nil {
		return 0, 0, err
	}
	return compare(applied)
}

func compare(applied []int) (version, pending int, err error) {
	files, err := migrationfiles.List(migrations)
	if err != nil {
		return 0, 0, err
	}
	todo, err := migrationfiles.Pending(applied, files)
	if err != nil {
		return 0, 0, err
	}
	for _, v := range applied {
		version = max(version, v)
	}
	return version, len(todo), nil
}

func appliedVersions(ctx context.Context, db *sql.DB) ([]int, error) {
	rows, err := db.QueryContext(ctx, `SELECT version FROM schema_migrations ORDER BY version`)
	if err != nil {
		return nil, fmt.Errorf("read schema_migrations: %w", err)
	}
	defer rows.Close()
	var out []int
	for rows.Next() {
		var v int
		if err := rows.Scan(&v); err != nil {
			return nil, fmt.Errorf("read schema_migrations: %w", err)
		}
		out = append(out, v)
	}
	return out, rows.Err()
}

// Restore puts the backup file into dataDir as the database file name. The
// data directory must be empty (or not exist): restoring over a live or
// older database would mix two histories. The file is checked first, then
// copied to a temporary name and renamed, so a failed restore leaves no
// half-written database behind; the directory ends 0700 and the file 0600.
//
// The copy is made by SQLite (VACUUM INTO), not byte by byte: a database in
// WAL mode (the file of a running hub, or of one that was killed, with its
// -wal beside it) keeps its latest commits in the -wal, which SQLite reads
// with the file but a file copy would leave behind. The source is opened
// read-only and is not changed. The copy is checked again before it takes
// the database's name.
func Restore(ctx context.Context, file, dataDir, name string) (err error) {
	if _, _, err := Inspect(ctx, file); err != nil {
		return fmt.Errorf("restore: %w", err)
	}
	entries, err := os.ReadDir(dataDir)
	switch {
	case errors.Is(err, fs.ErrNotExist):
		if err := os.MkdirAll(dataDir, 0o700); err != nil {
			return fmt.Errorf("restore: create data directory: %w", err)
		}
	case err != nil:
		return fmt.Errorf("restore: data directory: %w", err)
	case len(entries) > 0:
		held := fmt.Sprintf("%d entries", len(entries))
		if len(entries) == 1 {
			held = "1 entry"
		}
		return fmt.Errorf("restore: data directory %s is not empty (%s); restore only into an empty directory", dataDir, held)
	}
	if err := os.Chmod(dataDir, 0o700); err != nil {
		return fmt.Errorf("restore: make data directory private: %w", err)
	}
	dst := filepath.Join(dataDir, name)
	tmp := dst + ".restoring"
	defer func() {
		if err != nil {
			for _, p := range []string{tmp, tmp + "-journal", tmp + "-wal", tmp + "-shm"} {
				os.Remove(p)
			}
		}
	}()
	if err := copyDatabase(ctx, file, tmp); err != nil {
		return fmt.Errorf("restore: %w", err)
	}
	// What takes the database's name must itself pass the checks the
	// source passed: never report a restore whose copy lacks the data.
	if _, _, err := Inspect(ctx, tmp); err != nil {
		return fmt.Errorf("restore: the copy of %s does not read back: %w", file, err)
	}
	for _, p := range []string{tmp + "-wal", tmp + "-journal"} {
		if _, err := os.Stat(p); err == nil {
			return fmt.Errorf("restore: the copy of %s left %s beside it; nothing restored", file, p)
		}
	}
	if err := os.Rename(tmp, dst); err != nil {
		return fmt.Errorf("restore: %w", err)
	}
	return syncDir(dataDir)
}

// copyDatabase writes a consistent copy of the database file src, with
// whatever its -wal holds, to the new file dst (0600, created here
// exclusively). src is opened read-only: SQLite reads its -wal without
// checkpointing it, so neither src nor its -wal is changed.
func copyDatabase(ctx context.Context, src, dst string) error {
	f, err := os.OpenFile(dst, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o600)
	if err != nil {
		return err
	}
	// VACUUM INTO accepts an existing file only when it is empty, as here.
	if err := f.Close(); err != nil {
		return err
	}
	v := url.Values{}
	v.Add("mode", "ro")
	v.Add("_pragma", "busy_timeout(10000)")
	db, err := sql.Open("sqlite", "file:"+src+"?"+v.Encode())
	if err != nil {
		return fmt.Errorf("open %s: %w", src, err)
	}
	defer db.Close()
	if _, err := db.ExecContext(ctx, `VACUUM INTO ?`, dst); err != nil {
		return fmt.Errorf("copy %s into %s: %w", src, dst, err)
	}
	if err := db.Close(); err != nil {
		return fmt.Errorf("close %s: %w", src, err)
	}
	if err := syncFile(dst); err != nil {
		return err
	}
	return nil
}

func syncFile(path string) error {
	f, err := os.OpenFile(path, os.O_RDWR, 0)
	if err != nil {
		return err
	}
	if err := f.Sync(); err != nil {
		f.Close()
		return fmt.Errorf("sync %s: %w", path, err)
	}
	return f.Close()
}

func syncDir(dir string) error {
	d, err := os.Open(dir)
	if err != nil {
		return err
	}
	defer d.Close()
	if err := d.Sync(); err != nil {
		return fmt.Errorf("sync %s: %w", dir, err)
	}
	return nil
}
