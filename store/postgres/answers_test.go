package postgres_test

import (
	"context"
	"sync"
	"testing"
	"time"

	"cityhub/store/postgres"
	"cityhub/store/storetest"
)

// Claims written in one batch that ask for the same key twice (a retry
// racing its first request) or for a key the batch before them claimed:
// one claim per key, and the others see it held.
func TestClaimBatchWithTheSameKeyTwice(t *testing.T) {
	ctx := context.Background()
	db := storetest.OpenPostgres(t)
	a := db.Answers()
	now := time.Now()
	// The first claim goes alone and waits, on its way, for six more to
	// queue behind it: those six are the next batch.
	started := postgres.HoldClaims(db, 6)
	type result struct {
		key     string
		claimed bool
		stored  string
		err     error
	}
	results := make(chan result, 7)
	claim := func(key string) {
		claimed, stored, done, lost, _, err := a.ClaimAnswer(ctx, "api:acc:POST /x", key, "h"+key, now, now.Add(-time.Minute))
		if err == nil && (done || lost) {
			t.Errorf("claim %s: done=%v lost=%v", key, done, lost)
		}
		results <- result{key, claimed, stored, err}
	}
	var wg sync.WaitGroup
	wg.Go(func() { claim("a") })
	<-started
	for _, k := range []string{"a", "a", "b", "b", "c", "d"} {
		wg.Go(func() { claim(k) })
	}
	wg.Wait()
	close(results)
	claimed := map[string]int{}
	for r := range results {
		if r.err != nil {
			t.Fatalf("claim %s: %v", r.key, r.err)
		}
		if r.claimed {
			claimed[r.key]++
		} else if r.stored != "h"+r.key {
			t.Errorf("claim %s: held by %q", r.key, r.stored)
		}
	}
	for _, k := range []string{"a", "b", "c", "d"} {
		if claimed[k] != 1 {
			t.Errorf("key %s claimed %d times, want once", k, claimed[k])
		}
	}
}
