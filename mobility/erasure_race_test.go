package mobility_test

import (
	"context"
	"fmt"
	"sync"
	"testing"
	"time"

	"cityhub/apperr"
	"cityhub/cardpay"
	"cityhub/identity"
	"cityhub/internal/testutil"
	"cityhub/mobility"
	"cityhub/mobility/mobilitytest"
	"cityhub/mqtt/mqtttest"
	"cityhub/store"
	"cityhub/store/storetest"
)

// An unlock and the erasure of its rider's account at the same instant:
// exactly one of them goes through. Both passing would start a ride whose
// fare finds the credit already paid out, on an account nobody can settle.
func TestErasureAndUnlockRace(t *testing.T) {
	t.Parallel()
	combos(t, false, func(t *testing.T, db store.DB, url string) {
		e := mobilitytest.New(t, db, url, mobilitytest.Options{})
		pay := cardpay.NewService(db.CardPayments(), nil, storetest.Logger(t))
		ctx := context.Background()
		var rode, erased int
		for _, st := range e.Stations {
			for _, b := range st.Bikes {
				rider := e.Rider(t, 1000)
				var wg sync.WaitGroup
				var unlockErr, eraseErr error
				start := make(chan struct{})
				wg.Add(2)
				go func() {
					defer wg.Done()
					<-start
					_, unlockErr = e.Svc.Unlock(ctx, mobilitytest.Citizen(rider), mobility.UnlockRequest{StationID: st.ID, BikeID: b.ID})
				}()
				go func() {
					defer wg.Done()
					<-start
					_, eraseErr = pay.EraseAccount(ctx, mobilitytest.Citizen(rider), cardpay.CreditToCity)
				}()
				close(start)
				wg.Wait()
				switch {
				case unlockErr == nil && apperr.ReasonOf(eraseErr) == "ride_in_progress":
					rode++
				case eraseErr == nil && apperr.ReasonOf(unlockErr) == "account_deleted":
					erased++
					if _, err := e.Svc.CurrentRide(ctx, mobilitytest.Citizen(rider)); !apperr.Has(err, apperr.NotFound) {
						t.Fatalf("a ride on an erased account: %v", err)
					}
				default:
					t.Fatalf("bike %s: unlock %v, erasure %v", b.ID, unlockErr, eraseErr)
				}
			}
		}
		t.Logf("%d rides, %d erasures", rode, erased)
	})
}

// The lock that decides the race, on PostgreSQL: an erasure waits for an
// unlock that holds its rider and then finds the ride that unlock wrote;
// an unlock that waited for an erasure finds the account erased.
func TestErasureWaitsForAnUnlockHoldingTheRider(t *testing.T) {
	t.Parallel()
	db := storetest.OpenPostgres(t)
	pool := db.Pool()
	e := mobilitytest.New(t, db, mqtttest.URL(), mobilitytest.Options{Stations: 1})
	pay := cardpay.NewService(db.CardPayments(), nil, storetest.Logger(t))
	ctx := context.Background()
	st := e.Stations[0]
	// gate is closed by let, on failure too, so that a transaction waiting
	// on it gives its connection back before the store closes.
	gate := func() (chan struct{}, func()) {
		c := make(chan struct{})
		var once sync.Once
		let := func() { once.Do(func() { close(c) }) }
		t.Cleanup(let)
		return c, let
	}
	waiting := func(what, like string) {
		testutil.Eventually(t, 10*time.Second, what, func() bool {
			var n int
			err := pool.QueryRow(ctx, `SELECT count(*) FROM pg_stat_activity WHERE wait_event_type = 'Lock' AND query LIKE $1`, like).Scan(&n)
			return err == nil && n > 0
		})
	}

	t.Run("unlock first", func(t *testing.T) {
		rider := e.Rider(t, 1000)
		held := make(chan struct{})
		release, let := gate()
		unlocked := make(chan error, 1)
		go func() {
			unlocked <- db.Mobility().InTx(ctx, func(tx mobility.Tx) error {
				p, err := tx.(mobility.UnlockReader).UnlockPlace(ctx, st.ID, rider)
				if err != nil {
					return err
				}
				if p.RiderGone {
					return fmt.Errorf("rider gone before the erasure")
				}
				close(held)
				<-release
				now := time.Now().UTC().Truncate(time.Microsecond)
				return tx.InsertRide(ctx, mobility.Ride{ID: "ride_" + rider, CommandID: "cmd_" + rider, RiderID: rider, BikeID: st.Bikes[0].ID,
					StartStation: st.ID, StartDock: 1, Status: mobility.RidePending, PricingPlanID: "plan", CreatedAt: now, Deadline: now.Add(time.Minute)})
			})
		}()
		testutil.Receive(t, 10*time.Second, "the unlock holding its rider", held)
		erasure := make(chan error, 1)
		go func() {
			_, err := pay.EraseAccount(ctx, mobilitytest.Citizen(rider), cardpay.CreditToCity)
			erasure <- err
		}()
		waiting("the erasure waiting on the unlock", "%FROM accounts WHERE id = $1 FOR NO KEY UPDATE%")
		select {
		case err := <-erasure:
			t.Fatalf("the erasure returned while the unlock held its rider: %v", err)
		default:
		}
		let()
		if err := testutil.Receive(t, 10*time.Second, "the unlock", unlocked); err != nil {
			t.Fatal(err)
		}
		if err := testutil.Receive(t, 10*time.Second, "the erasure", erasure); apperr.ReasonOf(err) != "ride_in_progress" {
			t.Fatalf("erasure after the unlock: %v", err)
		}
	})

	t.Run("erasure first", func(t *testing.T) {
		// No credit: the erasure written here settles none, and its
		// credit account is closed only with nothing on it.
		rider := e.Rider(t, 0)
		held := make(chan struct{})
		release, let := gate()
		erased := make(chan error, 1)
		go func() {
			erased <- db.CardPayments().InTx(ctx, func(tx cardpay.Tx) error {
				now := time.Now().UTC().Truncate(time.Microsecond)
				if riding, err := tx.HoldRider(ctx, rider, now); err != nil || riding {
					return fmt.Errorf("hold the rider: riding %v, %w", riding, err)
				}
				if err := identity.EraseTx(ctx, tx, rider, now); err != nil {
					return err
				}
				close(held)
				<-release
				return nil
			})
		}()
		testutil.Receive(t, 10*time.Second, "the erasure holding the rider", held)
		type result struct {
			place mobility.UnlockPlace
			err   error
		}
		unlock := make(chan result, 1)
		go func() {
			var r result
			r.err = db.Mobility().InTx(ctx, func(tx mobility.Tx) error {
				var err error
				r.place, err = tx.(mobility.UnlockReader).UnlockPlace(ctx, st.ID, rider)
				return err
			})
			unlock <- r
		}()
		waiting("the unlock waiting on the erasure", "%FROM accounts WHERE id = $1 FOR SHARE%")
		let()
		if err := testutil.Receive(t, 10*time.Second, "the erasure", erased); err != nil {
			t.Fatal(err)
		}
		if r := testutil.Receive(t, 10*time.Second, "the unlock's reads", unlock); r.err != nil || !r.place.RiderGone {
			t.Fatalf("unlock after the erasure: gone %v, %v", r.place.RiderGone, r.err)
		}
	})
}
