package mobility_test

import (
	"context"
	"sync"
	"testing"
	"time"

	"cityhub/apperr"
	"cityhub/identity"
	"cityhub/internal/testutil"
	"cityhub/mobility"
	"cityhub/mobility/mobilitytest"
	"cityhub/store/storetest"
)

// unlockTx is the PostgreSQL store's transaction: a Tx that reads an
// unlock's facts in batches.
type unlockTx interface {
	mobility.Tx
	mobility.UnlockReader
}

// insertHook is a store whose transactions run inserted right after a
// ride is written, before the transaction commits.
type insertHook struct {
	mobility.Store
	inserted func()
}

func (s insertHook) InTx(ctx context.Context, fn func(mobility.Tx) error) error {
	return s.Store.InTx(ctx, func(tx mobility.Tx) error { return fn(hookedTx{tx.(unlockTx), s.inserted}) })
}

type hookedTx struct {
	unlockTx
	inserted func()
}

func (tx hookedTx) InsertRide(ctx context.Context, r mobility.Ride) error {
	if err := tx.unlockTx.InsertRide(ctx, r); err != nil {
		return err
	}
	tx.inserted()
	return nil
}

// An admin deleting the bike and the station of an unlock in flight waits
// for the unlock's transaction, then sees its ride and refuses: a ride never
// refers to a deleted bike or station. The station has just reported the
// bike gone (its dock emptied as the ride was written), so only the ride,
// not yet committed when the deletes start, keeps them. The embedded store
// runs one write transaction at a time, so only PostgreSQL can interleave
// them.
func TestDeleteWaitsForTheUnlockInFlight(t *testing.T) {
	t.Parallel()
	db := storetest.OpenPostgres(t)
	r := newRules(t, db)
	ctx := context.Background()
	rider := r.rider(5000)
	var bikeErr, stationErr error
	var wg sync.WaitGroup
	var once sync.Once
	deleting := func() {
		once.Do(func() {
			// The station's next status: its docks are empty.
			r.status(r.st, r.now, r.now)
			wg.Go(func() { bikeErr = r.svc.DeleteBike(ctx, identity.System(), "bk-1") })
			wg.Go(func() { stationErr = r.svc.DeleteStation(ctx, identity.System(), r.st) })
			done := make(chan struct{})
			go func() { wg.Wait(); close(done) }()
			// Each delete waits for the unlock's hold on its row, a wait
			// PostgreSQL shows as the waiter's tuple lock on that row's table.
			testutil.Eventually(t, 30*time.Second, "both deletes to wait for the unlock, or one to end", func() bool {
				select {
				case <-done:
					return true
				default:
				}
				var waiting int
				err := db.Pool().QueryRow(ctx, `SELECT count(DISTINCT relation) FROM pg_locks WHERE locktype = 'tuple'
					AND relation IN ('mobility_bikes'::regclass, 'mobility_stations'::regclass)`).Scan(&waiting)
				if err != nil {
					t.Errorf("read the locks waited for: %v", err)
					return true
				}
				return waiting == 2
			})
			select {
			case <-done:
				t.Errorf("a delete ended while the unlock's ride was not committed: bike %v, station %v", bikeErr, stationErr)
			default:
			}
		})
	}
	unlocking := mobility.NewService(insertHook{db.Mobility(), deleting}, r.station, nil)
	unlocking.SetClock(func() time.Time { return r.now })
	ride, err := unlocking.Unlock(ctx, mobilitytest.Citizen(rider), mobility.UnlockRequest{StationID: r.st, Dock: 1})
	if err != nil || ride.Status != mobility.RideActive || ride.BikeID != "bk-1" {
		t.Fatalf("unlock: %+v %v", ride, err)
	}
	wg.Wait()
	if apperr.ReasonOf(bikeErr) != "bike_on_ride" {
		t.Errorf("deleting the bike being unlocked: %v, want bike_on_ride", bikeErr)
	}
	if apperr.ReasonOf(stationErr) != "station_in_use" {
		t.Errorf("deleting the station of the unlock: %v, want station_in_use", stationErr)
	}
	if _, err := r.svc.Bike(ctx, identity.System(), "bk-1"); err != nil {
		t.Errorf("the ride's bike: %v", err)
	}
	if _, err := r.svc.Station(ctx, identity.System(), r.st); err != nil {
		t.Errorf("the ride's station: %v", err)
	}
}
