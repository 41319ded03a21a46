package main

import (
	"context"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"cityhub/demo"
	"cityhub/internal/testutil"
)

// demoEnv is a demo's environment on dir, on free ports.
func demoEnv(dir string) map[string]string {
	return map[string]string{
		"CITYHUB_HTTP_ADDR":        "127.0.0.1:0",
		"CITYHUB_DATA_DIR":         dir,
		"CITYHUB_MQTT_BROKER_ADDR": "127.0.0.1:0",
		"CITYHUB_ADMIN_PASSWORD":   "a long enough password",
		"CITYHUB_LOG_LEVEL":        "warn",
	}
}

// startDemoOnce runs `cityhub demo` until it listens, stops it and returns
// what it printed; it fails the test if the demo fails or hangs.
func startDemoOnce(t *testing.T, env map[string]string) string {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 90*time.Second)
	defer cancel()
	var stdout, stderr testutil.Buffer
	done := make(chan error, 1)
	go func() { done <- run(ctx, []string{"demo"}, testGetenv(env), &stdout, &stderr) }()
	for !strings.Contains(stdout.String(), "listening on") {
		select {
		case err := <-done:
			t.Fatalf("demo ended before listening: %v\nstdout:\n%s\nstderr:\n%s", err, stdout.String(), stderr.String())
		case <-time.After(50 * time.Millisecond):
		}
	}
	cancel()
	if err := <-done; err != nil {
		t.Fatalf("demo: %v", err)
	}
	return stdout.String()
}

// After create-admin and migrate, the data directory is a city's: cityhub
// demo on it refuses, saying it is not a demo database and to use serve
// or a fresh data directory, and adds nothing (no demo logins, no station
// credentials; the refusal comes before the first demo account). It used
// to add a second administrator, shops, stations and credit, and later
// refused only once the hub was wired on it.
func TestDemoRefusesAProductionDatabase(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	env := demoEnv(dir)
	ctx, cancel := context.WithTimeout(context.Background(), 90*time.Second)
	defer cancel()
	if err := run(ctx, []string{"create-admin", "-email", "sindaco@comune.example"}, testGetenv(env), io.Discard, io.Discard); err != nil {
		t.Fatalf("create-admin: %v", err)
	}
	if err := run(ctx, []string{"migrate"}, testGetenv(env), io.Discard, io.Discard); err != nil {
		t.Fatalf("migrate: %v", err)
	}
	var stdout, stderr testutil.Buffer
	env["CITYHUB_LOG_LEVEL"] = "info"
	err := run(ctx, []string{"demo"}, testGetenv(env), &stdout, &stderr)
	env["CITYHUB_LOG_LEVEL"] = "warn"
	if err == nil {
		t.Fatalf("demo on a database with a city administrator started\nstdout:\n%s", stdout.String())
	}
	for _, want := range []string{"not a demo database", "cityhub serve", "CITYHUB_DATA_DIR"} {
		if !strings.Contains(err.Error(), want) {
			t.Errorf("demo = %v; want it to say %q", err, want)
		}
	}
	if strings.Contains(stdout.String(), "listening on") || strings.Contains(stdout.String(), "demo.cityhub.test") {
		t.Errorf("the refused demo started or printed demo logins:\n%s", stdout.String())
	}
	for _, f := range []string{demo.LoginsFile, "demo-stations.credentials"} {
		if _, err := os.Stat(filepath.Join(dir, f)); !os.IsNotExist(err) {
			t.Errorf("the refused demo wrote %s: %v", f, err)
		}
	}
	// The refusal comes before the store is opened for use: nothing was
	// started on the city's database (it used to start the broker and the
	// hub's work, and make signing keys where there were none).
	for _, started := range []string{"embedded MQTT broker listening", "mqtt ready", "no SMTP server configured"} {
		if strings.Contains(stderr.String(), started) {
			t.Errorf("the refused demo logged %q:\n%s", started, stderr.String())
		}
	}
	// serve still starts on it: the refusal is the demo's only.
	startHub(t, []string{"serve"}, env)
}

// A demo database stays one: an account added to it later (here an
// administrator made by create-admin) does not stop the next demo start.
func TestDemoRestartsOnItsOwnDatabase(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	env := demoEnv(dir)
	startDemoOnce(t, env)
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	if err := run(ctx, []string{"create-admin", "-email", "prova@comune.example"}, testGetenv(env), io.Discard, io.Discard); err != nil {
		t.Fatalf("create-admin: %v", err)
	}
	if out := startDemoOnce(t, env); !strings.Contains(out, "comune@demo.cityhub.test") {
		t.Errorf("the second demo start printed no demo logins:\n%s", out)
	}
}

// The demo's files of secrets end 0600 even when they were there with a
// wider mode (copied in, made by hand): os.WriteFile's mode is only for a
// file it creates, so they used to stay readable by every user.
func TestDemoSecretsFilesArePrivate(t *testing.T) {
	t.Parallel()
	dir := filepath.Join(t.TempDir(), "data")
	if err := os.Mkdir(dir, 0o700); err != nil {
		t.Fatal(err)
	}
	for _, f := range []string{demo.LoginsFile, "demo-stations.credentials"} {
		if err := os.WriteFile(filepath.Join(dir, f), []byte("{}"), 0o644); err != nil {
			t.Fatal(err)
		}
		if err := os.Chmod(filepath.Join(dir, f), 0o644); err != nil { // whatever the umask
			t.Fatal(err)
		}
	}
	startDemoOnce(t, demoEnv(dir))
	for _, f := range []string{demo.LoginsFile, "demo-stations.credentials"} {
		info, err := os.Stat(filepath.Join(dir, f))
		if err != nil {
			t.Fatal(err)
		}
		if info.Mode().Perm() != 0o600 {
			t.Errorf("%s is %v after the demo wrote it, want 0600", f, info.Mode().Perm())
		}
	}
}

// migrate names the database it brought up to date: without a setting it
// is the embedded file of the data directory, and the line says where.
func TestMigrateSaysWhichDatabase(t *testing.T) {
	t.Parallel()
	dir := hubDataDir(t)
	var stderr testutil.Buffer
	if err := run(context.Background(), []string{"migrate"}, testGetenv(map[string]string{"CITYHUB_DATA_DIR": dir}), io.Discard, &stderr); err != nil {
		t.Fatal(err)
	}
	if want := filepath.Join(dir, "cityhub.db"); !strings.Contains(stderr.String(), "schema is current") || !strings.Contains(stderr.String(), want) {
		t.Fatalf("migrate said %q, want the schema current in %s", stderr.String(), want)
	}
}
