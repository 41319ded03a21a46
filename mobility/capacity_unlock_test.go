package mobility_test

import (
	"context"
	"fmt"
	"strings"
	"testing"
	"time"

	"cityhub/apperr"
	"cityhub/identity"
	"cityhub/mobility"
	"cityhub/mobility/mobilitytest"
	"cityhub/store"
)

// A dock above a station's registered capacity is none the hub knows of:
// a station that reports a bike there (more docks than registered, or a
// forged report) shows no such bike to riders, and no unlock may take it,
// by its dock or by its code, so no fare is ever charged for it. Named by
// its dock, it is a dock the station does not have: 400 no_such_dock with
// the station's range, not a dock that lost its bike.
func TestUnlockRefusesABikeAboveTheCapacity(t *testing.T) {
	t.Parallel()
	combos(t, false, func(t *testing.T, db store.DB, url string) {
		ctx := context.Background()
		e := mobilitytest.New(t, db, url, mobilitytest.Options{Stations: 1, Docks: 4})
		st := e.Stations[0]
		rider := e.Rider(t, 1000)
		bikes := e.Sim.BikesAt(st.ID)
		top := 0
		for d := range bikes {
			top = max(top, d)
		}
		if top == 0 || top >= st.Docks {
			t.Fatalf("the simulated station's bikes %v leave no empty dock at the top of %d", bikes, st.Docks)
		}
		station, err := e.Svc.Station(ctx, identity.System(), st.ID)
		if err != nil {
			t.Fatal(err)
		}
		station.Capacity = top
		if _, err := e.Svc.UpdateStation(ctx, identity.System(), station); err != nil {
			t.Fatal(err)
		}
		// The station then reports one of its bikes in the dock above the
		// capacity, stamped ahead of the simulator's own reports so that
		// none of them replaces it during the test.
		above, bike := top+1, bikes[top]
		r := &mobility.StatusReport{TS: time.Now().Add(time.Minute).UTC(), Online: true}
		for d := 1; d <= st.Docks; d++ {
			b := bikes[d]
			switch d {
			case top:
				b = ""
			case above:
				b = bike
			}
			r.Docks = append(r.Docks, mobility.DockState{Dock: d, BikeID: b, Locked: b != ""})
		}
		if err := e.Svc.Ingest(ctx, identity.System(), []mobility.Telemetry{{StationID: st.ID, Kind: mobility.KindStatus, Status: r}}); err != nil {
			t.Fatal(err)
		}
		_, err = e.Svc.Unlock(ctx, mobilitytest.Citizen(rider), mobility.UnlockRequest{StationID: st.ID, Dock: above})
		if !apperr.Has(err, apperr.Invalid) || apperr.ReasonOf(err) != "no_such_dock" || !strings.Contains(err.Error(), fmt.Sprintf("This station has docks 1 to %d.", top)) {
			t.Errorf("unlock of dock %d above the capacity %d: %v, want 400 no_such_dock naming the range", above, top, err)
		}
		_, err = e.Svc.Unlock(ctx, mobilitytest.Citizen(rider), mobility.UnlockRequest{StationID: st.ID, Dock: 99})
		if !apperr.Has(err, apperr.Invalid) || apperr.ReasonOf(err) != "no_such_dock" {
			t.Errorf("unlock of dock 99 of a station of %d: %v, want 400 no_such_dock", top, err)
		}
		_, err = e.Svc.Unlock(ctx, mobilitytest.Citizen(rider), mobility.UnlockRequest{StationID: st.ID, BikeID: bike})
		if !apperr.Has(err, apperr.Conflict) || apperr.ReasonOf(err) != "bike_not_at_station" {
			t.Errorf("unlock of bike %s in dock %d above the capacity: %v, want 409 bike_not_at_station", bike, above, err)
		}
		if n := e.Sim.Unlocks(); n != 0 {
			t.Errorf("the station got %d unlock commands", n)
		}
		if _, err := e.Svc.CurrentRide(ctx, mobilitytest.Citizen(rider)); !apperr.Has(err, apperr.NotFound) {
			t.Errorf("the rider has a ride: %v", err)
		}
	})
}
