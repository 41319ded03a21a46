package main

import (
	"context"
	"database/sql"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	_ "modernc.org/sqlite"

	"cityhub/internal/testutil"
	"cityhub/store"
	"cityhub/store/sqlite"
	"cityhub/store/storetest"
	"cityhub/wallet"
)

// TestBackupDuringTransfersRestoresACommittedState backs up the embedded
// database with the real command while wallet transfers commit on it, then
// restores the copy into a new data directory. The restored ledger must
// pass its check and hold exactly the transactions committed up to one
// moment: every transfer that had committed before the backup began, none
// that had not begun when it ended, and the same entries as the live
// database up to the copy's last one (the single writer commits entries in
// id order, so a consistent copy is a prefix of the live history).
func TestBackupDuringTransfersRestoresACommittedState(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	dir := filepath.Join(t.TempDir(), "data")
	live, err := sqlite.Open(ctx, filepath.Join(dir, store.SQLiteFile), storetest.Logger(t))
	if err != nil {
		t.Fatal(err)
	}
	defer live.Close()
	load := startTransferLoad(t, ctx, live.Wallet(), 4)
	before, started := load.waitEnough(t)

	file := filepath.Join(t.TempDir(), "hub.backup")
	env := map[string]string{"CITYHUB_DATA_DIR": dir}
	var out, errOut testutil.Buffer
	backupErr := run(ctx, []string{"backup", file}, testGetenv(env), &out, &errOut)
	begunByEnd := load.seq.Load()
	load.halt(t)
	if backupErr != nil {
		t.Fatalf("backup: %v\n%s", backupErr, errOut.String())
	}
	t.Logf("backup: %s", strings.TrimSpace(out.String()))
	if st, err := os.Stat(file); err != nil || st.Mode().Perm() != 0o600 {
		t.Fatalf("backup file: %v, mode %v; want 0600", err, st.Mode().Perm())
	}
	if load.seq.Load() <= started {
		t.Fatalf("no transfer ran during the backup")
	}

	// A second backup to the same file is refused and leaves it alone.
	if err := run(ctx, []string{"backup", file}, testGetenv(env), &out, &errOut); err == nil || !strings.Contains(err.Error(), "already exists") {
		t.Fatalf("backup over an existing file: %v, want refused", err)
	}

	restored := filepath.Join(t.TempDir(), "restored")
	renv := map[string]string{"CITYHUB_DATA_DIR": restored}
	if err := run(ctx, []string{"restore", file}, testGetenv(renv), &out, &errOut); err != nil {
		t.Fatalf("restore: %v\n%s", err, errOut.String())
	}
	for p, want := range map[string]os.FileMode{restored: 0o700, filepath.Join(restored, store.SQLiteFile): 0o600} {
		if st, err := os.Stat(p); err != nil || st.Mode().Perm() != want {
			t.Fatalf("%s: %v, want mode %04o", p, err, want)
		}
	}
	// Restoring again, now that the directory holds a database, is refused.
	if err := run(ctx, []string{"restore", file}, testGetenv(renv), &out, &errOut); err == nil || !strings.Contains(err.Error(), "not empty") {
		t.Fatalf("restore into a non-empty directory: %v, want refused", err)
	}

	back, err := sqlite.Open(ctx, filepath.Join(restored, store.SQLiteFile), storetest.Logger(t))
	if err != nil {
		t.Fatal(err)
	}
	defer back.Close()
	check, err := wallet.NewService(back.Wallet(), storetest.Logger(t)).Check(ctx)
	if err != nil || !check.OK() {
		t.Fatalf("ledger check of the restored hub: %+v, %v", check, err)
	}

	keys := transactionKeys(t, filepath.Join(restored, store.SQLiteFile), "test.transfer")
	for k := range before {
		if !keys[k] {
			t.Fatalf("transfer %s committed before the backup began is missing from it", k)
		}
	}
	for k := range keys {
		var n int64
		fmt.Sscanf(k, "load-%d", &n)
		if n > begunByEnd {
			t.Fatalf("transfer %s began after the backup ended but is in it", k)
		}
	}
	// The copy is the live history cut at one commit: same entries up to
	// the copy's last entry id, and each of its transactions whole.
	liveCount, liveSum := entriesUpTo(t, filepath.Join(dir, store.SQLiteFile), maxEntryID(t, filepath.Join(restored, store.SQLiteFile)))
	backCount, backSum := entriesUpTo(t, filepath.Join(restored, store.SQLiteFile), 1<<62)
	if liveCount != backCount || liveSum != backSum {
		t.Fatalf("backup holds %d entries (sum %d), the live database %d (sum %d) up to the same entry", backCount, backSum, liveCount, liveSum)
	}
	if check.Transactions != int64(len(keys))+setupTransactions(t, filepath.Join(restored, store.SQLiteFile)) {
		t.Fatalf("ledger check counts %d transactions, the copy holds %d transfers", check.Transactions, len(keys))
	}
	t.Logf("backup holds %d of %d transfers (%d committed before it began); %d entries", len(keys), len(load.committedNow()), len(before), backCount)
}

func openRO(t *testing.T, path string) *sql.DB {
	t.Helper()
	db, err := sql.Open("sqlite", "file:"+path+"?mode=ro&_pragma=busy_timeout(10000)")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	return db
}

func transactionKeys(t *testing.T, path, kind string) map[string]bool {
	t.Helper()
	rows, err := openRO(t, path).Query(`SELECT idem_key FROM ledger_transactions WHERE kind = ?`, kind)
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	out := map[string]bool{}
	for rows.Next() {
		var k string
		if err := rows.Scan(&k); err != nil {
			t.Fatal(err)
		}
		out[k] = true
	}
	if err := rows.Err(); err != nil {
		t.Fatal(err)
	}
	return out
}

func maxEntryID(t *testing.T, path string) int64 {
	t.Helper()
	var id int64
	if err := openRO(t, path).QueryRow(`SELECT COALESCE(MAX(id), 0) FROM ledger_entries`).Scan(&id); err != nil {
		t.Fatal(err)
	}
	return id
}

func entriesUpTo(t *testing.T, path string, id int64) (count, sum int64) {
	t.Helper()
	err := openRO(t, path).QueryRow(`SELECT COUNT(*), COALESCE(SUM(ABS(amount)), 0) FROM ledger_entries WHERE id <= ?`, id).Scan(&count, &sum)
	if err != nil {
		t.Fatal(err)
	}
	return count, sum
}

func setupTransactions(t *testing.T, path string) int64 {
	t.Helper()
	var n int64
	if err := openRO(t, path).QueryRow(`SELECT COUNT(*) FROM ledger_transactions WHERE kind <> 'test.transfer'`).Scan(&n); err != nil {
		t.Fatal(err)
	}
	return n
}

func openRW(t *testing.T, path string) *sql.DB {
	t.Helper()
	db, err := sql.Open("sqlite", "file:"+path+"?_pragma=busy_timeout(10000)")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	return db
}

// TestRestoreRefusesWhatIsNotACityhubDatabase: a file that is not SQLite, a
// SQLite file without cityhub's migrations and a damaged copy are refused,
// and the data directory stays empty.
func TestRestoreRefusesWhatIsNotACityhubDatabase(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	tmp := t.TempDir()
	text := filepath.Join(tmp, "notes.txt")
	if err := os.WriteFile(text, []byte(strings.Repeat("not a database\n", 400)), 0o600); err != nil {
		t.Fatal(err)
	}
	other := filepath.Join(tmp, "other.db")
	db := openRW(t, other)
	if _, err := db.Exec(`CREATE TABLE t (x INTEGER); INSERT INTO t VALUES (1)`); err != nil {
		t.Fatal(err)
	}
	db.Close()
	// A real backup with a page in the middle overwritten.
	live := filepath.Join(tmp, "live", store.SQLiteFile)
	hub, err := sqlite.Open(ctx, live, storetest.Logger(t))
	if err != nil {
		t.Fatal(err)
	}
	hub.Close()
	damaged := filepath.Join(tmp, "damaged.db")
	if err := sqlite.Backup(ctx, live, damaged); err != nil {
		t.Fatal(err)
	}
	b, err := os.ReadFile(damaged)
	if err != nil {
		t.Fatal(err)
	}
	for i := 4096 * 3; i < 4096*5 && i < len(b); i++ {
		b[i] = 0xA5
	}
	if err := os.WriteFile(damaged, b, 0o600); err != nil {
		t.Fatal(err)
	}
	for file, says := range map[string]string{
		text:                          "not a readable SQLite database",
		other:                         "not a cityhub database",
		damaged:                       "malformed",
		filepath.Join(tmp, "missing"): "no such file",
	} {
		dir := filepath.Join(t.TempDir(), "data")
		env := map[string]string{"CITYHUB_DATA_DIR": dir}
		var out, errOut testutil.Buffer
		err := run(ctx, []string{"restore", file}, testGetenv(env), &out, &errOut)
		t.Logf("restore %s: %v", filepath.Base(file), err)
		if err == nil || !strings.Contains(err.Error(), says) {
			t.Errorf("restore %s: %v, want refused saying %q", filepath.Base(file), err, says)
		}
		if entries, _ := os.ReadDir(dir); len(entries) > 0 {
			t.Errorf("restore %s left %d files in the data directory", filepath.Base(file), len(entries))
		}
	}
}
