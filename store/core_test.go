package store_test

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"cityhub/apperr"
	"cityhub/audit"
	"cityhub/idem"
	"cityhub/store"
	"cityhub/store/postgres"
	"cityhub/store/sqlite"
	"cityhub/store/storetest"
)

// inTx runs fn in a transaction of either engine, as the domain stores do.
func inTx(ctx context.Context, db store.DB, fn func(tx interface {
	idem.Tx
	audit.Tx
}) error) error {
	switch d := db.(type) {
	case *postgres.DB:
		return d.InTx(ctx, func(tx *postgres.Tx) error { return fn(tx) })
	case *sqlite.DB:
		return d.InTx(ctx, func(tx *sqlite.Tx) error { return fn(tx) })
	}
	panic("unknown engine")
}

func TestIdempotencyRace(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db store.DB) {
		ctx := context.Background()
		var ran atomic.Int32
		var wg sync.WaitGroup
		results := make([]int, 16)
		errs := make([]error, 16)
		for i := range 16 {
			wg.Add(1)
			go func() {
				defer wg.Done()
				errs[i] = inTx(ctx, db, func(tx interface {
					idem.Tx
					audit.Tx
				}) error {
					v, _, err := idem.Do(ctx, tx, "test", "key-1", map[string]int{"amount": 5}, func() (int, error) {
						return int(ran.Add(1)), nil
					})
					results[i] = v
					return err
				})
			}()
		}
		wg.Wait()
		for i, err := range errs {
			if err != nil {
				t.Fatalf("request %d: %v", i, err)
			}
			if results[i] != results[0] {
				t.Fatalf("request %d got %d, request 0 got %d: replays must return the first answer", i, results[i], results[0])
			}
		}
		if n := ran.Load(); n != 1 {
			t.Fatalf("work ran %d times, want once", n)
		}
		err := inTx(ctx, db, func(tx interface {
			idem.Tx
			audit.Tx
		}) error {
			_, _, err := idem.Do(ctx, tx, "test", "key-1", map[string]int{"amount": 6}, func() (int, error) { return 0, nil })
			return err
		})
		if !apperr.Has(err, apperr.Conflict) {
			t.Fatalf("same key, other body: got %v, want conflict", err)
		}
	})
}

func TestAuditAppendAndRollback(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db store.DB) {
		ctx := context.Background()
		boom := errors.New("boom")
		err := inTx(ctx, db, func(tx interface {
			idem.Tx
			audit.Tx
		}) error {
			if err := tx.AppendAudit(ctx, audit.Entry{Action: "voucher.redeem", ObjectType: "voucher", ObjectID: "v1"}); err != nil {
				return err
			}
			return boom
		})
		if !errors.Is(err, boom) {
			t.Fatalf("got %v", err)
		}
		err = inTx(ctx, db, func(tx interface {
			idem.Tx
			audit.Tx
		}) error {
			if err := tx.AppendAudit(ctx, audit.Entry{ActorID: "a1", Action: "voucher.redeem", ObjectType: "voucher", ObjectID: "v2", ShopID: "s1", IP: "127.0.0.1", Detail: map[string]any{"amount": 500}}); err != nil {
				return err
			}
			got, err := tx.ListAudit(ctx, audit.Filter{ObjectType: "voucher"})
			if err != nil {
				return err
			}
			if len(got) != 1 || got[0].ObjectID != "v2" || got[0].Detail["amount"] != float64(500) || got[0].At.IsZero() {
				t.Errorf("audit log = %+v; want only the committed v2 entry", got)
			}
			return nil
		})
		if err != nil {
			t.Fatal(err)
		}
	})
}

// Claims and answers of many keys, several requests racing for each: every
// key is claimed by exactly one of its requests, the others see it held,
// and once answered every request gets its own key's answer. On PostgreSQL
// the claims and answers that arrive together are written together, a key
// asked for twice in one batch included.
func TestAnswerStoreRace(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db store.DB) {
		ctx := context.Background()
		a := db.Answers()
		const keys, per = 24, 4
		now := time.Now()
		key := func(k int) string { return fmt.Sprintf("race-%d", k) }
		claims := make([]atomic.Int32, keys)
		var wg sync.WaitGroup
		for i := range keys * per {
			wg.Go(func() {
				k := i % keys
				claimed, stored, done, lost, _, err := a.ClaimAnswer(ctx, "api:acc:POST /x", key(k), "h"+key(k), now, now.Add(-time.Minute))
				switch {
				case err != nil:
					t.Errorf("claim %s: %v", key(k), err)
				case claimed:
					claims[k].Add(1)
				case stored != "h"+key(k) || done || lost:
					t.Errorf("claim %s: held as %q done=%v lost=%v", key(k), stored, done, lost)
				}
			})
		}
		wg.Wait()
		for k := range keys {
			if n := claims[k].Load(); n != 1 {
				t.Errorf("key %s claimed %d times", key(k), n)
			}
		}
		for k := range keys {
			wg.Go(func() {
				ans := idem.Answer{Status: 201, Header: map[string]string{"Location": "/x/" + key(k)}, Body: []byte(key(k))}
				if err := a.SaveAnswer(ctx, "api:acc:POST /x", key(k), ans); err != nil {
					t.Errorf("save %s: %v", key(k), err)
				}
			})
		}
		wg.Wait()
		for i := range keys * per {
			wg.Go(func() {
				k := i % keys
				claimed, _, done, _, ans, err := a.ClaimAnswer(ctx, "api:acc:POST /x", key(k), "h"+key(k), now, now.Add(-time.Minute))
				if err != nil || claimed || !done || string(ans.Body) != key(k) || ans.Header["Location"] != "/x/"+key(k) {
					t.Errorf("answered %s: claimed=%v done=%v %q %v %v", key(k), claimed, done, ans.Body, ans.Header, err)
				}
			})
		}
		wg.Wait()
	})
}

// The answer store behind the API's Idempotency-Key: a key is claimed once,
// waits while its holder runs, hands over once its claim is stale, keeps a
// saved answer for good and forgets a released one.
func TestAnswerStore(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db store.DB) {
		ctx := context.Background()
		a := db.Answers()
		now := time.Now()
		claim := func(hash string, at time.Time) (bool, string, bool, idem.Answer) {
			t.Helper()
			claimed, stored, done, lost, ans, err := a.ClaimAnswer(ctx, "api:acc:POST /x", "k1", hash, at, at.Add(-time.Minute))
			if err != nil || lost {
				t.Fatalf("claim: lost=%v %v", lost, err)
			}
			return claimed, stored, done, ans
		}
		if claimed, _, _, _ := claim("h1", now); !claimed {
			t.Fatal("a new key was not claimed")
		}
		if claimed, stored, done, _ := claim("h1", now.Add(time.Second)); claimed || stored != "h1" || done {
			t.Fatalf("a held key: claimed=%v stored=%q done=%v", claimed, stored, done)
		}
		// Its holder died: after the lease the key is taken over.
		if claimed, _, _, _ := claim("h1", now.Add(2*time.Minute)); !claimed {
			t.Fatal("a stale claim was not taken over")
		}
		want := idem.Answer{Status: 201, Header: map[string]string{"Location": "/x/1"}, Body: []byte(`{"id":"1"}`)}
		if err := a.SaveAnswer(ctx, "api:acc:POST /x", "k1", want); err != nil {
			t.Fatal(err)
		}
		// A saved answer is never taken over, however old.
		claimed, stored, done, got := claim("h2", now.Add(time.Hour))
		if claimed || stored != "h1" || !done || got.Status != 201 || got.Header["Location"] != "/x/1" || string(got.Body) != `{"id":"1"}` {
			t.Fatalf("saved answer: claimed=%v stored=%q done=%v %+v", claimed, stored, done, got)
		}
		// A released key is free again; releasing does not touch saved answers.
		if err := a.ReleaseAnswer(ctx, "api:acc:POST /x", "k1"); err != nil {
			t.Fatal(err)
		}
		if _, _, done, _ := claim("h1", now); !done {
			t.Fatal("release removed a saved answer")
		}
		_, _, _, _, _, err := a.ClaimAnswer(ctx, "api:acc:POST /x", "k2", "h", now, now.Add(-time.Minute))
		if err != nil {
			t.Fatal(err)
		}
		if err := a.ReleaseAnswer(ctx, "api:acc:POST /x", "k2"); err != nil {
			t.Fatal(err)
		}
		claimed, _, _, _, _, err = a.ClaimAnswer(ctx, "api:acc:POST /x", "k2", "h", now, now.Add(-time.Minute))
		if err != nil || !claimed {
			t.Fatalf("a released key was not free: %v %v", claimed, err)
		}

		// A transaction that commits under the claimed key marks it: once
		// stale (or released), the key is lost, never taken over; one that
		// rolls back does not.
		pending := idem.WithPending(ctx, idem.Pending{Scope: "api:acc:POST /x", Key: "k2"})
		failed := errors.New("rolled back")
		if err := inTx(pending, db, func(tx interface {
			idem.Tx
			audit.Tx
		}) error {
			return failed
		}); !errors.Is(err, failed) {
			t.Fatal(err)
		}
		claimed, _, _, lost, _, err := a.ClaimAnswer(ctx, "api:acc:POST /x", "k2", "h", now.Add(2*time.Minute), now.Add(time.Minute))
		if err != nil || !claimed || lost {
			t.Fatalf("after a rollback the stale key was not taken over: claimed=%v lost=%v %v", claimed, lost, err)
		}
		if err := inTx(pending, db, func(tx interface {
			idem.Tx
			audit.Tx
		}) error {
			return nil
		}); err != nil {
			t.Fatal(err)
		}
		claimed, _, done, lost, _, err = a.ClaimAnswer(ctx, "api:acc:POST /x", "k2", "h", now.Add(4*time.Minute), now.Add(3*time.Minute))
		if err != nil || claimed || done || !lost {
			t.Fatalf("a committed stale key: claimed=%v done=%v lost=%v %v", claimed, done, lost, err)
		}
		claimed, _, _, lost, _, err = a.ClaimAnswer(ctx, "api:acc:POST /x", "k2", "h", now.Add(2*time.Minute), now.Add(time.Minute))
		if err != nil || claimed || lost {
			t.Fatalf("a committed key still held: claimed=%v lost=%v %v", claimed, lost, err)
		}
		if err := a.ReleaseAnswer(ctx, "api:acc:POST /x", "k2"); err != nil {
			t.Fatal(err)
		}
		claimed, _, _, lost, _, err = a.ClaimAnswer(ctx, "api:acc:POST /x", "k2", "h", now.Add(2*time.Minute), now.Add(time.Minute))
		if err != nil || claimed || !lost {
			t.Fatalf("a released committed key: claimed=%v lost=%v %v", claimed, lost, err)
		}
	})
}
