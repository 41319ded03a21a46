package identity_test

import (
	"context"
	"slices"
	"testing"
	"time"

	"cityhub/identity"
	"cityhub/store"
	"cityhub/store/postgres"
	"cityhub/store/sqlite"
	"cityhub/store/storetest"
)

// An erased account's kept answers go with it: the results kept for its
// retries (a report or a claim as first answered, its name in them) and the
// API's kept answers. Another account's stay, one whose id merely ends like
// the erased one's too, and an answer still being made (the erasing
// request's own, if keyed) is left to finish.
func TestErasureForgetsTheAccountsKeptAnswers(t *testing.T) {
	t.Parallel()
	storetest.Each(t, func(t *testing.T, db store.DB) {
		ctx := context.Background()
		if err := db.Identity().InTx(ctx, func(tx identity.Tx) error {
			return tx.InsertAccount(ctx, identity.Account{ID: "acc_gone", Email: "gone@example.org", Name: "Anna Gone", Locale: "it",
				PasswordHash: "x", CreatedAt: time.Now().UTC()})
		}); err != nil {
			t.Fatal(err)
		}
		now := "now()"
		if _, ok := db.(*sqlite.DB); ok {
			now = "0"
		}
		for _, scope := range []string{"report.create:acc_gone", "voucher.claim:acc_gone", "report.create:acc_stay", "report.create:xacc_gone"} {
			storetest.Behind(t, db, `INSERT INTO idempotency_keys (scope, key, request_hash, status, response, created_at)
				VALUES ('`+scope+`', 'k1', 'h', 200, '{"reporter_name":"Anna Gone"}', `+now+`)`)
		}
		for scope, done := range map[string]string{"api:acc_gone:POST /api/v1/reports": "TRUE", "page.topup:acc_gone": "TRUE",
			"api:acc_gone:DELETE /api/v1/me": "FALSE", "api:acc_stay:POST /api/v1/reports": "TRUE", "api:acc_gone_too:POST /api/v1/reports": "TRUE"} {
			if _, ok := db.(*sqlite.DB); ok {
				done = map[string]string{"TRUE": "1", "FALSE": "0"}[done]
			}
			storetest.Behind(t, db, `INSERT INTO request_answers (scope, key, request_hash, done, status, body, claimed_at)
				VALUES ('`+scope+`', 'k1', 'h', `+done+`, 201, '{"author_name":"Anna Gone"}', `+now+`)`)
		}
		if err := db.Identity().InTx(ctx, func(tx identity.Tx) error {
			return tx.AnonymiseAccount(ctx, "acc_gone", "deleted-acc_gone@invalid", time.Now().UTC())
		}); err != nil {
			t.Fatal(err)
		}
		if got, want := scopes(t, db, "idempotency_keys"), []string{"report.create:acc_stay", "report.create:xacc_gone"}; !slices.Equal(got, want) {
			t.Errorf("kept results after the erasure: %q, want %q", got, want)
		}
		if got, want := scopes(t, db, "request_answers"), []string{"api:acc_gone:DELETE /api/v1/me", "api:acc_gone_too:POST /api/v1/reports",
			"api:acc_stay:POST /api/v1/reports"}; !slices.Equal(got, want) {
			t.Errorf("kept answers after the erasure: %q, want %q", got, want)
		}
	})
}

// scopes lists the scopes of table's rows, in order.
func scopes(t *testing.T, db store.DB, table string) []string {
	t.Helper()
	q := `SELECT scope FROM ` + table + ` ORDER BY scope`
	// What both engines' result sets offer, so one loop reads either.
	var rows interface {
		Next() bool
		Scan(...any) error
		Err() error
	}
	switch d := db.(type) {
	case *postgres.DB:
		r, err := d.Pool().Query(context.Background(), q)
		if err != nil {
			t.Fatal(err)
		}
		defer r.Close()
		rows = r
	case *sqlite.DB:
		r, err := d.Writer().QueryContext(context.Background(), q)
		if err != nil {
			t.Fatal(err)
		}
		defer r.Close()
		rows = r
	default:
		t.Fatalf("no raw SQL for %T", db)
	}
	var out []string
	for rows.Next() {
		var s string
		if err := rows.Scan(&s); err != nil {
			t.Fatal(err)
		}
		out = append(out, s)
	}
	if err := rows.Err(); err != nil {
		t.Fatal(err)
	}
	return out
}
