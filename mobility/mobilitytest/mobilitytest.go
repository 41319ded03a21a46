// Package mobilitytest wires a real hub's mobility side for tests and
// benchmarks: a store, the mobility service, the MQTT client on a broker, and
// simulated stations that the catalogue knows, plus a funded rider.
package mobilitytest

import (
	"context"
	"log/slog"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"cityhub/identity"
	"cityhub/ids"
	"cityhub/internal/testutil"
	"cityhub/mobility"
	"cityhub/mqtt"
	"cityhub/mqtt/mqtttest"
	"cityhub/simulator"
	"cityhub/store"
	"cityhub/wallet"
)

// Env is one hub instance with its stations.
type Env struct {
	DB       store.DB
	Svc      *mobility.Service
	Wallet   *wallet.Service
	Client   *mqtt.Client
	Sim      *simulator.Sim
	Root     string
	URL      string
	Stations []simulator.StationSpec
	// Metrics holds the MQTT client's metrics: what a test reads to know
	// that a message was received or a reply dropped.
	Metrics *prometheus.Registry
}

// Options shape an Env.
type Options struct {
	Stations, Docks int // 3 stations of 6 docks
	Sim             func(*simulator.Config)
	UnlockTimeout   time.Duration // 30s
	Log             *slog.Logger
	// Secure, when set, gives the broker that authenticates stations (the
	// url passed to New is then ignored): called with the service, which
	// the embedded broker checks logins against. Each simulated station
	// gets a credential of its own, issued through the service.
	Secure func(tb testing.TB, svc *mobility.Service, root string) SecureBroker
}

// SecureBroker is a broker that authenticates stations.
type SecureBroker struct {
	URL        string
	User, Pass string // the hub's account
	Accounts   mobility.BrokerAccounts
}

// New starts everything on db and the broker at url; it is torn down when tb ends.
func New(tb testing.TB, db store.DB, url string, o Options) *Env {
	tb.Helper()
	if o.Stations == 0 {
		o.Stations = 3
	}
	if o.Docks == 0 {
		o.Docks = 6
	}
	if o.UnlockTimeout == 0 {
		// Long: an answered unlock returns when its answer comes, and only
		// a test that wants the deadline to run out sets a short one.
		o.UnlockTimeout = 30 * time.Second
	}
	ctx := context.Background()
	e := &Env{DB: db, Root: mqtttest.Root(tb), URL: url, Metrics: prometheus.NewRegistry()}
	e.Svc = NewService(db.Mobility(), o.Log)
	e.Svc.UnlockTimeout = o.UnlockTimeout
	e.Wallet = wallet.NewService(db.Wallet(), o.Log)
	if err := e.Wallet.Setup(ctx); err != nil {
		tb.Fatalf("wallet setup: %v", err)
	}
	var sb SecureBroker
	if o.Secure != nil {
		sb = o.Secure(tb, e.Svc, e.Root)
		url, e.URL = sb.URL, sb.URL
		e.Svc.SetBrokerAccounts(sb.Accounts)
	}
	var err error
	e.Client, err = mqtt.New(mqtt.Options{URL: url, Username: sb.User, Password: sb.Pass, Root: e.Root, InstanceID: "hub-" + short(), Log: o.Log, MaxBackoff: time.Second, Registry: e.Metrics})
	if err != nil {
		tb.Fatal(err)
	}
	if err := e.Client.Start(ctx, e.Svc); err != nil {
		tb.Fatal(err)
	}
	tb.Cleanup(e.Client.Close)
	e.Svc.SetCommander(e.Client)
	// Connected means subscribed and done reading the retained state, so
	// the stations below start retaining only after that read (the embedded
	// broker's scan of retained messages races a concurrent retained publish
	// inside mochi-mqtt v2.7.9).
	testutil.Eventually(tb, 10*time.Second, "hub connected and subscribed", e.Client.Connected)

	e.Stations = simulator.Layout("s"+short(), o.Stations, o.Docks)
	if err := simulator.SeedCatalogue(ctx, e.Svc, e.Stations); err != nil {
		tb.Fatal(err)
	}
	cfg := simulator.Config{URL: url, Root: e.Root, Stations: e.Stations, StatusEvery: time.Minute, Seed: 1}
	if o.Secure != nil {
		admin := identity.Caller{AccountID: "mobilitytest", Grants: []identity.Grant{{Role: identity.RoleAdmin}}}
		cfg.Credentials = map[string]string{}
		for _, st := range e.Stations {
			c, err := e.Svc.IssueStationCredential(ctx, admin, st.ID)
			if err != nil {
				tb.Fatalf("credential of %s: %v", st.ID, err)
			}
			cfg.Credentials[st.ID] = c.Secret
		}
	}
	if o.Sim != nil {
		o.Sim(&cfg)
	}
	e.Sim = simulator.New(cfg)
	if err := e.Sim.Start(ctx); err != nil {
		tb.Fatal(err)
	}
	tb.Cleanup(e.Sim.Close)
	testutil.Eventually(tb, 10*time.Second, "every station online in the hub", func() bool {
		for _, st := range e.Stations {
			s, err := e.StationState(st.ID)
			if err != nil || !s.Online || s.Bikes() != len(st.Bikes) {
				return false
			}
		}
		return true
	})
	return e
}

func short() string { return ids.Token(8)[:10] }

// StationState reads a station's live state from the store.
func (e *Env) StationState(id string) (mobility.StationState, error) {
	var s mobility.StationState
	err := e.DB.Mobility().View(context.Background(), func(tx mobility.Tx) error {
		var err error
		s, err = tx.StationState(context.Background(), id)
		return err
	})
	return s, err
}

// Citizen is the caller of a citizen with account id: what a rider's
// request carries once authenticated.
func Citizen(id string) identity.Caller {
	return identity.Caller{AccountID: id, Grants: []identity.Grant{{Role: identity.RoleCitizen}}}
}

// Rider opens a citizen's account and wallet, funded with cents, and
// returns its id.
func (e *Env) Rider(tb testing.TB, cents int64) string {
	tb.Helper()
	id := ids.New("acc")
	ctx := context.Background()
	if err := e.DB.Identity().InTx(ctx, func(tx identity.Tx) error {
		if err := tx.InsertAccount(ctx, identity.Account{ID: id, Email: id + "@example.org", Name: "Rider", Locale: "it",
			PasswordHash: "x", CreatedAt: time.Now().UTC(), Grants: []identity.Grant{{Role: identity.RoleCitizen}}}); err != nil {
			return err
		}
		return wallet.OpenCitizen(ctx, tx, id)
	}); err != nil {
		tb.Fatal(err)
	}
	if cents > 0 {
		_, err := e.Wallet.Post(ctx, wallet.Transaction{Key: "test-topup:" + id, Kind: "topup", Entries: []wallet.Entry{
			{Account: wallet.CityFunding, Amount: -cents}, {Account: wallet.CitizenAccount(id), Amount: cents}}})
		if err != nil {
			tb.Fatal(err)
		}
	}
	return id
}

// Balance is a rider's credit.
func (e *Env) Balance(tb testing.TB, rider string) int64 {
	tb.Helper()
	a, err := e.Wallet.Account(context.Background(), wallet.CitizenAccount(rider))
	if err != nil {
		tb.Fatal(err)
	}
	return a.Balance
}

// NewService is mobility.NewService for tests: no commander, and station
// secrets hashed at identity.FastArgon2 (a hub hashes each new station's
// secret at its configured cost, which under the race detector is a third
// of a second of CPU per station; tests create hundreds).
func NewService(st mobility.Store, log *slog.Logger) *mobility.Service {
	svc := mobility.NewService(st, nil, log)
	svc.SetSecretHashCost(identity.FastArgon2)
	return svc
}

// FailedUnlock records an unlock of a bike at station, with command id
// commandID, that the hub gave up on (the station did not answer in time):
// the ride whose late ok raises a "bike released without a ride" incident
// (mobility.Service.UnlockConfirmedLate, which raises none for a command
// the hub never sent).
func (e *Env) FailedUnlock(tb testing.TB, station, commandID string) mobility.Ride {
	tb.Helper()
	ctx := context.Background()
	now := time.Now().UTC().Truncate(time.Microsecond)
	plan := mobility.PricingPlan{ID: "base", NameIT: "Base", UnlockCents: 100, PerMin: []mobility.Segment{{StartMin: 0, RateCents: 10, IntervalMin: 1}}}
	r := mobility.Ride{ID: "ride_" + commandID, CommandID: commandID, RiderID: e.Rider(tb, 0), BikeID: "bike-" + commandID, StartStation: station,
		StartDock: 1, Status: mobility.RideFailed, PricingPlanID: plan.ID, Plan: plan, Deadline: now, CreatedAt: now, FailureReason: "timeout"}
	if err := e.DB.Mobility().InTx(ctx, func(tx mobility.Tx) error { return tx.InsertRide(ctx, r) }); err != nil {
		tb.Fatal(err)
	}
	return r
}

// Docked is a status report of station taken at ts, online, with bikes
// docked and locked from dock 1 on ("" an empty dock), as the hub receives
// it now.
func Docked(ts time.Time, station string, bikes ...string) mobility.Telemetry {
	r := &mobility.StatusReport{TS: ts, Online: true}
	for i, b := range bikes {
		r.Docks = append(r.Docks, mobility.DockState{Dock: i + 1, BikeID: b, Locked: b != ""})
	}
	return mobility.Telemetry{StationID: station, Kind: mobility.KindStatus, Status: r, Received: time.Now()}
}
