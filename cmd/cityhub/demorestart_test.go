package main

import (
	"context"
	"maps"
	"path/filepath"
	"slices"
	"testing"

	"cityhub/identity"
	"cityhub/mobility"
	"cityhub/mobility/mobilitytest"
	"cityhub/simulator"
	"cityhub/store"
	"cityhub/store/sqlite"
	"cityhub/store/storetest"
)

// The demo seeds its bike catalogue on its first start only: a later start
// keeps what the operator and the administrator changed (a station closed
// or renamed, a bike taken out of the fleet). Every start used to put the
// catalogue back as seeded, reopening closed stations and returning bikes
// to rent.
func TestDemoRestartKeepsTheCatalogueAsChanged(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	env := demoEnv(dir)
	startDemoOnce(t, env)

	ctx := context.Background()
	sys := identity.System()
	change := func(do func(svc *mobility.Service) error) {
		t.Helper()
		db, err := sqlite.Open(ctx, filepath.Join(dir, store.SQLiteFile), storetest.Logger(t))
		if err != nil {
			t.Fatal(err)
		}
		defer db.Close()
		if err := do(mobilitytest.NewService(db.Mobility(), nil)); err != nil {
			t.Fatal(err)
		}
	}
	var outID string
	change(func(svc *mobility.Service) error {
		st, err := svc.Station(ctx, sys, "bn-007")
		if err != nil {
			return err
		}
		st.NameIT, st.Open = "Stazione rinominata", false
		if _, err := svc.PutStation(ctx, sys, st); err != nil {
			return err
		}
		bikes, err := svc.Bikes(ctx, sys)
		if err != nil {
			return err
		}
		if len(bikes) == 0 {
			t.Fatalf("the demo seeded %d bikes", len(bikes))
		}
		b := bikes[0]
		b.Active = false
		if _, err := svc.PutBike(ctx, sys, b); err != nil {
			return err
		}
		outID = b.ID
		return nil
	})
	startDemoOnce(t, env)
	change(func(svc *mobility.Service) error {
		st, err := svc.Station(ctx, sys, "bn-007")
		if err != nil {
			return err
		}
		if st.NameIT != "Stazione rinominata" || st.Open {
			t.Errorf("after a restart bn-007 is %q, open %v: want the renamed, closed station", st.NameIT, st.Open)
		}
		bikes, err := svc.Bikes(ctx, sys)
		if err != nil {
			return err
		}
		for _, b := range bikes {
			if b.ID == outID && b.Active {
				t.Errorf("the bike %s taken out of the fleet is back in it", b.ID)
			}
		}
		return nil
	})
}

// A station whose broker credential the operator revoked stays revoked when
// the demo starts again: the demo does not issue it a new one, does not
// play it (it shows offline, as a real station locked out does) and leaves
// it out of the simulated stations' credentials file, while the other
// stations get fresh secrets as on every start.
func TestDemoRestartKeepsARevokedCredentialRevoked(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	env := demoEnv(dir)
	startDemoOnce(t, env)

	ctx := context.Background()
	sys := identity.System()
	open := func() (*mobility.Service, func()) {
		t.Helper()
		db, err := sqlite.Open(ctx, filepath.Join(dir, store.SQLiteFile), storetest.Logger(t))
		if err != nil {
			t.Fatal(err)
		}
		return mobilitytest.NewService(db.Mobility(), nil), func() { db.Close() }
	}
	svc, done := open()
	revoked, err := svc.RevokeStationCredential(ctx, sys, "bn-003")
	if err != nil {
		t.Fatal(err)
	}
	other, err := svc.StationCredential(ctx, sys, "bn-004")
	if err != nil {
		t.Fatal(err)
	}
	done()

	startDemoOnce(t, env)
	svc, done = open()
	defer done()
	c, err := svc.StationCredential(ctx, sys, "bn-003")
	if err != nil || c.Active() || c.Generation != revoked.Generation {
		t.Errorf("after a restart bn-003's credential is %+v (%v): want it revoked, generation %d", c, err, revoked.Generation)
	}
	if c, err := svc.StationCredential(ctx, sys, "bn-004"); err != nil || !c.Active() || c.Generation <= other.Generation {
		t.Errorf("after a restart bn-004's credential is %+v (%v): want a new one after generation %d", c, err, other.Generation)
	}
	creds, err := simulator.ReadCredentials(filepath.Join(dir, "demo-stations.credentials"))
	if err != nil {
		t.Fatal(err)
	}
	if _, ok := creds["bn-003"]; ok || creds["bn-004"] == "" {
		t.Errorf("credentials file after a restart lists %v", slices.Sorted(maps.Keys(creds)))
	}
}
