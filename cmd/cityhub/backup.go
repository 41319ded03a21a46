package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"path/filepath"
	"time"

	"cityhub/config"
	"cityhub/store"
	"cityhub/store/sqlite"
)

// postgresBackupHelp is what cityhub backup says on PostgreSQL, whose own
// tools copy it better than cityhub could. Its commands are the README's
// ("Backups", "On PostgreSQL"), word for word: a test keeps them so.
const postgresBackupHelp = `cityhub backup copies the embedded SQLite database only; it does not copy PostgreSQL.
Back up PostgreSQL with its own tools while the hubs run:

  pg_dump --format=custom --file=cityhub-$(date +%F).dump "$CITYHUB_DATABASE_URL"

and restore into a new, empty database, with the hubs stopped. Both commands
name the same server (db.example here): a role that may create databases
(postgres) makes the database for the hub's role (cityhub), which restores
into it and owns what it holds:

  createdb --host=db.example --username=postgres --owner=cityhub cityhub_restored
  pg_restore --no-owner --dbname=postgres://cityhub@db.example/cityhub_restored cityhub-2026-11-30.dump

then point CITYHUB_DATABASE_URL at it.

For point-in-time recovery keep a base backup and the WAL archive: in
postgresql.conf set wal_level = replica, archive_mode = on and an
archive_command that copies each WAL segment off the machine, and take a
base backup regularly:

  pg_basebackup -D /backup/base -Ft -z -X stream

To recover, stop PostgreSQL, replace its data directory with the base
backup, set restore_command and recovery_target_time, create
recovery.signal in the data directory and start PostgreSQL. See the
README, "Backups".
`

// backup copies the embedded database while hubs serve from it.
func backup(ctx context.Context, args []string, getenv func(string) string, stdout, stderr io.Writer) error {
	file, cfg, err := fileAndConfig("backup", args, getenv, stderr)
	if err != nil {
		return err
	}
	if cfg.DatabaseURL != "" {
		_, _ = io.WriteString(stdout, postgresBackupHelp)
		return errors.New("nothing copied: the hub runs on PostgreSQL")
	}
	// Run without the hub's environment, say so as the other commands do,
	// rather than what the copy would trip on (a data directory missing).
	if err := hubDatabase(cfg); err != nil {
		return err
	}
	start := time.Now()
	if err := sqlite.Backup(ctx, filepath.Join(cfg.DataDir, store.SQLiteFile), file); err != nil {
		return err
	}
	version, _, err := sqlite.Inspect(ctx, file)
	if err != nil {
		return fmt.Errorf("the backup %s does not read back: %w", file, err)
	}
	fmt.Fprintf(stdout, "backed up %s to %s (schema version %d) in %s\n",
		filepath.Join(cfg.DataDir, store.SQLiteFile), file, version, time.Since(start).Round(time.Millisecond))
	return nil
}

// restore puts a backup into an empty data directory; the next start
// applies any migrations the backup lacks.
func restore(ctx context.Context, args []string, getenv func(string) string, stdout, stderr io.Writer) error {
	file, cfg, err := fileAndConfig("restore", args, getenv, stderr)
	if err != nil {
		return err
	}
	if cfg.DatabaseURL != "" {
		return errors.New("cityhub restore restores the embedded SQLite database only; restore PostgreSQL with pg_restore (see the README, \"Backups\")")
	}
	start := time.Now()
	if err := sqlite.Restore(ctx, file, cfg.DataDir, store.SQLiteFile); err != nil {
		return err
	}
	fmt.Fprintf(stdout, "restored %s into %s in %s; start the hub to use it\n",
		file, filepath.Join(cfg.DataDir, store.SQLiteFile), time.Since(start).Round(time.Millisecond))
	return nil
}

// fileAndConfig reads "[flags] FILE": the configuration's flags (such as
// -data-dir) and then the one file name.
func fileAndConfig(name string, args []string, getenv func(string) string, stderr io.Writer) (string, config.Config, error) {
	fs := flag.NewFlagSet(name, flag.ContinueOnError)
	fs.SetOutput(stderr)
	dataDir := fs.String("data-dir", "", "data directory (CITYHUB_DATA_DIR; ./data when neither is given)")
	// Go's usage lists the flags alone: without this line "cityhub backup
	// -h" never said that the command takes the file's name.
	fs.Usage = func() {
		fmt.Fprintf(fs.Output(), "Usage of %s: cityhub %[1]s [-data-dir DIR] FILE\n", name)
		fs.PrintDefaults()
	}
	if err := fs.Parse(args); err != nil {
		return "", config.Config{}, err
	}
	if fs.NArg() != 1 || fs.Arg(0) == "" {
		return "", config.Config{}, fmt.Errorf("usage: cityhub %s [-data-dir DIR] FILE", name)
	}
	var cargs []string
	if *dataDir != "" {
		cargs = []string{"-data-dir", *dataDir}
	}
	cfg, err := config.Parse(name, cargs, getenv, stderr)
	return fs.Arg(0), cfg, err
}
