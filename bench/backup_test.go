package bench

import (
	"context"
	"database/sql"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"testing"
	"time"

	_ "modernc.org/sqlite"

	"cityhub/store/sqlite"
	"cityhub/store/storetest"
	"cityhub/wallet"
)

// TestBackupRestoreTimes measures cityhub backup (VACUUM INTO) and restore
// (integrity check, then copy) of an embedded database holding a million
// ledger entries, against the baseline of copying the same file with
// io.Copy in the same run. It takes minutes to fill the database, so it
// runs only with CITYHUB_BENCH_BACKUP=1:
//
//	CITYHUB_BENCH_BACKUP=1 go test -run TestBackupRestoreTimes -v -timeout 30m ./bench/
func TestBackupRestoreTimes(t *testing.T) {
	if os.Getenv("CITYHUB_BENCH_BACKUP") == "" {
		t.Skip("fills a database of 1,000,000 ledger entries: set CITYHUB_BENCH_BACKUP=1")
	}
	const transfers = 500_000 // two entries each
	ctx := context.Background()
	dir := filepath.Join(t.TempDir(), "data")
	path := filepath.Join(dir, "cityhub.db")
	db, err := sqlite.Open(ctx, path, storetest.Logger(t))
	if err != nil {
		t.Fatal(err)
	}
	svc := wallet.NewService(db.Wallet(), storetest.Logger(t))
	if err := svc.Setup(ctx); err != nil {
		t.Fatal(err)
	}
	const citizens = 1000
	err = db.Wallet().InTx(ctx, func(tx wallet.Tx) error {
		for i := range citizens {
			if err := tx.EnsureAccount(ctx, wallet.Account{ID: wallet.AccountID(fmt.Sprintf("revenue:b%04d", i)), Kind: wallet.KindRevenue}); err != nil {
				return err
			}
		}
		return tx.EnsureAccount(ctx, wallet.Account{ID: wallet.CityFunding, Kind: wallet.KindCityFunding})
	})
	if err != nil {
		t.Fatal(err)
	}
	db.Close()

	// The rows a posting writes, written in bulk: posting them one by one
	// would measure the ledger, not the backup. The balance trigger keeps
	// the cached balances true, so the ledger check still passes.
	start := time.Now()
	raw, err := sql.Open("sqlite", "file:"+path+"?_pragma=journal_mode(WAL)&_pragma=synchronous(OFF)&_pragma=foreign_keys(ON)")
	if err != nil {
		t.Fatal(err)
	}
	raw.SetMaxOpenConns(1)
	tx, err := raw.Begin()
	if err != nil {
		t.Fatal(err)
	}
	insTx, err := tx.Prepare(`INSERT INTO ledger_transactions (id, idem_key, kind, memo, created_at) VALUES (?, ?, 'bench.transfer', 'backup bench', ?)`)
	if err != nil {
		t.Fatal(err)
	}
	insEntry, err := tx.Prepare(`INSERT INTO ledger_entries (transaction_id, account_id, amount, created_at) VALUES (?, ?, ?, ?)`)
	if err != nil {
		t.Fatal(err)
	}
	now := time.Now().UnixMicro()
	for i := range transfers {
		id := fmt.Sprintf("tx_bench%012d", i)
		amount := int64(i%5000 + 1)
		if _, err := insTx.Exec(id, "bench-"+id, now+int64(i)); err != nil {
			t.Fatal(err)
		}
		if _, err := insEntry.Exec(id, string(wallet.CityFunding), -amount, now+int64(i)); err != nil {
			t.Fatal(err)
		}
		if _, err := insEntry.Exec(id, fmt.Sprintf("revenue:b%04d", i%citizens), amount, now+int64(i)); err != nil {
			t.Fatal(err)
		}
	}
	if err := tx.Commit(); err != nil {
		t.Fatal(err)
	}
	if _, err := raw.Exec(`PRAGMA wal_checkpoint(TRUNCATE)`); err != nil {
		t.Fatal(err)
	}
	raw.Close()
	st, err := os.Stat(path)
	if err != nil {
		t.Fatal(err)
	}
	t.Logf("filled %d ledger entries (%.0f MB) in %s", 2*transfers, float64(st.Size())/1e6, time.Since(start).Round(time.Second))

	out := t.TempDir()
	start = time.Now()
	if err := copyPlain(path, filepath.Join(out, "plain.db")); err != nil {
		t.Fatal(err)
	}
	plain := time.Since(start)

	backup := filepath.Join(out, "hub.backup")
	start = time.Now()
	if err := sqlite.Backup(ctx, path, backup); err != nil {
		t.Fatal(err)
	}
	backupTime := time.Since(start)

	restored := filepath.Join(out, "restored")
	start = time.Now()
	if err := sqlite.Restore(ctx, backup, restored, "cityhub.db"); err != nil {
		t.Fatal(err)
	}
	restoreTime := time.Since(start)

	back, err := sqlite.Open(ctx, filepath.Join(restored, "cityhub.db"), storetest.Logger(t))
	if err != nil {
		t.Fatal(err)
	}
	defer back.Close()
	start = time.Now()
	check, err := wallet.NewService(back.Wallet(), storetest.Logger(t)).Check(ctx)
	if err != nil || !check.OK() || check.Entries != 2*transfers {
		t.Fatalf("ledger check of the restored copy: %+v, %v", check, err)
	}
	checkTime := time.Since(start)
	bst, _ := os.Stat(backup)
	t.Logf("database %.0f MB, backup %.0f MB", float64(st.Size())/1e6, float64(bst.Size())/1e6)
	t.Logf("baseline: plain file copy %s", plain.Round(time.Millisecond))
	t.Logf("cityhub backup (VACUUM INTO): %s (%.1fx the plain copy)", backupTime.Round(time.Millisecond), float64(backupTime)/float64(plain))
	t.Logf("cityhub restore (integrity check, VACUUM INTO, the copy checked again): %s (%.1fx the plain copy)", restoreTime.Round(time.Millisecond), float64(restoreTime)/float64(plain))
	t.Logf("ledger check of the restored copy (%d entries): %s", check.Entries, checkTime.Round(time.Millisecond))
}

func copyPlain(src, dst string) error {
	in, err := os.Open(src)
	if err != nil {
		return err
	}
	defer in.Close()
	out, err := os.Create(dst)
	if err != nil {
		return err
	}
	if _, err := io.Copy(out, in); err != nil {
		out.Close()
		return err
	}
	if err := out.Sync(); err != nil {
		out.Close()
		return err
	}
	return out.Close()
}
