package main

import (
	"errors"
	"io"
	"net"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	paho "github.com/eclipse/paho.mqtt.golang"

	"cityhub/ids"
	"cityhub/mqtt"
	"cityhub/mqtt/mqtttest"
	"cityhub/simulator"
	"cityhub/store/storetest"
)

// Pointed at an external broker, the demo plays no simulated stations there
// unless asked with -simulate-stations, and says so (issue 9, item 7); on its
// own embedded broker it gives its stations credentials and writes them for
// `cityhub simulate -credentials`.
func TestDemoAsksBeforeSimulatingOnAnExternalBroker(t *testing.T) {
	t.Parallel()
	external := t.TempDir()
	_, stdout := startHub(t, []string{"demo"}, map[string]string{
		"CITYHUB_HTTP_ADDR":       "127.0.0.1:0",
		"CITYHUB_DATA_DIR":        external,
		"CITYHUB_DATABASE_URL":    storetest.MigratedPostgresURL(t),
		"CITYHUB_MQTT_URL":        mqtttest.URL(),
		"CITYHUB_MQTT_TOPIC_ROOT": "t" + ids.Token(8)[:12] + "/cityhub/v1",
	})
	if !strings.Contains(stdout.String(), "add -simulate-stations to play them there") {
		t.Errorf("the demo did not say it left the external broker alone:\n%s", stdout.String())
	}
	if _, err := os.Stat(filepath.Join(external, "demo-stations.credentials")); !os.IsNotExist(err) {
		t.Errorf("credentials were issued for stations the demo does not play: %v", err)
	}

	embedded := t.TempDir()
	startHub(t, []string{"demo"}, map[string]string{
		"CITYHUB_HTTP_ADDR":        "127.0.0.1:0",
		"CITYHUB_DATA_DIR":         embedded,
		"CITYHUB_MQTT_BROKER_ADDR": "127.0.0.1:0",
	})
	info, err := os.Stat(filepath.Join(embedded, "demo-stations.credentials"))
	if err != nil || info.Mode().Perm() != 0o600 {
		t.Fatalf("demo station credentials: %v (mode %v), want a 0600 file", err, info)
	}
	body, _ := os.ReadFile(filepath.Join(embedded, "demo-stations.credentials"))
	if n := strings.Count(string(body), "\nbn-"); n != demoStations {
		t.Errorf("credentials for %d stations, want %d:\n%s", n, demoStations, body)
	}
}

// The hub's embedded broker never runs open (issue 9, item 7): on an
// address other machines reach, a demo's broker still refuses anonymous
// clients and wrong secrets at CONNECT and lets a station in with its own.
func TestEmbeddedBrokerOnTheNetworkAuthenticates(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	_, _, logs := startHubWithLogs(t, []string{"demo"}, map[string]string{
		"CITYHUB_HTTP_ADDR":        "127.0.0.1:0",
		"CITYHUB_DATA_DIR":         dir,
		"CITYHUB_MQTT_BROKER_ADDR": "0.0.0.0:0",
	})
	m := regexp.MustCompile(`embedded MQTT broker listening.*addr=\S*:(\d+)`).FindStringSubmatch(logs.String())
	if m == nil {
		t.Fatalf("no broker address logged:\n%s", logs.String())
	}
	if !strings.Contains(logs.String(), "station_auth=true") {
		t.Errorf("the broker on 0.0.0.0 did not say it authenticates stations:\n%s", logs.String())
	}
	url := "tcp://127.0.0.1:" + m[1]
	creds, err := simulator.ReadCredentials(filepath.Join(dir, "demo-stations.credentials"))
	if err != nil || len(creds) == 0 {
		t.Fatalf("demo credentials: %v %v", creds, err)
	}
	var station, secret, other string
	for id, s := range creds {
		if station == "" {
			station, secret = id, s
		} else if other == "" {
			other = creds[id]
		}
	}
	connect := func(user, pass string) error {
		o := paho.NewClientOptions().AddBroker(url).SetClientID(mqtt.StationClientID(user)).SetUsername(user).SetPassword(pass).
			SetAutoReconnect(false).SetConnectTimeout(5 * time.Second)
		c := paho.NewClient(o)
		tok := c.Connect()
		if !tok.WaitTimeout(10 * time.Second) {
			return errors.New("connect timed out")
		}
		if tok.Error() == nil {
			c.Disconnect(50)
		}
		return tok.Error()
	}
	if err := connect("", ""); err == nil {
		t.Error("an anonymous client was let in")
	}
	if err := connect(station, other); err == nil {
		t.Error("a station was let in with another station's secret")
	}
	if err := connect(station, secret); err != nil {
		t.Errorf("station %s with its own secret: %v", station, err)
	}
}

// A broker address taken by another program stops serve with an error
// naming it: the city's stations are configured with that address and
// could not follow the broker to another port. The demo, which must start
// beside a broker already on 1883, moves to a free port and logs it.
func TestTakenBrokerAddress(t *testing.T) {
	t.Parallel()
	taken, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer taken.Close()
	env := func() map[string]string {
		return map[string]string{
			"CITYHUB_HTTP_ADDR":        "127.0.0.1:0",
			"CITYHUB_DATA_DIR":         t.TempDir(),
			"CITYHUB_MQTT_BROKER_ADDR": taken.Addr().String(),
		}
	}
	err = run(t.Context(), []string{"serve"}, testGetenv(env()), io.Discard, io.Discard)
	if err == nil || !strings.Contains(err.Error(), taken.Addr().String()+" is taken") || !strings.Contains(err.Error(), "CITYHUB_MQTT_BROKER_ADDR") {
		t.Errorf("serve on a taken broker address: %v, want an error naming the address and the setting", err)
	}
	_, _, logs := startHubWithLogs(t, []string{"demo"}, env())
	if !strings.Contains(logs.String(), "address taken, using a free port instead") {
		t.Errorf("the demo did not say it moved its broker:\n%s", logs.String())
	}
}
