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
