package main

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"log/slog"
	"path/filepath"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"cityhub/apperr"
	"cityhub/config"
	"cityhub/demo"
	"cityhub/identity"
	"cityhub/mobility"
	"cityhub/mqtt"
	"cityhub/simulator"
	"cityhub/store"
	"cityhub/web/feeds"
)

// mobilityHub is the mobility service with its MQTT side: the embedded
// broker when no external one is configured, and this instance's client.
type mobilityHub struct {
	cfg    config.Config
	log    *slog.Logger
	svc    *mobility.Service
	broker *mqtt.Broker
	dynsec *mqtt.Dynsec
	client *mqtt.Client
	sim    *simulator.Sim
}

func newMobility(cfg config.Config, db store.DB, log *slog.Logger) *mobilityHub {
	log = log.With(slog.String("component", "mobility"))
	svc := mobility.NewService(db.Mobility(), nil, log)
	svc.SetSecretHashCost(hashCost(cfg)) // of the stations' broker secrets
	return &mobilityHub{cfg: cfg, log: log, svc: svc}
}

// start brings up the broker (if embedded) and connects this instance's
// client, registering its metrics on reg.
func (m *mobilityHub) start(ctx context.Context, reg prometheus.Registerer) error {
	url, user, pass := m.cfg.MQTTURL, m.cfg.MQTTUsername, m.cfg.MQTTPassword
	switch {
	case url == "":
		// The embedded broker checks every station against the hub's store.
		b, err := mqtt.StartSecureBroker(mqtt.BrokerOptions{Addr: m.cfg.MQTTBrokerAddr, MoveIfTaken: m.cfg.Demo, Registry: reg, Root: m.cfg.MQTTTopicRoot, Stations: m.svc, Log: m.log})
		if err != nil {
			return err
		}
		m.broker = b
		m.svc.SetBrokerAccounts(b)
		url = b.URL()
		user, pass = b.HubCredentials()
	case m.cfg.MQTTBrokerAuth == "dynsec":
		d, err := mqtt.StartDynsec(ctx, mqtt.DynsecOptions{URL: url, Username: user, Password: pass, Root: m.cfg.MQTTTopicRoot, Log: m.log})
		if err != nil {
			return err
		}
		m.dynsec = d
		m.svc.SetBrokerAccounts(d)
	default:
		m.log.Warn("the external broker is not told about station credentials (CITYHUB_MQTT_BROKER_AUTH=none): it must authenticate stations itself, see docs/mqtt.md")
	}
	c, err := mqtt.New(mqtt.Options{URL: url, Username: user, Password: pass,
		InstanceID: m.cfg.InstanceID, Root: m.cfg.MQTTTopicRoot, ShareGroup: m.cfg.MQTTShareGroup, Log: m.log, Registry: reg})
	if err != nil {
		return err
	}
	if err := c.Start(ctx, m.svc); err != nil {
		return err
	}
	if err := registerIngestCounts(reg, m.svc); err != nil {
		return err
	}
	m.client = c
	m.svc.SetCommander(c)
	m.log.Info("mqtt ready", slog.String("instance", c.InstanceID()), slog.String("reply_topic", c.ReplyTopic()))
	return nil
}

// ready is the /readyz "broker" check.
func (m *mobilityHub) ready(ctx context.Context) error {
	if m.client == nil {
		return feeds.Reason("the hub's MQTT client has not started")
	}
	if err := m.client.Ping(ctx); err != nil {
		return fmt.Errorf("%w: %w", feeds.Reason("the MQTT broker does not answer: stations' telemetry and unlocks wait"), err)
	}
	return nil
}

// ingestCheck is the /readyz "telemetry" degradation check: the backlog of
// station messages not applied yet is over its bound.
func (m *mobilityHub) ingestCheck(ctx context.Context) error {
	if m.client == nil {
		return nil
	}
	if err := m.client.IngestCheck(ctx); err != nil {
		// The hub's own count of what waits: nothing private.
		return feeds.Reason(err.Error())
	}
	return nil
}

// brokerURL is where stations connect.
func (m *mobilityHub) brokerURL() string {
	if m.broker != nil {
		return m.broker.URL()
	}
	return m.cfg.MQTTURL
}

// registerIngestCounts exports the telemetry the mobility service ignored,
// by reason, as cityhub_mobility_telemetry_ignored_total.
func registerIngestCounts(reg prometheus.Registerer, svc *mobility.Service) error {
	for reason, count := range map[string]func(mobility.IngestCounts) int64{
		"unregistered":    func(c mobility.IngestCounts) int64 { return c.Unregistered },
		"stale":           func(c mobility.IngestCounts) int64 { return c.Stale },
		"unknown_event":   func(c mobility.IngestCounts) int64 { return c.UnknownEvent },
		"refused_docking": func(c mobility.IngestCounts) int64 { return c.RefusedDocking },
	} {
		err := reg.Register(prometheus.NewCounterFunc(prometheus.CounterOpts{Name: "cityhub_mobility_telemetry_ignored_total",
			Help:        "Station messages the hub did not apply, by reason: unregistered station, stale (older than the state held), unknown event type, bike_docked contradicting the station's state.",
			ConstLabels: prometheus.Labels{"reason": reason}}, func() float64 { return float64(count(svc.IngestCounts())) }))
		if err != nil {
			return fmt.Errorf("mobility metrics: %w", err)
		}
	}
	return nil
}

func (m *mobilityHub) close() {
	if m.sim != nil {
		m.sim.Close()
	}
	if m.client != nil {
		m.client.Close()
	}
	if m.dynsec != nil {
		m.dynsec.Close()
	}
	if m.broker != nil {
		m.broker.Close()
	}
}

// seedDemoStations is the demo's mobility: n stations around the centre of
// Benevento in the catalogue (idempotent) and simulated stations playing them
// against the hub's broker, so a newcomer sees live stations, can unlock a
// bike and sees it docked again after a short ride.
//
// On an external broker the demo plays stations only when asked to
// (-simulate-stations): that broker may be someone else's. Each start gives
// the simulated stations new credentials (the hub keeps only hashes) and
// writes them to DATA_DIR/demo-stations.credentials for `cityhub simulate`.
func (m *mobilityHub) seedDemoStations(ctx context.Context, n int, stdout io.Writer) error {
	layout, err := m.demoCatalogue(ctx, simulator.DemoPlaces(simulator.Layout("bn", n, 10)))
	if err != nil {
		return err
	}
	if m.broker == nil && !m.cfg.SimulateStations {
		fmt.Fprintf(stdout, "\nnot playing simulated stations on the external broker %s: add -simulate-stations to play them there\n", m.cfg.MQTTURL)
		m.log.Info("simulated stations not started on the external broker (no -simulate-stations)")
		return nil
	}
	layout, creds, err := m.demoCredentials(ctx, layout)
	if err != nil {
		return err
	}
	snap, err := m.svc.Snapshot(ctx)
	if err != nil {
		return fmt.Errorf("read where the hub sees the bikes: %w", err)
	}
	layout, riding := demoResume(layout, snap)
	sim := simulator.New(simulator.Config{URL: m.brokerURL(), Credentials: creds, Root: m.cfg.MQTTTopicRoot, Stations: layout, Riding: riding, StatusEvery: 30 * time.Second,
		EventsPerSecond: 0.05, FailureRate: 0.05, ReplyDelay: 400 * time.Millisecond,
		RideMin: 2 * time.Minute, RideMax: 6 * time.Minute, Log: m.log})
	if err := sim.Start(ctx); err != nil {
		return fmt.Errorf("start simulated stations: %w", err)
	}
	m.sim = sim
	m.log.Info("simulated stations running", slog.Int("stations", len(layout)), slog.String("broker", config.Redact(m.brokerURL())))
	return nil
}

// demoCatalogue seeds the bike catalogue on the demo's first start (no
// station registered yet) and returns the part of layout the catalogue
// still holds: later starts leave it as the operator and the administrator
// left it (a station closed or renamed, a bike taken out of the fleet or
// deleted), and the simulator plays only the stations and bikes that are
// still there.
func (m *mobilityHub) demoCatalogue(ctx context.Context, layout []simulator.StationSpec) ([]simulator.StationSpec, error) {
	sys := identity.System()
	stations, err := m.svc.Stations(ctx, sys)
	if err != nil {
		return nil, fmt.Errorf("read the bike catalogue: %w", err)
	}
	if len(stations) == 0 {
		if err := simulator.SeedCatalogue(ctx, m.svc, layout); err != nil {
			return nil, fmt.Errorf("seed mobility catalogue: %w", err)
		}
		return layout, nil
	}
	bikes, err := m.svc.Bikes(ctx, sys)
	if err != nil {
		return nil, fmt.Errorf("read the fleet: %w", err)
	}
	haveStation := map[string]bool{}
	for _, st := range stations {
		haveStation[st.ID] = true
	}
	haveBike := map[string]bool{}
	for _, b := range bikes {
		haveBike[b.ID] = true
	}
	var out []simulator.StationSpec
	for _, st := range layout {
		if !haveStation[st.ID] {
			continue
		}
		kept := st
		kept.Bikes = nil
		for _, b := range st.Bikes {
			if haveBike[b.ID] {
				kept.Bikes = append(kept.Bikes, b)
			}
		}
		out = append(out, kept)
	}
	return out, nil
}

// demoCredentials gives each simulated station a fresh secret, as the city
// admin would (the demo's seeding is the hub's own process, so it acts as
// identity.System), and writes them where `cityhub simulate -credentials`
// reads. A station whose credential was revoked keeps it revoked: the
// operator locked it out, so the demo neither issues it another nor plays
// it, and it shows offline as a real station locked out does, until the
// operator issues it a credential (the next start then plays it). It
// returns the stations to play with their secrets.
func (m *mobilityHub) demoCredentials(ctx context.Context, layout []simulator.StationSpec) ([]simulator.StationSpec, map[string]string, error) {
	admin := identity.System()
	creds := make(map[string]string, len(layout))
	var played []simulator.StationSpec
	for _, st := range layout {
		var c mobility.IssuedCredential
		prev, err := m.svc.StationCredential(ctx, admin, st.ID)
		switch {
		case apperr.Has(err, apperr.NotFound):
			c, err = m.svc.IssueStationCredential(ctx, admin, st.ID)
		case err == nil && !prev.Active():
			m.log.Warn("demo station not played: its broker credential was revoked; issue it a new one to play it again at the next start",
				slog.String("station", st.ID))
			continue
		case err == nil:
			c, err = m.svc.RotateStationCredential(ctx, admin, st.ID)
		}
		if err != nil {
			return nil, nil, fmt.Errorf("credentials of demo station %s: %w", st.ID, err)
		}
		creds[st.ID] = c.Secret
		played = append(played, st)
	}
	path := filepath.Join(m.cfg.DataDir, "demo-stations.credentials")
	var buf bytes.Buffer
	if err := simulator.WriteCredentials(&buf, creds); err != nil {
		return nil, nil, err
	}
	if err := demo.WritePrivate(path, buf.Bytes()); err != nil {
		return nil, nil, fmt.Errorf("write demo station credentials: %w", err)
	}
	return played, creds, nil
}
