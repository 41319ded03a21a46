package sqlite_test

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"cityhub/store/sqlite"
	"cityhub/store/storetest"
)

// A data directory that is not empty is refused, with how many entries it
// holds said in the right number: it said "(1 entries)".
func TestRestoreRefusesADirectoryNotEmpty(t *testing.T) {
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), "cityhub.db")
	db, err := sqlite.Open(ctx, path, storetest.Logger(t))
	if err != nil {
		t.Fatal(err)
	}
	db.Close()
	file := filepath.Join(t.TempDir(), "backup.db")
	if err := sqlite.Backup(ctx, path, file); err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	for i, want := range []string{"(1 entry)", "(2 entries)"} {
		if err := os.WriteFile(filepath.Join(dir, "kept"+string(rune('a'+i))), nil, 0o600); err != nil {
			t.Fatal(err)
		}
		err := sqlite.Restore(ctx, file, dir, "cityhub.db")
		if err == nil || !strings.Contains(err.Error(), "is not empty "+want) {
			t.Errorf("restore into a directory holding %d: %v, want it refused saying %s", i+1, err, want)
		}
	}
}
