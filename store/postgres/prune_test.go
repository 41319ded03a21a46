package postgres_test

import (
	"context"
	"testing"
	"time"

	"cityhub/identity"
	"cityhub/store/storetest"
)

// A login attempt prunes old failures no longer counted, at most 100 of
// them, and none still inside the window: the prune's pick is made once,
// not again for each row deleted (ClaimMail's comment says why that
// matters).
func TestLoginAttemptPrunesAtMostAHundred(t *testing.T) {
	ctx := context.Background()
	db := storetest.OpenPostgres(t)
	now := time.Now().UTC().Truncate(time.Microsecond)
	old := now.Add(-identity.MaxLoginWindow - time.Hour)
	if _, err := db.Pool().Exec(ctx, `INSERT INTO login_failures (subject, at, attempt)
		SELECT 'email:old@cityhub.test', $1::timestamptz + n * interval '1 second', 'old' FROM generate_series(1, 250) AS n`, old); err != nil {
		t.Fatal(err)
	}
	if _, err := db.Pool().Exec(ctx, `INSERT INTO login_failures (subject, at, attempt) VALUES ('email:recent@cityhub.test', $1, 'recent')`, now.Add(-time.Minute)); err != nil {
		t.Fatal(err)
	}
	count := func(attempt string) int {
		var n int
		if err := db.Pool().QueryRow(ctx, `SELECT count(*) FROM login_failures WHERE attempt = $1`, attempt).Scan(&n); err != nil {
			t.Fatal(err)
		}
		return n
	}
	for i, want := range []int{150, 50, 0} {
		err := db.Identity().InTx(ctx, func(tx identity.Tx) error {
			ok, _, err := tx.ReserveLoginAttempt(ctx, "new", []identity.LoginBucket{{Subject: "email:new@cityhub.test", Limit: 10, Since: now.Add(-time.Hour)}}, now)
			if err == nil && !ok {
				t.Error("an attempt under its bucket's limit was refused")
			}
			return err
		})
		if err != nil {
			t.Fatal(err)
		}
		if got := count("old"); got != want {
			t.Fatalf("after attempt %d: %d old failures left, want %d", i+1, got, want)
		}
	}
	if got := count("recent"); got != 1 {
		t.Fatalf("%d recent failures left, want the one still counted", got)
	}
}

// Dropping an account's unused e-mail tokens also prunes expired ones,
// anyone's, at most 100 a call, and none that has not expired: the pick
// is made once, as the login failures' prune's.
func TestDropEmailTokensPrunesAtMostAHundred(t *testing.T) {
	ctx := context.Background()
	db := storetest.OpenPostgres(t)
	now := time.Now().UTC().Truncate(time.Microsecond)
	if _, err := db.Pool().Exec(ctx, `INSERT INTO accounts (id, email, email_norm, name, locale, password_hash, created_at)
		VALUES ('acc_old', 'old@cityhub.test', 'old@cityhub.test', 'Old', 'it', 'x', $1), ('acc_new', 'new@cityhub.test', 'new@cityhub.test', 'New', 'it', 'x', $1)`, now); err != nil {
		t.Fatal(err)
	}
	if _, err := db.Pool().Exec(ctx, `INSERT INTO email_tokens (token_hash, purpose, account_id, email, created_at, expires_at)
		SELECT 'old-' || n, 'reset', 'acc_old', 'old@cityhub.test', $1::timestamptz - interval '2 days', $1::timestamptz - interval '1 day' + n * interval '1 second'
		FROM generate_series(1, 250) AS n
		UNION ALL SELECT 'live', 'reset', 'acc_old', 'old@cityhub.test', $1::timestamptz, $1::timestamptz + interval '1 hour'`, now); err != nil {
		t.Fatal(err)
	}
	count := func(where string) int {
		var n int
		if err := db.Pool().QueryRow(ctx, `SELECT count(*) FROM email_tokens WHERE `+where).Scan(&n); err != nil {
			t.Fatal(err)
		}
		return n
	}
	for i, want := range []int{150, 50, 0} {
		if err := db.Identity().InTx(ctx, func(tx identity.Tx) error {
			return tx.DropEmailTokens(ctx, "acc_new", "verify", now)
		}); err != nil {
			t.Fatal(err)
		}
		if got := count("token_hash LIKE 'old-%'"); got != want {
			t.Fatalf("after drop %d: %d expired tokens left, want %d", i+1, got, want)
		}
	}
	if got := count("token_hash = 'live'"); got != 1 {
		t.Fatalf("%d unexpired tokens left, want the one", got)
	}
}
