package main

import (
	"io"
	"net/http"
	"strings"
	"testing"
)

// CITYHUB_OPEN311_JURISDICTION reaches the served Open311 endpoint: the
// city's jurisdiction_id is taken (with a leading www. too), another is
// 404, and the discovery document names it.
func TestServeOpen311Jurisdiction(t *testing.T) {
	url, _ := startHub(t, []string{"serve"}, map[string]string{
		"CITYHUB_HTTP_ADDR":            "127.0.0.1:0",
		"CITYHUB_DATA_DIR":             t.TempDir(),
		"CITYHUB_MQTT_BROKER_ADDR":     "127.0.0.1:0",
		"CITYHUB_LOG_LEVEL":            "warn",
		"CITYHUB_OPEN311_JURISDICTION": "comune.example.it",
	})
	get := func(path string) (int, string) {
		t.Helper()
		resp, err := http.Get(url + path)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		b, _ := io.ReadAll(resp.Body)
		return resp.StatusCode, string(b)
	}
	if code, body := get("/open311/v2/services.json?jurisdiction_id=www.comune.example.it"); code != http.StatusOK {
		t.Errorf("the city's jurisdiction: %d %s", code, body)
	}
	if code, body := get("/open311/v2/services.json?jurisdiction_id=comune.napoli.it"); code != http.StatusNotFound || !strings.Contains(body, "comune.example.it") {
		t.Errorf("another jurisdiction: %d %s", code, body)
	}
	if code, body := get("/open311/discovery.json"); code != http.StatusOK || !strings.Contains(body, "jurisdiction_id comune.example.it") {
		t.Errorf("discovery: %d %s", code, body)
	}
}
