package main

import (
	"bytes"
	"context"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"cityhub/store"
)

// Run without the hub's environment (or with a data directory that is not
// there), create-admin refuses as clear-login-limits does, instead of
// making a new database where it stands and putting the administrator in it.
func TestCreateAdminRefusesWithoutHubDatabase(t *testing.T) {
	t.Parallel()
	if _, err := os.Stat("data"); err == nil {
		t.Skip("./data exists in the package directory")
	}
	elsewhere := filepath.Join(t.TempDir(), "data")
	for name, env := range map[string]map[string]string{
		// The default data directory, ./data, is the package directory's.
		"no environment":         {"CITYHUB_ADMIN_PASSWORD": "a long enough password"},
		"missing data directory": {"CITYHUB_DATA_DIR": elsewhere, "CITYHUB_ADMIN_PASSWORD": "a long enough password"},
	} {
		var out bytes.Buffer
		err := run(context.Background(), []string{"create-admin", "-email", "sindaco@comune.example"}, testGetenv(env), &out, io.Discard)
		if err == nil || !strings.Contains(err.Error(), "no hub database") || !strings.Contains(err.Error(), "CITYHUB_DATA_DIR") ||
			!strings.Contains(err.Error(), "CITYHUB_DATABASE_URL") || out.Len() != 0 {
			t.Errorf("%s: create-admin = %v, printed %q; want refused naming CITYHUB_DATA_DIR and CITYHUB_DATABASE_URL", name, err, out.String())
		}
	}
	if _, err := os.Stat(elsewhere); !os.IsNotExist(err) {
		t.Errorf("create-admin made a data directory where there was none: %v", err)
	}
	if _, err := os.Stat("data"); !os.IsNotExist(err) {
		os.RemoveAll("data")
		t.Errorf("create-admin made ./data: %v", err)
	}
}

// migrate refuses as clear-login-limits does: run without the hub's
// environment, or on a data directory that holds no hub database (an empty
// one, a mistyped one that happens to exist), it would make a new, empty
// database and call it current, and an upgrade step would seem done. It
// used to do so in any existing directory named by CITYHUB_DATA_DIR or
// -data-dir; a fresh embedded database is made by the hub's first start.
func TestMigrateRefusesWithoutHubDatabase(t *testing.T) {
	t.Parallel()
	if _, err := os.Stat("data"); err == nil {
		t.Skip("./data exists in the package directory")
	}
	elsewhere := filepath.Join(t.TempDir(), "data")
	empty := t.TempDir()
	for name, c := range map[string]struct {
		args []string
		env  map[string]string
	}{
		"no environment":         {nil, map[string]string{}},
		"missing data directory": {nil, map[string]string{"CITYHUB_DATA_DIR": elsewhere}},
		"missing -data-dir":      {[]string{"-data-dir", elsewhere}, map[string]string{}},
		"empty data directory":   {nil, map[string]string{"CITYHUB_DATA_DIR": empty}},
		"empty -data-dir":        {[]string{"-data-dir=" + empty}, map[string]string{}},
	} {
		var stderr bytes.Buffer
		err := run(context.Background(), append([]string{"migrate"}, c.args...), testGetenv(c.env), io.Discard, &stderr)
		if err == nil || !strings.Contains(err.Error(), "no hub database") || strings.Contains(stderr.String(), "schema is current") {
			t.Errorf("%s: migrate = %v, said %q; want refused with no hub database", name, err, stderr.String())
		}
	}
	if _, err := os.Stat(elsewhere); !os.IsNotExist(err) {
		t.Errorf("migrate made a data directory where there was none: %v", err)
	}
	if entries, err := os.ReadDir(empty); err != nil || len(entries) > 0 {
		t.Errorf("migrate wrote in an empty data directory: %v %v", entries, err)
	}
	if _, err := os.Stat("data"); !os.IsNotExist(err) {
		os.RemoveAll("data")
		t.Errorf("migrate made ./data: %v", err)
	}
	dir := hubDataDir(t)
	if err := run(context.Background(), []string{"migrate", "-data-dir=" + dir}, testGetenv(map[string]string{}), io.Discard, io.Discard); err != nil {
		t.Errorf("migrate -data-dir on the hub's data directory: %v", err)
	}
}

// hubDataDir is a data directory that holds a hub's database, as its first
// start leaves it.
func hubDataDir(t *testing.T) string {
	t.Helper()
	dir := t.TempDir()
	db, err := store.Open(t.Context(), "", dir, nil)
	if err != nil {
		t.Fatalf("make the hub's database: %v", err)
	}
	if err := db.Close(); err != nil {
		t.Fatal(err)
	}
	return dir
}

// backup without the hub's database says what migrate and create-admin
// say, where it said only "data directory: stat data: no such file or
// directory"; and a data directory given as -data-dir is named as that
// flag, where the message asked for CITYHUB_DATA_DIR, which was not used.
func TestNoHubDatabaseSaysWhichSetting(t *testing.T) {
	t.Parallel()
	if _, err := os.Stat("data"); err == nil {
		t.Skip("./data exists in the package directory")
	}
	missing := filepath.Join(t.TempDir(), "missing")
	copyTo := filepath.Join(t.TempDir(), "x.db")
	for _, tc := range []struct {
		args    []string
		env     map[string]string
		says    string
		saysNot string
	}{
		{[]string{"backup", copyTo}, map[string]string{}, "CITYHUB_DATA_DIR", ""},
		{[]string{"backup", "-data-dir", missing, copyTo}, map[string]string{}, "-data-dir", "CITYHUB_DATA_DIR"},
		{[]string{"backup", copyTo}, map[string]string{"CITYHUB_DATA_DIR": missing}, "CITYHUB_DATA_DIR", ""},
		{[]string{"migrate", "-data-dir", missing}, map[string]string{}, "-data-dir", "CITYHUB_DATA_DIR"},
		{[]string{"migrate", "-data-dir=" + missing}, map[string]string{"CITYHUB_DATA_DIR": t.TempDir()}, "-data-dir", "CITYHUB_DATA_DIR"},
	} {
		err := run(context.Background(), tc.args, testGetenv(tc.env), io.Discard, io.Discard)
		if err == nil || !strings.Contains(err.Error(), "no hub database") || !strings.Contains(err.Error(), tc.says) ||
			!strings.Contains(err.Error(), "CITYHUB_DATABASE_URL") || tc.saysNot != "" && strings.Contains(err.Error(), tc.saysNot) {
			t.Errorf("%q with %v: %v; want no hub database, naming %s and CITYHUB_DATABASE_URL (and not %q)", tc.args, tc.env, err, tc.says, tc.saysNot)
		}
	}
	if _, err := os.Stat(copyTo); !os.IsNotExist(err) {
		t.Errorf("backup wrote %s: %v", copyTo, err)
	}
}
