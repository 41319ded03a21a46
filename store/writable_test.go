package store_test

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strings"
	"testing"

	"cityhub/store"
)

// openAsEnv, set, makes TestOpenNotWritable the child that opens the
// database at its value as the unprivileged user and prints the error.
const openAsEnv = "CITYHUB_TEST_STORE_OPEN_AS_USER"

// A data directory or a database file that the hub's user cannot write
// stops the open with the path, the cause and the setting. SQLite said only "migrate:
// create schema_migrations: attempt to write a readonly database (1544)"
// for a directory it could not create its journal in. Root writes
// anything, so as root the open runs in a copy of the test as nobody.
func TestOpenNotWritable(t *testing.T) {
	if path := os.Getenv(openAsEnv); path != "" {
		db, err := store.Open(context.Background(), "", filepath.Dir(path), slog.New(slog.DiscardHandler))
		if err == nil {
			db.Close()
		}
		fmt.Printf("OPEN-RESULT: %v\n", err)
		return
	}
	if runtime.GOOS == "windows" {
		t.Skip("permissions are ACLs on Windows")
	}
	asRoot := os.Geteuid() == 0
	if asRoot {
		if _, err := exec.LookPath("setpriv"); err != nil {
			t.Skip("as root, the test needs setpriv to open as another user")
		}
	}
	base, err := os.MkdirTemp("", "cityhub-notwritable-")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { os.RemoveAll(base) })
	if err := os.Chmod(base, 0o755); err != nil {
		t.Fatal(err)
	}
	for _, c := range []struct {
		name     string
		dirMode  os.FileMode
		fileMode os.FileMode
		want     string
	}{
		{"directory", 0o500, 0o600, "data directory " + filepath.Join(base, "directory") + " cannot be written"},
		{"file", 0o700, 0o400, "database file " + filepath.Join(base, "file", "cityhub.db") + " cannot be written"},
	} {
		t.Run(c.name, func(t *testing.T) {
			dir := filepath.Join(base, c.name)
			path := filepath.Join(dir, "cityhub.db")
			db, err := store.Open(context.Background(), "", dir, slog.New(slog.DiscardHandler))
			if err != nil {
				t.Fatal(err)
			}
			db.Close()
			for _, p := range []string{path + "-wal", path + "-shm"} {
				os.Remove(p) // a closed database has none to keep
			}
			if asRoot {
				for _, p := range []string{dir, path} {
					if err := os.Chown(p, 65534, 65534); err != nil {
						t.Fatal(err)
					}
				}
			}
			if err := os.Chmod(path, c.fileMode); err != nil {
				t.Fatal(err)
			}
			if err := os.Chmod(dir, c.dirMode); err != nil {
				t.Fatal(err)
			}
			t.Cleanup(func() { os.Chmod(dir, 0o700) })
			got := openAs(t, base, path, asRoot)
			if !strings.Contains(got, c.want) || !strings.Contains(got, "permission denied") || !strings.Contains(got, "CITYHUB_DATA_DIR") {
				t.Fatalf("open: %s\nwant %q and the cause", got, c.want)
			}
		})
	}
}

// openAs opens path and returns the error's text: in this process, or, as
// root, in a copy of the test binary run as nobody.
func openAs(t *testing.T, base, path string, asRoot bool) string {
	t.Helper()
	if !asRoot {
		db, err := store.Open(context.Background(), "", filepath.Dir(path), slog.New(slog.DiscardHandler))
		if err == nil {
			db.Close()
			return "<nil>"
		}
		return err.Error()
	}
	bin := filepath.Join(base, "store.test")
	if _, err := os.Stat(bin); err != nil {
		src, err := os.Open(os.Args[0])
		if err != nil {
			t.Fatal(err)
		}
		defer src.Close()
		dst, err := os.OpenFile(bin, os.O_CREATE|os.O_WRONLY, 0o755)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := io.Copy(dst, src); err != nil {
			t.Fatal(err)
		}
		if err := dst.Close(); err != nil {
			t.Fatal(err)
		}
	}
	cmd := exec.Command("setpriv", "--reuid=65534", "--regid=65534", "--clear-groups", "--",
		bin, "-test.run=^TestOpenNotWritable$", "-test.count=1")
	cmd.Env = append(os.Environ(), openAsEnv+"="+path, "HOME="+base)
	out, err := cmd.CombinedOutput()
	if err != nil {
		t.Fatalf("the open as nobody: %v\n%s", err, out)
	}
	_, result, ok := strings.Cut(string(out), "OPEN-RESULT: ")
	if !ok {
		t.Fatalf("the open as nobody said nothing:\n%s", out)
	}
	result, _, _ = strings.Cut(result, "\n")
	return result
}
