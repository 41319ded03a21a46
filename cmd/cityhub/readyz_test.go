package main

import (
	"encoding/json"
	"net"
	"net/http"
	"strings"
	"testing"
	"time"

	"cityhub/internal/testutil"
)

// A hub whose broker does not answer still serves everything but the bikes:
// /readyz says 200 "degraded" and why, so a load balancer keeps it, and the
// open answer names no host or port of the broker (those go to the log).
func TestReadyzWithTheBrokerDown(t *testing.T) {
	t.Parallel()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	down := l.Addr().String()
	l.Close()
	url, _ := startHub(t, []string{"serve"}, map[string]string{
		"CITYHUB_HTTP_ADDR": "127.0.0.1:0",
		"CITYHUB_DATA_DIR":  t.TempDir(),
		"CITYHUB_MQTT_URL":  "tcp://" + down,
	})
	var body struct {
		Status string            `json:"status"`
		Checks map[string]string `json:"checks"`
	}
	var code int
	testutil.Eventually(t, 30*time.Second, "/readyz answers", func() bool {
		res, err := http.Get(url + "/readyz")
		if err != nil {
			return false
		}
		defer res.Body.Close()
		code = res.StatusCode
		return json.NewDecoder(res.Body).Decode(&body) == nil
	})
	if code != http.StatusOK || body.Status != "degraded" || !strings.HasPrefix(body.Checks["broker"], "degraded: the MQTT broker does not answer") || body.Checks["database"] != "ok" ||
		body.Checks["disk"] != "ok" {
		t.Fatalf("/readyz with the broker down: %d %+v", code, body)
	}
	if strings.Contains(body.Checks["broker"], down) {
		t.Errorf("the open answer names the broker's address: %q", body.Checks["broker"])
	}
}

// CITYHUB_DISK_MIN_FREE_MIB reaches the hub's readiness: with a margin
// larger than the data directory's free space (1 TiB, the most it takes),
// /readyz answers 503 and says the disk is why, naming the margin.
func TestReadyzTakesTheDiskMargin(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	if free, err := freeBytes(dir); err != nil || free >= 1<<40 {
		t.Skipf("the temporary directory's disk has %d bytes free (%v): no margin can exceed it", free, err)
	}
	url, _ := startHub(t, []string{"serve"}, map[string]string{
		"CITYHUB_HTTP_ADDR":         "127.0.0.1:0",
		"CITYHUB_DATA_DIR":          dir,
		"CITYHUB_MQTT_BROKER_ADDR":  "127.0.0.1:0",
		"CITYHUB_DISK_MIN_FREE_MIB": "1048576",
	})
	res, err := http.Get(url + "/readyz")
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	var body struct {
		Checks map[string]string `json:"checks"`
	}
	if err := json.NewDecoder(res.Body).Decode(&body); err != nil {
		t.Fatal(err)
	}
	if res.StatusCode != http.StatusServiceUnavailable || !strings.Contains(body.Checks["disk"], "less than 1048576 MiB free") || strings.Contains(body.Checks["disk"], dir) {
		t.Fatalf("/readyz under a margin of 1 TiB: %d %+v", res.StatusCode, body)
	}
}
