package main

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"cityhub/ids"
	"cityhub/mqtt/mqtttest"
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
		"CITYHUB_DATABASE_URL":    storetest.PostgresURL(t),
		"CITYHUB_MQTT_URL":        mqtttest.URL(),
		"CITYHUB_MQTT_TOPIC_ROOT": "t" + strings.TrimPrefix(ids.New("x"), "x_")[:12] + "/cityhub/v1",
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
