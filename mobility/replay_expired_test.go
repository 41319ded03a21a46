package mobility_test

import (
	"context"
	"sync/atomic"
	"testing"
	"time"

	"cityhub/apperr"
	"cityhub/mobility"
	"cityhub/mobility/mobilitytest"
	"cityhub/simulator"
	"cityhub/store"
	"cityhub/store/storetest"
)

// countingStore counts the write transactions the service opens.
type countingStore struct {
	mobility.Store
	writes atomic.Int32
}

func (c *countingStore) InTx(ctx context.Context, fn func(tx mobility.Tx) error) error {
	c.writes.Add(1)
	return c.Store.InTx(ctx, fn)
}

// A retry of an unlock whose pending ride is past its deadline (the hub
// that sent the command went away) waits until the stores would expire the
// ride (PendingGrace past the deadline) and then asks once: it answers
// station_timeout after a handful of write transactions, where it opened
// one every millisecond until then (thousands, queued on SQLite behind its
// one writer).
func TestRetryOfAnExpiredUnlockWritesLittle(t *testing.T) {
	t.Parallel()
	storetest.Each(t, func(t *testing.T, db store.DB) {
		st := &countingStore{Store: db.Mobility()}
		svc := mobilitytest.NewService(st, nil)
		ctx := context.Background()
		if err := simulator.SeedCatalogue(ctx, svc, simulator.Layout("exp", 1, 4)); err != nil {
			t.Fatal(err)
		}
		// Left pending by a hub that went away, its deadline passed
		// PendingGrace/2 ago: half the grace is still to run.
		now := time.Now().UTC().Truncate(time.Microsecond)
		deadline := now.Add(-mobility.PendingGrace / 2)
		ride := mobility.Ride{ID: "ride_gone", CommandID: "cmd-gone", RiderID: "acc_gone", BikeID: "exp-001-b01", StartStation: "exp-001",
			StartDock: 1, Status: mobility.RidePending, PricingPlanID: "standard", Plan: simulator.StandardPlan,
			Deadline: deadline, CreatedAt: deadline.Add(-30 * time.Second)}
		if err := db.Mobility().InTx(ctx, func(tx mobility.Tx) error { return tx.InsertRide(ctx, ride) }); err != nil {
			t.Fatal(err)
		}
		st.writes.Store(0)
		got, err := svc.Unlock(ctx, mobilitytest.Citizen("acc_gone"), mobility.UnlockRequest{RequestID: "cmd-gone", StationID: "exp-001", Dock: 1})
		if apperr.ReasonOf(err) != "station_timeout" || got.Status != mobility.RideFailed || got.FailureReason != "pending_expired" {
			t.Fatalf("retry of the abandoned unlock: %+v %v; want it failed, pending_expired", got, err)
		}
		if elapsed := time.Since(now); elapsed < mobility.PendingGrace/2 {
			t.Errorf("answered after %s, before the stores would expire the ride", elapsed)
		}
		// The unlock's own transaction and one expiry.
		if n := st.writes.Load(); n > 3 {
			t.Errorf("the retry opened %d write transactions, want at most 3", n)
		}
	})
}
