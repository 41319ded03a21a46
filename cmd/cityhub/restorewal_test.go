package main

import (
	"bytes"
	"context"
	"database/sql"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"cityhub/internal/testutil"
	"cityhub/store"
	"cityhub/store/sqlite"
	"cityhub/store/storetest"
)

// TestRestoreFromAWALDatabaseRestoresItWhole restores straight from a hub's
// database file while what was last committed is still only in its -wal:
// from the data directory of a running hub, and from a copy of one that was
// killed (its cityhub.db, -wal and -shm, as after kill -9, or as the
// README's "mv /var/lib/cityhub /var/lib/cityhub.old" leaves them). The
// restored file must hold everything the source did, tables and rows, with
// no -wal beside it; the source files are left as they were.
func TestRestoreFromAWALDatabaseRestoresItWhole(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	dir := filepath.Join(t.TempDir(), "data")
	livePath := filepath.Join(dir, store.SQLiteFile)
	live, err := sqlite.Open(ctx, livePath, storetest.Logger(t))
	if err != nil {
		t.Fatal(err)
	}
	defer live.Close()
	// A row committed through another connection that never checkpoints:
	// it is in the -wal only while the hub runs.
	w, err := sql.Open("sqlite", "file:"+livePath+"?_pragma=busy_timeout(10000)&_pragma=wal_autocheckpoint(0)")
	if err != nil {
		t.Fatal(err)
	}
	if _, err := w.ExecContext(ctx, `INSERT INTO audit_log (at, action, object_id) VALUES (1, 'restorewal.marker', 'only-in-the-wal')`); err != nil {
		t.Fatal(err)
	}
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
	if st, err := os.Stat(livePath + "-wal"); err != nil || st.Size() == 0 {
		t.Fatalf("the live database has no -wal to test with: %v", err)
	}
	if st, err := os.Stat(livePath); err == nil {
		t.Logf("live database: %d bytes in %s, the rest in its -wal", st.Size(), store.SQLiteFile)
	}

	// What kill -9 leaves: the three files as they are while the hub runs;
	// and the same copied without the -shm (cp cityhub.db cityhub.db-wal).
	copyFiles := func(suffixes ...string) string {
		d := filepath.Join(t.TempDir(), "cityhub.old")
		if err := os.Mkdir(d, 0o700); err != nil {
			t.Fatal(err)
		}
		for _, suffix := range suffixes {
			b, err := os.ReadFile(livePath + suffix)
			if err != nil {
				t.Fatal(err)
			}
			if err := os.WriteFile(filepath.Join(d, store.SQLiteFile+suffix), b, 0o600); err != nil {
				t.Fatal(err)
			}
		}
		return filepath.Join(d, store.SQLiteFile)
	}
	crashedPath := copyFiles("", "-wal", "-shm")
	noSHMPath := copyFiles("", "-wal")
	sources := map[string][]byte{}
	for _, p := range []string{crashedPath, crashedPath + "-wal", noSHMPath, noSHMPath + "-wal"} {
		b, err := os.ReadFile(p)
		if err != nil {
			t.Fatal(err)
		}
		sources[p] = b
	}

	for name, src := range map[string]string{"running hub": livePath, "killed hub": crashedPath, "killed hub without -shm": noSHMPath} {
		t.Run(name, func(t *testing.T) {
			restored := filepath.Join(t.TempDir(), "restored")
			env := map[string]string{"CITYHUB_DATA_DIR": restored}
			var out, errOut testutil.Buffer
			if err := run(ctx, []string{"restore", src}, testGetenv(env), &out, &errOut); err != nil {
				t.Fatalf("restore from %s: %v\n%s", src, err, errOut.String())
			}
			t.Logf("restore: %s", strings.TrimSpace(out.String()))
			// Only the database file: no -wal the copy would depend on,
			// and no temporary file left over.
			entries, err := os.ReadDir(restored)
			if err != nil {
				t.Fatal(err)
			}
			if len(entries) != 1 || entries[0].Name() != store.SQLiteFile {
				var names []string
				for _, e := range entries {
					names = append(names, e.Name())
				}
				t.Fatalf("restored data directory holds %v, want only %s", names, store.SQLiteFile)
			}
			for p, want := range map[string]os.FileMode{restored: 0o700, filepath.Join(restored, store.SQLiteFile): 0o600} {
				if st, err := os.Stat(p); err != nil || st.Mode().Perm() != want {
					t.Fatalf("%s: %v, want mode %04o", p, err, want)
				}
			}
			var n int
			if err := openRO(t, filepath.Join(restored, store.SQLiteFile)).QueryRowContext(ctx,
				`SELECT COUNT(*) FROM audit_log WHERE action = 'restorewal.marker' AND object_id = 'only-in-the-wal'`).Scan(&n); err != nil {
				t.Fatalf("restored database: %v", err)
			}
			if n != 1 {
				t.Fatalf("restored database holds %d marker rows, want the 1 committed in the -wal", n)
			}
			// And the hub starts on it.
			back, err := sqlite.Open(ctx, filepath.Join(restored, store.SQLiteFile), storetest.Logger(t))
			if err != nil {
				t.Fatalf("open the restored database: %v", err)
			}
			back.Close()
		})
	}

	// Restoring read the killed hub's files and changed none.
	for p, want := range sources {
		if b, err := os.ReadFile(p); err != nil || !bytes.Equal(b, want) {
			t.Errorf("restore changed the source file %s (%v)", p, err)
		}
	}
}
