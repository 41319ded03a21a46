package main

import (
	"cityhub/internal/testutil"
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// TestBackupOnPostgresPrintsTheSteps: on PostgreSQL, cityhub backup copies
// nothing (it writes no file and does not connect) and fails, having
// printed how to back up and recover with PostgreSQL's own tools; each
// command it prints is in the README's "On PostgreSQL" section word for
// word, so the two cannot drift apart. cityhub restore refuses too.
func TestBackupOnPostgresPrintsTheSteps(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	// A database nobody can reach: the command must not try.
	env := map[string]string{"CITYHUB_DATABASE_URL": "postgres://cityhub:pg-s3cret@db.invalid:5432/cityhub?sslmode=disable",
		"CITYHUB_DATA_DIR": filepath.Join(t.TempDir(), "data")}
	file := filepath.Join(t.TempDir(), "hub.backup")
	var out, errOut testutil.Buffer
	start := time.Now()
	err := run(ctx, []string{"backup", file}, testGetenv(env), &out, &errOut)
	if err == nil || !strings.Contains(err.Error(), "nothing copied") {
		t.Fatalf("backup on PostgreSQL: %v, want a failure saying nothing was copied", err)
	}
	if took := time.Since(start); took > 5*time.Second {
		t.Errorf("backup on PostgreSQL took %v: it should not connect", took)
	}
	if _, err := os.Stat(file); err == nil {
		t.Errorf("backup on PostgreSQL wrote %s", file)
	}
	help := out.String()
	for _, want := range []string{"pg_dump", "pg_restore", "createdb", "wal_level = replica", "archive_mode = on", "archive_command",
		"pg_basebackup", "restore_command", "recovery_target_time", "recovery.signal"} {
		if !strings.Contains(help, want) {
			t.Errorf("the help does not mention %q:\n%s", want, help)
		}
	}
	if strings.Contains(help+errOut.String()+err.Error(), "pg-s3cret") {
		t.Error("backup on PostgreSQL shows the database password")
	}

	readme, rerr := os.ReadFile("../../README.md")
	if rerr != nil {
		t.Fatal(rerr)
	}
	section := string(readme)
	if i := strings.Index(section, "### On PostgreSQL"); i >= 0 {
		section = section[i:]
		if j := strings.Index(section[1:], "\n## "); j >= 0 {
			section = section[:j+1]
		}
	} else {
		t.Fatal(`the README has no "### On PostgreSQL" section`)
	}
	commands := 0
	for _, line := range strings.Split(help, "\n") {
		if cmd, ok := strings.CutPrefix(line, "  "); ok && strings.TrimSpace(cmd) != "" {
			commands++
			if !strings.Contains(section, "    "+cmd+"\n") {
				t.Errorf("the command %q that cityhub backup prints is not in the README's \"On PostgreSQL\" section", cmd)
			}
		}
	}
	if commands < 4 {
		t.Errorf("cityhub backup printed %d commands, want pg_dump, createdb, pg_restore and pg_basebackup:\n%s", commands, help)
	}

	err = run(ctx, []string{"restore", file}, testGetenv(env), &out, &errOut)
	if err == nil || !strings.Contains(err.Error(), "pg_restore") {
		t.Errorf("restore on PostgreSQL: %v, want refused, pointing at pg_restore", err)
	}
	if _, err := os.Stat(env["CITYHUB_DATA_DIR"]); err == nil {
		t.Error("restore on PostgreSQL made the data directory")
	}
}
