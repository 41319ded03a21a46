package mobility_test

import (
	"context"
	"fmt"
	"testing"
	"time"

	"cityhub/apperr"
	"cityhub/identity"
	"cityhub/mobility"
	"cityhub/mobility/mobilitytest"
	"cityhub/simulator"
	"cityhub/store"
	"cityhub/store/storetest"
)

func TestTelemetryUpdatesStationState(t *testing.T) {
	t.Parallel()
	combos(t, true, func(t *testing.T, db store.DB, url string) {
		e := mobilitytest.New(t, db, url, mobilitytest.Options{})
		ctx := context.Background()
		for _, st := range e.Stations {
			s, err := e.StationState(st.ID)
			if err != nil {
				t.Fatal(err)
			}
			for dock, bike := range e.Sim.BikesAt(st.ID) {
				if d, ok := s.Dock(dock); !ok || d.BikeID != bike || !d.Locked {
					t.Errorf("%s dock %d: hub has %+v, station has %s", st.ID, dock, d, bike)
				}
			}
			if s.LastReported.IsZero() || time.Since(s.LastReported) > time.Minute {
				t.Errorf("last_reported %s", s.LastReported)
			}
		}
		list, err := e.Svc.StationList(ctx, &mobility.LatLon{Lat: e.Stations[2].Lat, Lon: e.Stations[2].Lon}, "it")
		if err != nil {
			t.Fatal(err)
		}
		if len(list) != 3 || list[0].ID != e.Stations[2].ID || *list[0].DistanceMeters != 0 {
			t.Fatalf("nearest first: %+v", list[0])
		}
		for _, v := range list {
			if !v.Online || v.BikesAvailable != 4 || v.EBikesAvailable != 1 || v.DocksAvailable != 2 || !v.Renting {
				t.Errorf("%s: %+v", v.ID, v)
			}
		}
		occ, err := e.Svc.Occupancy24h(ctx, identity.System(), e.Stations[0].ID)
		if err != nil || len(occ) == 0 || occ[len(occ)-1].Bikes != 4 {
			t.Errorf("occupancy %+v %v", occ, err)
		}
	})
}

// A message older than the state held never overwrites it, whatever order
// messages arrive in; online=false (the will) marks the station offline.
func TestOlderTelemetryNeverOverwrites(t *testing.T) {
	t.Parallel()
	storetest.Each(t, func(t *testing.T, db store.DB) {
		svc := mobilitytest.NewService(db.Mobility(), nil)
		ctx := context.Background()
		if err := simulator.SeedCatalogue(ctx, svc, simulator.Layout("st", 1, 4)); err != nil {
			t.Fatal(err)
		}
		t0 := time.Now().UTC().Truncate(time.Millisecond)
		status := func(at time.Time, bikes ...string) mobility.Telemetry {
			return mobilitytest.Docked(at, "st-001", bikes...)
		}
		// Newest first, then an older one in the same batch and in a later batch.
		if err := svc.Ingest(ctx, identity.System(), []mobility.Telemetry{status(t0, "a", "b", "", ""), status(t0.Add(-time.Second), "", "", "", "")}); err != nil {
			t.Fatal(err)
		}
		if err := svc.Ingest(ctx, identity.System(), []mobility.Telemetry{status(t0.Add(-time.Minute), "", "", "", "")}); err != nil {
			t.Fatal(err)
		}
		v, err := svc.StationDetail(ctx, "st-001")
		if err != nil {
			t.Fatal(err)
		}
		if !v.LastReported.Equal(t0) || !v.Online {
			t.Fatalf("state went back in time: %+v", v)
		}
		var st mobility.StationState
		db.Mobility().View(ctx, func(tx mobility.Tx) error { st, err = tx.StationState(ctx, "st-001"); return err })
		if st.Bikes() != 2 {
			t.Fatalf("bikes = %d, want 2", st.Bikes())
		}
		// All empty, newer: empty since then.
		if err := svc.Ingest(ctx, identity.System(), []mobility.Telemetry{status(t0.Add(time.Second), "", "", "", "")}); err != nil {
			t.Fatal(err)
		}
		if err := svc.Ingest(ctx, identity.System(), []mobility.Telemetry{{StationID: "st-001", Kind: mobility.KindOnline, Online: &mobility.OnlineReport{Online: false}, Received: time.Now()}}); err != nil {
			t.Fatal(err)
		}
		ov, err := svc.OperatorOverview(ctx, identity.System())
		if err != nil {
			t.Fatal(err)
		}
		o := ov.Stations[0]
		// The hub's time of the status stamped t0+1s: never after the hub
		// received it.
		if !o.Offline || !o.Empty || o.EmptySince.Before(t0) || o.EmptySince.After(t0.Add(time.Second)) || o.Full {
			t.Errorf("overview: %+v", o)
		}
		if svc.Applied() != 5 {
			t.Errorf("applied = %d", svc.Applied())
		}
	})
}

// Telemetry for a station id the city never registered is dropped: whoever
// can publish on the broker cannot create stations or grow the state table,
// and a registered station's state is untouched by it.
func TestTelemetryForUnregisteredStationIsDropped(t *testing.T) {
	t.Parallel()
	storetest.Each(t, func(t *testing.T, db store.DB) {
		svc := mobilitytest.NewService(db.Mobility(), nil)
		ctx := context.Background()
		if err := simulator.SeedCatalogue(ctx, svc, simulator.Layout("st", 1, 4)); err != nil {
			t.Fatal(err)
		}
		now := time.Now().UTC()
		var batch []mobility.Telemetry
		for i := range 50 {
			batch = append(batch, mobility.Telemetry{StationID: fmt.Sprintf("ghost-%03d", i), Kind: mobility.KindStatus,
				Status: &mobility.StatusReport{TS: now, Online: true, Docks: []mobility.DockState{{Dock: 1, BikeID: "x", Locked: true}}}, Received: now})
		}
		batch = append(batch, mobility.Telemetry{StationID: "st-001", Kind: mobility.KindStatus,
			Status: &mobility.StatusReport{TS: now, Online: true, Docks: []mobility.DockState{{Dock: 1, BikeID: "b1", Locked: true}}}, Received: now})
		if err := svc.Ingest(ctx, identity.System(), batch); err != nil {
			t.Fatal(err)
		}
		err := db.Mobility().View(ctx, func(tx mobility.Tx) error {
			if _, err := tx.StationState(ctx, "ghost-007"); !apperr.Has(err, apperr.NotFound) {
				t.Errorf("state of an unregistered station: %v, want not found", err)
			}
			st, err := tx.StationState(ctx, "st-001")
			if err != nil {
				return err
			}
			if st.Bikes() != 1 {
				t.Errorf("registered station has %d bikes, want 1", st.Bikes())
			}
			return nil
		})
		if err != nil {
			t.Fatal(err)
		}
		snap, err := svc.Snapshot(ctx)
		if err != nil {
			t.Fatal(err)
		}
		if len(snap.States) != 1 {
			t.Errorf("snapshot holds %d station states, want only the registered one", len(snap.States))
		}
	})
}
