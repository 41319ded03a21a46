package identity_test

import (
	"context"
	"fmt"
	"slices"
	"testing"
	"time"

	"cityhub/idem"
	"cityhub/identity"
	"cityhub/ids"
	"cityhub/store"
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

// An erased account's name, address and fiscal code do not stay in the
// answers kept under another caller's scope: an administrator's (a new
// account, its grants, its disabling) or an anonymous caller's (an address
// confirmed), whose bodies hold its id. Kept answers that name another
// account stay.
func TestErasureForgetsKeptAnswersNamingTheAccount(t *testing.T) {
	t.Parallel()
	storetest.Each(t, func(t *testing.T, db store.DB) {
		ctx := context.Background()
		gone, other := ids.New("acc"), ids.New("acc")
		if err := db.Identity().InTx(ctx, func(tx identity.Tx) error {
			return tx.InsertAccount(ctx, identity.Account{ID: gone, Email: gone + "@example.org", Name: "Anna Gone", Locale: "it",
				PasswordHash: "x", CreatedAt: time.Now().UTC()})
		}); err != nil {
			t.Fatal(err)
		}
		now := time.Now().UTC()
		body := func(id string) []byte {
			return []byte(`{"id":"` + id + `","email":"anna@example.org","name":"Anna Gone","fiscal_code":"RSSNNA80A41H501U"}`)
		}
		answers := map[string][]byte{
			"api:anonymous:POST /api/v1/accounts/email-confirmations": body(gone),
			"api:acc_admin:PUT /api/v1/admin/accounts/{id}/grants":    body(gone),
			"api:acc_admin:POST /api/v1/admin/accounts":               body(other),
		}
		for scope, b := range answers {
			claimed, _, _, _, _, err := db.Answers().ClaimAnswer(ctx, scope, "k1", "h", now, now.Add(-time.Hour))
			if err != nil || !claimed {
				t.Fatalf("claim %s: %v %v", scope, claimed, err)
			}
			if err := db.Answers().SaveAnswer(ctx, scope, "k1", idem.Answer{Status: 200, Body: b}); err != nil {
				t.Fatal(err)
			}
		}
		blob, created := "convert_to('%s', 'UTF8')", "now()"
		if _, ok := db.(*sqlite.DB); ok {
			blob, created = "CAST('%s' AS BLOB)", "0"
		}
		for scope, id := range map[string]string{"admin.account:acc_admin": gone, "admin.account_other:acc_admin": other} {
			storetest.Behind(t, db, `INSERT INTO idempotency_keys (scope, key, request_hash, status, response, created_at)
				VALUES ('`+scope+`', 'k1', 'h', 1, `+fmt.Sprintf(blob, body(id))+`, `+created+`)`)
		}
		if err := db.Identity().InTx(ctx, func(tx identity.Tx) error {
			return tx.AnonymiseAccount(ctx, gone, "deleted-"+gone+"@invalid", now)
		}); err != nil {
			t.Fatal(err)
		}
		if got, want := scopes(t, db, "request_answers"), []string{"api:acc_admin:POST /api/v1/admin/accounts"}; !slices.Equal(got, want) {
			t.Errorf("kept answers after the erasure: %q, want %q", got, want)
		}
		if got, want := scopes(t, db, "idempotency_keys"), []string{"admin.account_other:acc_admin"}; !slices.Equal(got, want) {
			t.Errorf("kept results after the erasure: %q, want %q", got, want)
		}
	})
}

// scopes lists the scopes of table's rows, in order.
func scopes(t *testing.T, db store.DB, table string) []string {
	t.Helper()
	return storetest.Strings(t, db, `SELECT scope FROM `+table+` ORDER BY scope`)
}
