package sqlite_test

import (
	"context"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"testing"

	"cityhub/store/sqlite"
	"cityhub/store/storetest"
)

func mode(t *testing.T, path string) os.FileMode {
	t.Helper()
	st, err := os.Stat(path)
	if err != nil {
		t.Fatal(err)
	}
	return st.Mode().Perm()
}

// The database holds the signing keys: its directory is made 0700 and the
// file and its journals 0600 whatever the umask, and a start on a file or
// directory others may read is refused with the chmod that fixes it. (The
// file used to be created 0644, and a token forged with its keys was
// accepted.)
func TestDatabaseFileIsPrivate(t *testing.T) {
	if runtime.GOOS == "windows" {
		t.Skip("mode bits")
	}
	ctx := context.Background()
	dir := filepath.Join(t.TempDir(), "data")
	path := filepath.Join(dir, "cityhub.db")
	db, err := sqlite.Open(ctx, path, storetest.Logger(t))
	if err != nil {
		t.Fatal(err)
	}
	if _, err := db.Keyring().SigningKeys(ctx); err != nil { // a read: the -shm exists
		t.Fatal(err)
	}
	for p, want := range map[string]os.FileMode{dir: 0o700, path: 0o600, path + "-wal": 0o600, path + "-shm": 0o600} {
		if got := mode(t, p); got != want {
			t.Errorf("%s: mode %04o, want %04o", filepath.Base(p), got, want)
		}
	}
	db.Close()

	// A closed database has no journal files; one left by a crash counts too.
	if err := os.WriteFile(path+"-wal", nil, 0o600); err != nil {
		t.Fatal(err)
	}
	for _, c := range []struct {
		path string
		mode os.FileMode
		fix  string
	}{
		{path, 0o644, "chmod 600 " + path + "*"},
		{path + "-wal", 0o640, "chmod 600 " + path + "*"},
		{dir, 0o755, "chmod 700 " + dir},
	} {
		before := mode(t, c.path)
		if err := os.Chmod(c.path, c.mode); err != nil {
			t.Fatal(err)
		}
		if _, err := sqlite.Open(ctx, path, storetest.Logger(t)); err == nil || !strings.Contains(err.Error(), c.fix) {
			t.Errorf("%s at %04o: %v; want a refusal that says %q", filepath.Base(c.path), c.mode, err, c.fix)
		}
		if err := os.Chmod(c.path, before); err != nil {
			t.Fatal(err)
		}
	}
	if err := os.Remove(path + "-wal"); err != nil {
		t.Fatal(err)
	}
	db, err = sqlite.Open(ctx, path, storetest.Logger(t))
	if err != nil {
		t.Fatalf("private again: %v", err)
	}
	db.Close()

	// An empty directory holds nothing yet: it is made private, not refused.
	empty := t.TempDir()
	if err := os.Chmod(empty, 0o755); err != nil {
		t.Fatal(err)
	}
	db, err = sqlite.Open(ctx, filepath.Join(empty, "cityhub.db"), storetest.Logger(t))
	if err != nil {
		t.Fatalf("empty open directory: %v", err)
	}
	db.Close()
	if got := mode(t, empty); got != 0o700 {
		t.Errorf("empty directory left at %04o, want 0700", got)
	}
}

// The writer's connection, which makes every write, commits durably: with
// synchronous FULL a commit answered is on disk, also after a power cut
// (NORMAL, in WAL mode, may lose the last ones).
func TestCommitsAreDurable(t *testing.T) {
	db := storetest.OpenSQLite(t)
	var level int
	if err := db.Writer().QueryRowContext(context.Background(), `PRAGMA synchronous`).Scan(&level); err != nil {
		t.Fatal(err)
	}
	if level != 2 {
		t.Fatalf("synchronous = %d, want 2 (FULL)", level)
	}
}
