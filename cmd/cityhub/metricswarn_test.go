package main

import (
	"strings"
	"testing"
)

// Without CITYHUB_METRICS_TOKEN the start warns that /metrics answers this
// machine, which a reverse proxy on it that adds no forwarding header turns
// into anyone; with the token it says nothing of it.
func TestServeWarnsOfMetricsWithoutToken(t *testing.T) {
	t.Parallel()
	const warning = `level=WARN msg="CITYHUB_METRICS_TOKEN is not set: /metrics answers any request from this machine without X-Forwarded-For, Forwarded or X-Real-IP`
	for token, want := range map[string]bool{"": true, "metricsTokenForTheTest": false} {
		env := map[string]string{"CITYHUB_DATA_DIR": t.TempDir(), "CITYHUB_HTTP_ADDR": "127.0.0.1:0", "CITYHUB_MQTT_BROKER_ADDR": "127.0.0.1:0",
			"CITYHUB_METRICS_TOKEN": token}
		_, _, stderr := startHubWithLogs(t, []string{"serve"}, env)
		if got := strings.Contains(stderr.String(), warning); got != want {
			t.Errorf("token %q: warned %v, want %v:\n%s", token, got, want, stderr.String())
		}
	}
}
