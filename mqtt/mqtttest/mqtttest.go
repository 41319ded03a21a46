// Package mqtttest gives tests real brokers: the shared Mosquitto
// (CITYHUB_TEST_MQTT_URL), a private Mosquitto process a test may kill and
// restart, and the embedded broker. Tests on the shared Mosquitto use a unique
// topic root so they cannot see each other's messages.
package mqtttest

import (
	"context"
	"fmt"
	"net"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"cityhub/ids"
	"cityhub/internal/testutil"
	"cityhub/mqtt"
)

// DefaultURL is the shared Mosquitto when CITYHUB_TEST_MQTT_URL is unset.
const DefaultURL = "tcp://127.0.0.1:1883"

// URL is the shared test broker.
func URL() string {
	if u := os.Getenv("CITYHUB_TEST_MQTT_URL"); u != "" {
		return u
	}
	return DefaultURL
}

// Root is a topic root no other test uses.
func Root(tb testing.TB) string {
	return "t" + ids.Token(8)[:12] + "/cityhub/v1"
}

// Broker is a broker a test can stop and start again on the same address.
type Broker interface {
	Name() string
	URL() string
	Stop()
	Start(tb testing.TB)
}

// Shared is the shared Mosquitto; it cannot be restarted.
type Shared struct{}

func (Shared) Name() string     { return "mosquitto" }
func (Shared) URL() string      { return URL() }
func (Shared) Stop()            { panic("the shared broker cannot be stopped") }
func (Shared) Start(testing.TB) {}

// Embedded is the hub's embedded broker on a fixed free port.
type Embedded struct {
	addr string
	mu   sync.Mutex
	b    *mqtt.Broker
}

// StartEmbedded starts an embedded broker on a free port, stopped when tb ends.
func StartEmbedded(tb testing.TB) *Embedded {
	tb.Helper()
	e := &Embedded{addr: testutil.FreeAddr(tb)}
	e.Start(tb)
	tb.Cleanup(e.Stop)
	return e
}

func (e *Embedded) Name() string { return "embedded" }
func (e *Embedded) URL() string  { return "tcp://" + e.addr }

// Start starts (again) the broker on its address.
func (e *Embedded) Start(tb testing.TB) {
	tb.Helper()
	e.mu.Lock()
	defer e.mu.Unlock()
	var err error
	for i := 0; i < 50; i++ {
		e.b, err = mqtt.StartBroker(e.addr, nil)
		if err == nil && e.b.Addr() == e.addr {
			return
		}
		if e.b != nil {
			e.b.Close()
			e.b = nil
		}
		time.Sleep(100 * time.Millisecond)
	}
	tb.Fatalf("start embedded broker on %s: %v", e.addr, err)
}

// Stop stops the broker, dropping every connection.
func (e *Embedded) Stop() {
	e.mu.Lock()
	defer e.mu.Unlock()
	if e.b != nil {
		e.b.Close()
		e.b = nil
	}
}

// Mosquitto is a private mosquitto process on a free port.
type Mosquitto struct {
	port  int
	dir   string
	extra string
	mu    sync.Mutex
	cmd   *exec.Cmd
}

// StartMosquitto starts a private mosquitto (skipping the test if the binary
// is missing) with extra configuration lines, stopped when tb ends.
func StartMosquitto(tb testing.TB, conf ...string) *Mosquitto {
	tb.Helper()
	if _, err := exec.LookPath("mosquitto"); err != nil {
		tb.Skip("mosquitto is not installed")
	}
	_, port, _ := net.SplitHostPort(testutil.FreeAddr(tb))
	m := &Mosquitto{dir: tb.TempDir(), extra: strings.Join(conf, "\n")}
	fmt.Sscan(port, &m.port)
	m.Start(tb)
	tb.Cleanup(m.Stop)
	return m
}

func (m *Mosquitto) Name() string { return "mosquitto" }
func (m *Mosquitto) URL() string  { return fmt.Sprintf("tcp://127.0.0.1:%d", m.port) }

// Start starts the process and waits until it accepts connections.
func (m *Mosquitto) Start(tb testing.TB) {
	tb.Helper()
	m.mu.Lock()
	defer m.mu.Unlock()
	conf := filepath.Join(m.dir, "mosquitto.conf")
	body := fmt.Sprintf("listener %d 127.0.0.1\nallow_anonymous true\npersistence false\n%s\n", m.port, m.extra)
	if err := os.WriteFile(conf, []byte(body), 0o600); err != nil {
		tb.Fatal(err)
	}
	m.cmd = exec.Command("mosquitto", "-c", conf)
	if err := m.cmd.Start(); err != nil {
		tb.Fatalf("start mosquitto: %v", err)
	}
	addr := fmt.Sprintf("127.0.0.1:%d", m.port)
	for i := 0; i < 100; i++ {
		if c, err := net.DialTimeout("tcp", addr, 100*time.Millisecond); err == nil {
			c.Close()
			return
		}
		time.Sleep(50 * time.Millisecond)
	}
	tb.Fatalf("mosquitto on %s did not start", addr)
}

// Stop kills the process (no clean shutdown: clients see a dropped connection).
func (m *Mosquitto) Stop() {
	m.mu.Lock()
	defer m.mu.Unlock()
	if m.cmd != nil && m.cmd.Process != nil {
		_ = m.cmd.Process.Kill()
		_ = m.cmd.Wait()
		m.cmd = nil
	}
}

// AuthFile holds the hub account's password of the authenticated Mosquitto
// that scripts/services starts on 127.0.0.1:1884.
const AuthFile = "/var/lib/cityhub-test/mosquitto-auth/hub.password"

// AuthURL is the Mosquitto that authenticates every client and enforces
// station rules with its dynamic-security plugin (CITYHUB_TEST_MQTT_AUTH_URL,
// else built from AuthFile): the broker URL without credentials, and the
// username and password of an account with the plugin's admin role.
func AuthURL(tb testing.TB) (brokerURL, username, password string) {
	tb.Helper()
	raw := os.Getenv("CITYHUB_TEST_MQTT_AUTH_URL")
	if raw == "" {
		pw, err := os.ReadFile(AuthFile)
		if err != nil {
			tb.Fatalf("no authenticated Mosquitto: set CITYHUB_TEST_MQTT_AUTH_URL or run scripts/services (%v)", err)
		}
		raw = "tcp://cityhub-hub:" + strings.TrimSpace(string(pw)) + "@127.0.0.1:1884"
	}
	u, err := url.Parse(raw)
	if err != nil || u.User == nil {
		tb.Fatalf("CITYHUB_TEST_MQTT_AUTH_URL must be tcp://user:password@host:port: %v", err)
	}
	password, _ = u.User.Password()
	username = u.User.Username()
	u.User = nil
	return u.String(), username, password
}

// Counter sums the children of counter family name in g whose first label
// has the value label ("" sums them all): the hub's metrics are how a test
// learns that a message arrived or a reply was dropped without sleeping.
func Counter(tb testing.TB, g prometheus.Gatherer, name, label string) float64 {
	tb.Helper()
	mfs, err := g.Gather()
	if err != nil {
		tb.Fatalf("gather metrics: %v", err)
	}
	var sum float64
	for _, mf := range mfs {
		if mf.GetName() != name {
			continue
		}
		for _, m := range mf.GetMetric() {
			if label == "" || len(m.GetLabel()) > 0 && m.GetLabel()[0].GetValue() == label {
				sum += m.GetCounter().GetValue()
			}
		}
	}
	return sum
}

// Gauge reads the gauge name in g (0 when it has no sample).
func Gauge(tb testing.TB, g prometheus.Gatherer, name string) float64 {
	tb.Helper()
	mfs, err := g.Gather()
	if err != nil {
		tb.Fatalf("gather metrics: %v", err)
	}
	for _, mf := range mfs {
		if mf.GetName() == name && len(mf.GetMetric()) > 0 {
			return mf.GetMetric()[0].GetGauge().GetValue()
		}
	}
	return 0
}

// refuseAll is a broker's station check that knows no station.
type refuseAll struct{}

func (refuseAll) AuthenticateStation(context.Context, string, string) (bool, error) {
	return false, nil
}

// StartRefusing starts an embedded broker that checks stations' logins and
// knows none: every station's CONNECT is refused, as the hub's broker
// refuses a simulator run without -credentials. Stopped when the test ends.
func StartRefusing(tb testing.TB) *mqtt.Broker {
	tb.Helper()
	b, err := mqtt.StartSecureBroker(mqtt.BrokerOptions{Addr: "127.0.0.1:0", Stations: refuseAll{}})
	if err != nil {
		tb.Fatal(err)
	}
	tb.Cleanup(func() { b.Close() })
	return b
}
