package mqtt_test

import (
	"context"
	"errors"
	"strings"
	"testing"

	"cityhub/apperr"
	"cityhub/identity"
	"cityhub/internal/testutil"
	"cityhub/mobility"
	"cityhub/mobility/mobilitytest"
	"cityhub/mqtt"
	"cityhub/mqtt/mqtttest"
	"cityhub/store/storetest"
)

// The hub touches only broker accounts it made for stations (review: a
// station registered as cityhub-hub took over the hub's own account, its
// password set to the station's secret and its roles kept, and revoking the
// station deleted it). A station id equal to the hub's username, or to any
// account that is not a station's, is refused as a conflict and the account
// keeps its password, client id and roles. On a private broker: before the
// fix this test overwrote the hub's account.
func TestDynsecLeavesForeignAccountsAlone(t *testing.T) {
	m := mqtttest.StartDynsecMosquitto(t)
	ctx := context.Background()
	root := mqtttest.Root(t)
	d, err := mqtt.StartDynsec(ctx, mqtt.DynsecOptions{URL: m.URL, Username: m.User, Password: m.Pass, Root: root})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(d.Close)
	m.Ctrl(t, "createClient", "hand-made", "-p", "hand-secret")

	// accountIntact: the account still opens with its own password, under
	// any client id (a station's account is pinned to station-{id}), and
	// not with the secret the hub was asked to set.
	accountIntact := func(t *testing.T, user, pass string) {
		t.Helper()
		s, err := connectAs(m.URL, "probe-"+user, user, pass)
		if err != nil {
			t.Fatalf("account %s no longer opens with its own password under its own client id: %v", user, err)
		}
		s.cli.Disconnect(50)
		if s, err := connectAs(m.URL, "probe2-"+user, user, "station-secret"); err == nil {
			s.cli.Disconnect(50)
			t.Fatalf("account %s opens with the station's secret", user)
		}
	}
	for _, acc := range []struct{ user, pass string }{{m.User, m.Pass}, {"hand-made", "hand-secret"}} {
		t.Run(acc.user, func(t *testing.T) {
			err := d.SetStationSecret(ctx, acc.user, "station-secret")
			testutil.WantReason(t, err, apperr.Conflict, "broker_account_taken")
			accountIntact(t, acc.user, acc.pass)
			err = d.RemoveStation(ctx, acc.user)
			testutil.WantReason(t, err, apperr.Conflict, "broker_account_taken")
			accountIntact(t, acc.user, acc.pass)
		})
	}
	if out := m.Ctrl(t, "getClient", m.User); !containsAll(out, "cityhub-hub", "admin") {
		t.Errorf("the hub's account lost a role:\n%s", out)
	}
	if out := m.Ctrl(t, "getClient", m.User); containsAll(out, "cityhub-station") {
		t.Errorf("the hub's account was given a station's role:\n%s", out)
	}

	// Through the service, as an admin registering the station would: the
	// error says conflict (the service wraps it; see the report for the
	// mapping to 409), and the hub's account is intact.
	db := storetest.OpenSQLite(t)
	svc := mobilitytest.NewService(db.Mobility(), nil)
	svc.SetBrokerAccounts(d)
	if _, err := svc.CreateStation(ctx, identity.System(), mobility.Station{ID: m.User, NameIT: "x", NameEN: "x", Lat: 41.1, Lon: 14.7, Capacity: 4, Open: true}); err != nil {
		t.Fatal(err)
	}
	_, err = svc.IssueStationCredential(ctx, admin, m.User)
	if !errors.Is(err, apperr.R(apperr.Conflict, "broker_account_taken", "")) {
		t.Errorf("issuing a credential to station %s: %v, want a broker_account_taken conflict", m.User, err)
	}
	accountIntact(t, m.User, m.Pass)

	// The hub's own station accounts are still managed: made, rotated, removed.
	first, second := "secret-one", "secret-two"
	if err := d.SetStationSecret(ctx, "st-own", first); err != nil {
		t.Fatal(err)
	}
	if err := d.SetStationSecret(ctx, "st-own", second); err != nil {
		t.Fatalf("rotating the hub's own station account: %v", err)
	}
	if s, err := connectStation(m.URL, "st-own", first); err == nil {
		s.cli.Disconnect(50)
		t.Error("the secret before the rotation still opens")
	}
	s, err := connectStation(m.URL, "st-own", second)
	if err != nil {
		t.Fatalf("the rotated secret: %v", err)
	}
	s.cli.Disconnect(50)
	if err := d.RemoveStation(ctx, "st-own"); err != nil {
		t.Fatalf("removing the hub's own station account: %v", err)
	}
	if s, err := connectStation(m.URL, "st-own", second); err == nil {
		s.cli.Disconnect(50)
		t.Error("a removed station account still opens")
	}
	if err := d.RemoveStation(ctx, "st-own"); err != nil {
		t.Errorf("removing it again: %v, want nothing to do", err)
	}
}

func containsAll(s string, subs ...string) bool {
	for _, sub := range subs {
		if !strings.Contains(s, sub) {
			return false
		}
	}
	return true
}
