package mobility_test

import (
	"context"
	"strconv"
	"testing"

	"cityhub/mobility"
	"cityhub/mobility/mobilitytest"
	"cityhub/store"
	"cityhub/store/storetest"
	"cityhub/wallet"
)

// A charged ride and bikeshare revenue agree, through the ledger check;
// a ride marked unsettled behind the service's back (its fare charged all
// the same), its fare changed after it was posted, or the ride marked
// failed (a failed unlock charges nothing), is found on the
// revenue account, which the ledger alone cannot see (every posting still
// balances).
func TestReconcileRidesWithRevenue(t *testing.T) {
	t.Parallel()
	combos(t, false, func(t *testing.T, db store.DB, url string) {
		e := mobilitytest.New(t, db, url, mobilitytest.Options{})
		ctx := context.Background()
		ledger := wallet.NewService(db.Wallet(), nil)
		ledger.RegisterReconciler("mobility", e.Svc)
		found := func(when string) []wallet.Discrepancy {
			t.Helper()
			c, err := ledger.Check(ctx)
			if err != nil || len(c.Reconciled) != 1 || c.Reconciled[0] != "mobility" {
				t.Fatalf("%s: check %+v, %v", when, c, err)
			}
			if c.OK() != (len(c.Discrepancies) == 0) {
				t.Fatalf("%s: ok %v with discrepancies %+v", when, c.OK(), c.Discrepancies)
			}
			return c.Discrepancies
		}
		if ds := found("no ride yet"); len(ds) != 0 {
			t.Fatalf("no ride yet: %+v", ds)
		}
		rider := e.Rider(t, 1000)
		r, err := e.Svc.Unlock(ctx, mobilitytest.Citizen(rider), mobility.UnlockRequest{StationID: e.Stations[0].ID, Dock: 1})
		if err != nil {
			t.Fatalf("unlock: %v", err)
		}
		if _, _, err := e.Sim.Dock(r.BikeID, e.Stations[1].ID); err != nil {
			t.Fatal(err)
		}
		ended := endedRide(t, e, rider, "ride ended by bike_docked")
		fare := ended.FareCents
		if fare <= 0 || ended.Unsettled {
			t.Fatalf("ended ride %+v", ended)
		}
		if ds := found("a ride charged"); len(ds) != 0 {
			t.Fatalf("a ride charged: %+v", ds)
		}
		want := func(when string, balance, expected int64) {
			t.Helper()
			ds := found(when)
			if len(ds) != 1 || ds[0] != (wallet.Discrepancy{Source: "mobility", Account: wallet.RevenueBikeshare, Balance: balance, Expected: expected, Basis: "charged_fares"}) {
				t.Fatalf("%s: discrepancies %+v, want revenue %d against %d", when, ds, balance, expected)
			}
		}
		storetest.Behind(t, db, "UPDATE mobility_rides SET unsettled = TRUE WHERE id = '"+r.ID+"'")
		want("the charged ride marked unsettled", fare, 0)
		storetest.Behind(t, db, "UPDATE mobility_rides SET unsettled = FALSE, fare_cents = "+strconv.FormatInt(fare+50, 10)+" WHERE id = '"+r.ID+"'")
		want("its fare changed", fare, fare+50)
		storetest.Behind(t, db, "UPDATE mobility_rides SET status = 'failed', fare_cents = "+strconv.FormatInt(fare, 10)+" WHERE id = '"+r.ID+"'")
		want("the charged ride marked failed", fare, 0)
	})
}
