package main

import (
	"context"
	"flag"
	"fmt"
	"io"
	"os"
	"path/filepath"

	"cityhub/identity"
	"cityhub/ids"
	"cityhub/store"

	"cityhub/config"
)

// createAdmin makes the first city administrator of a fresh installation,
// which no request could do (creating accounts needs an administrator). The
// database comes from the environment, as for serve. The password comes from
// CITYHUB_ADMIN_PASSWORD, or is generated and printed once; it never appears
// on the command line, where shell history and ps would keep it.
func createAdmin(ctx context.Context, args []string, getenv func(string) string, stdout, stderr io.Writer) error {
	fs := flag.NewFlagSet("create-admin", flag.ContinueOnError)
	fs.SetOutput(stderr)
	email := fs.String("email", "", "the administrator's email (required)")
	name := fs.String("name", "City administrator", "the administrator's display name")
	if err := fs.Parse(args); err != nil {
		return err
	}
	if *email == "" || fs.NArg() > 0 {
		fs.Usage()
		return fmt.Errorf("create-admin needs -email and nothing else")
	}
	cfg, err := config.Parse("create-admin", nil, getenv, stderr)
	if err != nil {
		return err
	}
	// The hub's own database: run without the hub's environment, the
	// command would make a new database where it stands and put the
	// administrator there, where the hub never looks. A fresh SQLite
	// installation is still made here, but only in a data directory that
	// exists and was named (CITYHUB_DATA_DIR), as the service's is.
	if getenv("CITYHUB_DATA_DIR") == "" || !isDir(cfg.DataDir) {
		if err := hubDatabase(cfg); err != nil {
			return err
		}
	}
	log := newLogger(cfg, stderr)
	db, err := store.Open(ctx, cfg.DatabaseURL, cfg.DataDir, log)
	if err != nil {
		return fmt.Errorf("open store: %w", err)
	}
	defer db.Close()
	keys, err := loadKeys(ctx, cfg, db, log)
	if err != nil {
		return err
	}
	svc := identity.NewService(db.Identity(), keys, identityOptions(cfg), log)
	password, generated := getenv("CITYHUB_ADMIN_PASSWORD"), false
	if password == "" {
		password, generated = ids.Token(15), true
	}
	a, created, err := svc.EnsureAccount(ctx, identity.NewAccount{Email: *email, Password: password, Name: *name, Locale: "it",
		Grants: []identity.Grant{{Role: identity.RoleAdmin}}})
	if err != nil {
		return fmt.Errorf("create administrator: %w", err)
	}
	if !created {
		return fmt.Errorf("an account with email %s already exists (%s); nothing changed", *email, a.ID)
	}
	fmt.Fprintf(stdout, "created city administrator %s (%s)\n", a.Email, a.ID)
	if generated {
		fmt.Fprintf(stdout, "password: %s\n(shown once; change it after the first login)\n", password)
	}
	return nil
}

// clearLoginLimits forgets the failed logins counted against an email
// address or a client address, for the operator helping a citizen (or a
// school) that the login limits slow down. The database comes from the
// environment, as for serve.
func clearLoginLimits(ctx context.Context, args []string, getenv func(string) string, stdout, stderr io.Writer) error {
	fs := flag.NewFlagSet("clear-login-limits", flag.ContinueOnError)
	fs.SetOutput(stderr)
	email := fs.String("email", "", "forget the failed logins on this email address, from every address")
	ip := fs.String("ip", "", "forget the failed logins from this IP address (its /64 for IPv6), on every account")
	if err := fs.Parse(args); err != nil {
		return err
	}
	if (*email == "" && *ip == "") || fs.NArg() > 0 {
		fs.Usage()
		return fmt.Errorf("clear-login-limits needs -email, -ip or both, and nothing else")
	}
	cfg, err := config.Parse("clear-login-limits", nil, getenv, stderr)
	if err != nil {
		return err
	}
	log := newLogger(cfg, stderr)
	// The hub's own database, never a new one: run without the hub's
	// environment, the command would make an empty database where it
	// stands, forget nothing there and say so as if it had worked.
	if err := hubDatabase(cfg); err != nil {
		return err
	}
	db, err := store.Open(ctx, cfg.DatabaseURL, cfg.DataDir, log)
	if err != nil {
		return fmt.Errorf("open store: %w", err)
	}
	defer db.Close()
	// No keys are needed to forget attempts; the service is built without
	// them, so this works even before the key-encryption key is at hand.
	svc := identity.NewService(db.Identity(), nil, identityOptions(cfg), log)
	n, err := svc.ClearLoginLimits(ctx, *email, *ip)
	if err != nil {
		return fmt.Errorf("clear login limits: %w", err)
	}
	what := "failed logins"
	if *ip != "" {
		what = "failed logins, sign-ups and e-mails asked for"
	}
	// n counts the limits' counters emptied (one an account, one an
	// account from a network, ...), not the attempts they had counted.
	if n == 0 {
		fmt.Fprintf(stdout, "nothing to forget: no %s counted against it\n", what)
		return nil
	}
	fmt.Fprintln(stdout, clearedCounters(n, what))
	return nil
}

// clearedCounters is what clear-login-limits says it emptied: n counters
// of what, "1 limit counter" for one.
func clearedCounters(n int, what string) string {
	counters := "counters"
	if n == 1 {
		counters = "counter"
	}
	return fmt.Sprintf("emptied %d limit %s (%s): it may log in at once", n, counters, what)
}

// hubDatabase refuses a configuration that names no hub database: no
// CITYHUB_DATABASE_URL and no SQLite file in the data directory, which is
// what a command run without the hub's environment sees. The data
// directory's setting is named as it was given: -data-dir when the command
// line gave it.
func hubDatabase(cfg config.Config) error {
	if cfg.DatabaseURL != "" {
		return nil
	}
	file := filepath.Join(cfg.DataDir, store.SQLiteFile)
	if _, err := os.Stat(file); err != nil {
		return fmt.Errorf("no hub database at %s (%w): give the hub's %s or %s, as serve has them", file, err, cfg.NameOf("CITYHUB_DATA_DIR"), cfg.NameOf("CITYHUB_DATABASE_URL"))
	}
	return nil
}

func isDir(path string) bool {
	fi, err := os.Stat(path)
	return err == nil && fi.IsDir()
}
