package gbfs

import (
	"context"
	"slices"
	"testing"
	"time"

	"cityhub/internal/testutil"
	"cityhub/mobility"
	"cityhub/mobility/mobilitytest"
	"cityhub/mqtt/mqtttest"
	"cityhub/store/storetest"
)

// TestFeedsFromLiveStations renders the feeds from the mobility service fed
// by simulated stations over MQTT (PostgreSQL with Mosquitto, SQLite with the
// embedded broker): the counts are the stations' own, a bike taken on a ride
// leaves the feeds, and once docked elsewhere it comes back under a new id
// while every other bike keeps its id.
func TestFeedsFromLiveStations(t *testing.T) {
	for _, c := range []struct{ engine, broker string }{{"postgres", "mosquitto"}, {"sqlite", "embedded"}} {
		t.Run(c.engine+"+"+c.broker, func(t *testing.T) {
			t.Parallel()
			url := mqtttest.URL()
			if c.broker == "embedded" {
				url = mqtttest.StartEmbedded(t).URL()
			}
			e := mobilitytest.New(t, storetest.Open(t, c.engine), url, mobilitytest.Options{})
			cfg := testConfig()
			cfg.Now = nil
			f, err := New(MobilitySource{Service: e.Svc}, cfg)
			if err != nil {
				t.Fatal(err)
			}
			render := func() (map[string]status, []vehicleStatus) {
				t.Helper()
				bodies := mustBodies(t, f)
				for _, name := range FeedNames {
					if err := validateFeed(t, name, bodies[name]); err != nil {
						t.Fatal(err)
					}
				}
				if err := checkConsistent(t, bodies); err != nil {
					t.Fatal(err)
				}
				st := map[string]status{}
				for _, s := range decode[struct {
					Stations []status `json:"stations"`
				}](t, bodies[FeedStationStatus]).Data.Stations {
					st[s.StationID] = s
				}
				return st, decode[vehicleStatusData](t, bodies[FeedVehicleStatus]).Data.Vehicles
			}
			ids := func(vs []vehicleStatus) []string {
				var out []string
				for _, v := range vs {
					out = append(out, v.VehicleID)
				}
				return out
			}

			st, vs := render()
			bikes := 0
			for _, spec := range e.Stations {
				s, ok := st[spec.ID]
				if !ok {
					t.Fatalf("station %s missing from station_status", spec.ID)
				}
				state, err := e.StationState(spec.ID)
				if err != nil {
					t.Fatal(err)
				}
				if s.NumVehiclesAvailable != len(spec.Bikes) || s.NumDocksAvailable != spec.Docks-len(spec.Bikes) ||
					!s.IsRenting || s.LastReported != timestamp(state.ReportedAt(), systemZone(t)) {
					t.Errorf("station %s = %+v, simulator has %d bikes in %d docks", spec.ID, s, len(spec.Bikes), spec.Docks)
				}
				bikes += len(spec.Bikes)
			}
			if len(vs) != bikes {
				t.Fatalf("vehicle_status has %d bikes, the stations %d", len(vs), bikes)
			}
			before := ids(vs)

			ctx := context.Background()
			rider := e.Rider(t, 1000)
			from, to := e.Stations[0], e.Stations[1]
			r, err := e.Svc.Unlock(ctx, mobilitytest.Citizen(rider), mobility.UnlockRequest{StationID: from.ID, Dock: 1})
			if err != nil {
				t.Fatalf("unlock: %v", err)
			}
			// The bike counts nowhere from the moment the ride holds it, even
			// before the station's next status says the dock is empty.
			st, vs = render()
			if n := st[from.ID].NumVehiclesAvailable; n != len(from.Bikes)-1 || len(vs) != bikes-1 {
				t.Errorf("during the ride: %d bikes at %s, %d in vehicle_status", n, from.ID, len(vs))
			}

			if _, _, err := e.Sim.Dock(r.BikeID, to.ID); err != nil {
				t.Fatal(err)
			}
			testutil.Eventually(t, 10*time.Second, "ride ended and the bike docked", func() bool {
				if _, err := e.Svc.CurrentRide(ctx, mobilitytest.Citizen(rider)); err == nil {
					return false
				}
				s, err := e.StationState(to.ID)
				_, there := s.DockOfBike(r.BikeID)
				return err == nil && there
			})
			st, vs = render()
			if st[from.ID].NumVehiclesAvailable != len(from.Bikes)-1 || st[to.ID].NumVehiclesAvailable != len(to.Bikes)+1 || len(vs) != bikes {
				t.Errorf("after the ride: %d at %s, %d at %s, %d in vehicle_status", st[from.ID].NumVehiclesAvailable, from.ID,
					st[to.ID].NumVehiclesAvailable, to.ID, len(vs))
			}
			after := ids(vs)
			var kept int
			for _, id := range after {
				if slices.Contains(before, id) {
					kept++
				}
			}
			if kept != bikes-1 {
				t.Errorf("%d of %d ids kept after one trip, want %d", kept, bikes, bikes-1)
			}
		})
	}
}
