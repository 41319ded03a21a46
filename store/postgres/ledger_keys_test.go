package postgres_test

import (
	"context"
	"errors"
	"strings"
	"testing"
	"time"

	"cityhub/apperr"
	"cityhub/internal/testutil"
	"cityhub/store/postgres"
	"cityhub/store/storetest"
	"cityhub/wallet"
)

// A key posted before transaction ids were made from keys (migration 1021)
// keeps its transaction's random id, which no new posting's id can meet:
// every way of posting finds the key among those posted before, and
// answers the first posting (a replay), or refuses the key, and never
// posts the money twice.
func TestKeyPostedBeforeIdsFromKeys(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	citizen, revenue := wallet.CitizenAccount("old-keys"), wallet.AccountID("revenue:old-keys")
	db, svc := openLedger(t, revenue)
	if err := db.Wallet().InTx(ctx, func(tx wallet.Tx) error { return wallet.OpenCitizen(ctx, tx, "old-keys") }); err != nil {
		t.Fatal(err)
	}
	// Two postings as an older release wrote them: ids of their own.
	fund, sale := move("old-fund", wallet.CityFunding, citizen, 1000), move("old-sale", citizen, revenue, 300)
	for i, tr := range []wallet.Transaction{fund, sale} {
		posted, err := svc.Post(ctx, tr)
		if err != nil {
			t.Fatal(err)
		}
		old := []string{"ltx_0000000000000000000000fund", "ltx_0000000000000000000000sale"}[i]
		renameTransaction(t, db, posted.ID, old)
	}
	// The same again, at once (Post: the guarded statement, and the plain
	// one for two accounts without a floor) and at COMMIT (ledger_transfer).
	for _, tr := range []wallet.Transaction{fund, sale, move("old-fund", wallet.CityFunding, citizen, 1000)} {
		err := db.Wallet().InTx(ctx, func(tx wallet.Tx) error {
			again, err := wallet.Post(ctx, tx, tr, time.Now())
			if err != nil {
				return err
			}
			if !again.Replayed || !strings.HasPrefix(again.ID, "ltx_") {
				t.Errorf("%s posted again at once: replayed %v, id %s", tr.Key, again.Replayed, again.ID)
			}
			return nil
		})
		if err != nil {
			t.Fatalf("%s at once: %v", tr.Key, err)
		}
		err = db.Wallet().InTx(ctx, func(tx wallet.Tx) error { return wallet.PostAtCommit(ctx, tx, tr, time.Now()) })
		testutil.WantCode(t, err, apperr.Conflict)
		if apperr.ReasonOf(err) != wallet.ReasonKeyTaken {
			t.Fatalf("%s at commit: %v, want %s", tr.Key, err, wallet.ReasonKeyTaken)
		}
		again, err := svc.Post(ctx, tr)
		if err != nil || !again.Replayed {
			t.Fatalf("%s through the service: replayed %v, %v", tr.Key, again.Replayed, err)
		}
	}
	// Between two accounts without a floor: the store's plain statement.
	free := move("old-free", wallet.CityFunding, revenue, 50)
	posted, err := svc.Post(ctx, free)
	if err != nil {
		t.Fatal(err)
	}
	renameTransaction(t, db, posted.ID, "ltx_0000000000000000000000free")
	for range 2 { // the second time the floor cache knows both accounts
		err = db.Wallet().InTx(ctx, func(tx wallet.Tx) error {
			again, err := wallet.Post(ctx, tx, free, time.Now())
			if err == nil && (!again.Replayed || again.ID != "ltx_0000000000000000000000free") {
				t.Errorf("old-free posted again: replayed %v, id %s", again.Replayed, again.ID)
			}
			return err
		})
		if err != nil {
			t.Fatal(err)
		}
	}
	// Another movement under an old key is a reused key.
	_, err = svc.Post(ctx, move("old-sale", citizen, revenue, 1))
	if apperr.ReasonOf(err) != "ledger_key_reused" {
		t.Fatalf("another movement under an old key: %v", err)
	}
	if a, err := svc.Account(ctx, citizen); err != nil || a.Balance != 700 {
		t.Fatalf("the citizen has %d (%v), want 700: a posting went through twice", a.Balance, err)
	}
	var n int
	if err := db.Pool().QueryRow(ctx, `SELECT count(*) FROM ledger_transactions`).Scan(&n); err != nil || n != 3 {
		t.Fatalf("%d transactions (%v), want 3", n, err)
	}
	c, err := svc.Check(ctx)
	if err != nil || !c.OK() {
		t.Fatalf("ledger check: %+v, %v", c, err)
	}
}

// openLedger is a fresh PostgreSQL store with the city's funding account
// and the revenue accounts named, and a wallet service on it.
func openLedger(t *testing.T, revenues ...wallet.AccountID) (*postgres.DB, *wallet.Service) {
	t.Helper()
	ctx := context.Background()
	db := storetest.OpenPostgres(t)
	err := db.Wallet().InTx(ctx, func(tx wallet.Tx) error {
		for _, id := range revenues {
			if err := tx.EnsureAccount(ctx, wallet.Account{ID: id, Kind: wallet.KindRevenue}); err != nil {
				return err
			}
		}
		return tx.EnsureAccount(ctx, wallet.Account{ID: wallet.CityFunding, Kind: wallet.KindCityFunding})
	})
	if err != nil {
		t.Fatal(err)
	}
	return db, wallet.NewService(db.Wallet(), storetest.Logger(t))
}

// move is a transfer of cents from one account to another under key.
func move(key string, from, to wallet.AccountID, cents int64) wallet.Transaction {
	return wallet.Transaction{Key: key, Kind: "test.move", Entries: []wallet.Entry{{Account: from, Amount: -cents}, {Account: to, Amount: cents}}}
}

// renameTransaction gives a posting the id an older release gave it.
func renameTransaction(t *testing.T, db *postgres.DB, from, to string) {
	t.Helper()
	ctx := context.Background()
	for _, sql := range []string{`UPDATE ledger_transactions SET id = $2 WHERE id = $1`, `UPDATE ledger_entries SET transaction_id = $2 WHERE transaction_id = $1`} {
		if _, err := db.Pool().Exec(ctx, sql, from, to); err != nil {
			t.Fatal(err)
		}
	}
}

// The floor cache learns an account only once the transaction that read it
// commits: an account opened in a transaction that rolls back does not
// exist, and a posting to it is refused by every way of posting, not
// written beside an account that is not there.
func TestFloorCacheForgetsARolledBackAccount(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	db, svc := openLedger(t)
	ghost := wallet.AccountID("revenue:ghost")
	rollBack := errors.New("roll back")
	err := db.Wallet().InTx(ctx, func(tx wallet.Tx) error {
		if err := tx.EnsureAccount(ctx, wallet.Account{ID: ghost, Kind: wallet.KindRevenue}); err != nil {
			return err
		}
		if _, err := tx.PostingAccounts(ctx, []wallet.AccountID{wallet.CityFunding, ghost}); err != nil {
			return err
		}
		return rollBack
	})
	if !errors.Is(err, rollBack) {
		t.Fatalf("the opening transaction: %v", err)
	}
	tr := move("to-ghost", wallet.CityFunding, ghost, 5)
	_, err = svc.Post(ctx, tr)
	testutil.WantCode(t, err, apperr.NotFound)
	err = db.Wallet().InTx(ctx, func(tx wallet.Tx) error {
		_, err := wallet.Post(ctx, tx, tr, time.Now())
		return err
	})
	testutil.WantCode(t, err, apperr.NotFound)
	c, err := svc.Check(ctx)
	if err != nil || !c.OK() || c.Entries != 0 {
		t.Fatalf("ledger check: %+v, %v", c, err)
	}
}

// A replica of the previous release, serving during a rolling upgrade,
// looks a key up and then inserts its transaction under a random id: the
// key's own unique index, kept for this release, refuses its insert when
// a new replica posted the key meanwhile, so the key is not posted twice.
func TestOldReplicaCannotPostAKeyTwice(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	db, svc := openLedger(t, "revenue:race")
	if _, err := svc.Post(ctx, move("raced", wallet.CityFunding, "revenue:race", 5)); err != nil {
		t.Fatal(err)
	}
	_, err := db.Pool().Exec(ctx, `INSERT INTO ledger_transactions (id, idem_key, kind, created_at)
		VALUES ('ltx_01jzzzzzzzzzzzzzzzzzzzzzzz', 'raced', 'test.move', now())`)
	if err == nil || !strings.Contains(err.Error(), "23505") {
		t.Fatalf("an old replica's insert of a key posted already: %v, want a unique violation", err)
	}
}

// In a grouped transaction, a member that fails is rolled back to its
// savepoint, and an account it opened and read is gone with it: the floor
// cache does not learn it when the others commit.
func TestFloorCacheForgetsAFailedMembersAccount(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	db, svc := openLedger(t, "revenue:kept")
	ghost := wallet.AccountID("revenue:ghost-member")
	refused := errors.New("refused")
	bg := func(int) context.Context { return ctx }
	errs := groupOf(t, db, "floors", 4, bg, func(i int, tx *postgres.Tx) error {
		ids := []wallet.AccountID{wallet.CityFunding, "revenue:kept"}
		if i == 2 {
			if err := tx.EnsureAccount(ctx, wallet.Account{ID: ghost, Kind: wallet.KindRevenue}); err != nil {
				return err
			}
			ids = []wallet.AccountID{wallet.CityFunding, ghost}
		}
		if _, err := tx.PostingAccounts(ctx, ids); err != nil {
			return err
		}
		if i == 2 {
			return refused
		}
		return nil
	})
	for i, err := range errs {
		if (i == 2) != errors.Is(err, refused) {
			t.Fatalf("member %d: %v", i, err)
		}
	}
	err := db.Wallet().InTx(ctx, func(tx wallet.Tx) error {
		_, err := wallet.Post(ctx, tx, move("to-member-ghost", wallet.CityFunding, ghost, 5), time.Now())
		return err
	})
	testutil.WantCode(t, err, apperr.NotFound)
	if _, err := svc.Post(ctx, move("to-kept", wallet.CityFunding, "revenue:kept", 5)); err != nil {
		t.Fatal(err)
	}
}
