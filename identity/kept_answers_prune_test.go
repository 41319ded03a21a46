package identity_test

import (
	"context"
	"slices"
	"strconv"
	"testing"
	"time"

	"cityhub/idem"
	"cityhub/store"
	"cityhub/store/sqlite"
	"cityhub/store/storetest"
)

// What was kept for retries long ago is forgotten: answers done and
// results kept before the cut-off go, in batches; newer ones, and an
// answer still being made however old, stay.
func TestKeptAnswersArePruned(t *testing.T) {
	t.Parallel()
	storetest.Each(t, func(t *testing.T, db store.DB) {
		now := time.Now()
		old, recent := now.Add(-40*24*time.Hour), now.Add(-time.Hour)
		at := func(t time.Time) string {
			if _, ok := db.(*sqlite.DB); ok {
				return strconv.FormatInt(t.UnixMicro(), 10)
			}
			return "'" + t.UTC().Format(time.RFC3339Nano) + "'"
		}
		done := func(b bool) string {
			if _, ok := db.(*sqlite.DB); ok {
				return map[bool]string{true: "1", false: "0"}[b]
			}
			return map[bool]string{true: "TRUE", false: "FALSE"}[b]
		}
		for i, row := range []struct {
			scope string
			when  time.Time
		}{{"report.create:acc_old", old}, {"report.create:acc_new", recent}} {
			storetest.Behind(t, db, `INSERT INTO idempotency_keys (scope, key, request_hash, status, response, created_at)
				VALUES ('`+row.scope+`', 'k`+strconv.Itoa(i)+`', 'h', 1, '{}', `+at(row.when)+`)`)
		}
		for i, row := range []struct {
			scope string
			when  time.Time
			done  bool
		}{{"api:acc_old:POST /x", old, true}, {"api:acc_new:POST /x", recent, true}, {"api:acc_slow:POST /x", old, false}} {
			storetest.Behind(t, db, `INSERT INTO request_answers (scope, key, request_hash, done, status, body, claimed_at)
				VALUES ('`+row.scope+`', 'k`+strconv.Itoa(i)+`', 'h', `+done(row.done)+`, 201, '{}', `+at(row.when)+`)`)
		}
		p, ok := db.Answers().(idem.Pruner)
		if !ok {
			t.Fatalf("%T prunes nothing", db.Answers())
		}
		n, err := idem.Prune(context.Background(), p, 30*24*time.Hour, now)
		if err != nil || n != 2 {
			t.Fatalf("pruned %d, %v; want 2", n, err)
		}
		if got, want := scopes(t, db, "idempotency_keys"), []string{"report.create:acc_new"}; !slices.Equal(got, want) {
			t.Errorf("kept results: %q, want %q", got, want)
		}
		if got, want := scopes(t, db, "request_answers"), []string{"api:acc_new:POST /x", "api:acc_slow:POST /x"}; !slices.Equal(got, want) {
			t.Errorf("kept answers: %q, want %q", got, want)
		}
	})
}
