package mobility_test

import (
	"context"
	"testing"
	"time"

	"cityhub/apperr"
	"cityhub/identity"
	"cityhub/mobility"
	"cityhub/mobility/mobilitytest"
	"cityhub/store"
)

// TestUnlockRefusalsNameTheirReason walks every refusal an unlock's checks
// make before the station is asked, on both engines: PostgreSQL reads the
// checks' facts in two batches, the embedded store one read at a time, and
// each must refuse for the same reason, leave no ride and charge nothing.
func TestUnlockRefusalsNameTheirReason(t *testing.T) {
	t.Parallel()
	combos(t, false, func(t *testing.T, db store.DB, url string) {
		e := mobilitytest.New(t, db, url, mobilitytest.Options{})
		ctx := context.Background()
		admin := identity.Caller{AccountID: "acc_admin", Grants: []identity.Grant{{Role: identity.RoleAdmin}}}
		st, other := e.Stations[0], e.Stations[1]
		if len(st.Bikes) < 4 || len(other.Bikes) < 2 {
			t.Fatalf("the layout has %d and %d bikes; the cases need 4 and 2", len(st.Bikes), len(other.Bikes))
		}
		rich := e.Rider(t, 1000)
		empty := 0 // a dock of the station that holds no bike
		for d, bikes := 1, e.Sim.BikesAt(st.ID); d <= st.Docks && empty == 0; d++ {
			if bikes[d] == "" {
				empty = d
			}
		}
		if empty == 0 {
			t.Fatalf("the layout fills every dock of %s; the cases need an empty one", st.ID)
		}
		// A station in the catalogue that never reported.
		silent := mobility.Station{ID: st.ID + "-silent", NameIT: "Silenziosa", NameEN: "Silent", Lat: st.Lat, Lon: st.Lon, Capacity: 4, Open: true}
		if _, err := e.Svc.PutStation(ctx, admin, silent); err != nil {
			t.Fatal(err)
		}
		must := func(_ any, err error) {
			t.Helper()
			if err != nil {
				t.Fatal(err)
			}
		}
		cases := []struct {
			name, rider, reason string
			req                 mobility.UnlockRequest
			before, after       func()
		}{
			{name: "no such station", rider: rich, reason: "no_station", req: mobility.UnlockRequest{StationID: "nowhere", Dock: 1}},
			{name: "closed", rider: rich, reason: "station_closed", req: mobility.UnlockRequest{StationID: other.ID, Dock: other.Bikes[0].Dock},
				before: func() { must(e.Svc.SetStationOpen(ctx, admin, other.ID, false)) },
				after:  func() { must(e.Svc.SetStationOpen(ctx, admin, other.ID, true)) }},
			{name: "never reported", rider: rich, reason: "station_offline", req: mobility.UnlockRequest{StationID: silent.ID, Dock: 1}},
			{name: "empty dock", rider: rich, reason: "no_bike_at_dock", req: mobility.UnlockRequest{StationID: st.ID, Dock: empty}},
			{name: "dock the station does not have", rider: rich, reason: "no_such_dock", req: mobility.UnlockRequest{StationID: st.ID, Dock: st.Docks + 1}},
			{name: "bike elsewhere", rider: rich, reason: "bike_not_at_station", req: mobility.UnlockRequest{StationID: st.ID, BikeID: other.Bikes[0].ID}},
			// A code no bike has is the rider's typing, not a bike parked
			// elsewhere: named alone or with a dock.
			{name: "no bike has the code", rider: rich, reason: "no_such_bike", req: mobility.UnlockRequest{StationID: st.ID, BikeID: "nope-123"}},
			{name: "no bike has the code, at a dock", rider: rich, reason: "no_such_bike",
				req: mobility.UnlockRequest{StationID: st.ID, Dock: st.Bikes[0].Dock, BikeID: "nope-123"}},
			{name: "dock out of service", rider: rich, reason: "dock_out_of_service", req: mobility.UnlockRequest{StationID: st.ID, Dock: st.Bikes[1].Dock},
				before: func() { must(e.Svc.SetDockService(ctx, admin, st.ID, st.Bikes[1].Dock, false, "lock jammed")) },
				after:  func() { must(e.Svc.SetDockService(ctx, admin, st.ID, st.Bikes[1].Dock, true, "")) }},
			{name: "bike out of service", rider: rich, reason: "bike_inactive", req: mobility.UnlockRequest{StationID: st.ID, Dock: st.Bikes[2].Dock},
				before: func() { setBikeActive(t, e, admin, st.Bikes[2].ID, false) },
				after:  func() { setBikeActive(t, e, admin, st.Bikes[2].ID, true) }},
			// A bike in a dock cannot be deleted, but a station may report
			// one the catalogue never had.
			{name: "bike not in the catalogue", rider: rich, reason: "bike_unknown", req: mobility.UnlockRequest{StationID: other.ID, Dock: other.Docks},
				before: func() {
					now := time.Now()
					must(nil, e.Svc.Ingest(ctx, identity.System(), []mobility.Telemetry{{StationID: other.ID, Kind: mobility.KindEvents, Received: now,
						Event: &mobility.Event{TS: now, Type: mobility.EventBikeDocked, Dock: other.Docks, BikeID: "stray-1"}}}))
				}},
			{name: "dock holds another bike", rider: rich, reason: "bike_not_at_dock",
				req: mobility.UnlockRequest{StationID: st.ID, Dock: st.Bikes[0].Dock, BikeID: st.Bikes[1].ID}},
			{name: "too little credit", rider: e.Rider(t, 0), reason: "insufficient_credit", req: mobility.UnlockRequest{StationID: st.ID, Dock: st.Bikes[0].Dock}},
		}
		for _, c := range cases {
			t.Run(c.name, func(t *testing.T) {
				if c.before != nil {
					c.before()
				}
				if c.after != nil {
					defer c.after()
				}
				before := e.Balance(t, c.rider)
				_, err := e.Svc.Unlock(ctx, mobilitytest.Citizen(c.rider), c.req)
				if apperr.ReasonOf(err) != c.reason {
					t.Fatalf("unlock %+v: %v, want reason %s", c.req, err, c.reason)
				}
				if _, err := e.Svc.CurrentRide(ctx, mobilitytest.Citizen(c.rider)); !apperr.Has(err, apperr.NotFound) {
					t.Errorf("a refused unlock left a ride: %v", err)
				}
				if after := e.Balance(t, c.rider); after != before {
					t.Errorf("balance %d after a refused unlock, was %d", after, before)
				}
			})
		}
		// The checks passed, the station is asked and answers.
		if _, err := e.Svc.Unlock(ctx, mobilitytest.Citizen(rich), mobility.UnlockRequest{StationID: st.ID, Dock: st.Bikes[0].Dock}); err != nil {
			t.Fatalf("unlock after the refusals: %v", err)
		}
		if _, err := e.Svc.Unlock(ctx, mobilitytest.Citizen(rich), mobility.UnlockRequest{StationID: st.ID, Dock: st.Bikes[3].Dock}); apperr.ReasonOf(err) != "ride_open" {
			t.Fatalf("second unlock while riding: %v, want ride_open", err)
		}
	})
}

func setBikeActive(t *testing.T, e *mobilitytest.Env, admin identity.Caller, id string, active bool) {
	t.Helper()
	ctx := context.Background()
	bikes, err := e.Svc.Bikes(ctx, admin)
	if err != nil {
		t.Fatal(err)
	}
	for _, b := range bikes {
		if b.ID == id {
			b.Active = active
			if _, err := e.Svc.UpdateBike(ctx, admin, b); err != nil {
				t.Fatal(err)
			}
			return
		}
	}
	t.Fatalf("no bike %s", id)
}
