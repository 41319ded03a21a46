package main

import (
	"encoding/json"
	"io"
	"net/http"
	"strings"
	"testing"
)

// The served binary builds the participation service from its settings
// and mounts it: the public report list, the open data and Open311 answer,
// and Open311 refuses a POST without a key.
func TestServeParticipation(t *testing.T) {
	url, _ := startHub(t, []string{"serve"}, map[string]string{
		"CITYHUB_HTTP_ADDR":                  "127.0.0.1:0",
		"CITYHUB_DATA_DIR":                   t.TempDir(),
		"CITYHUB_MQTT_BROKER_ADDR":           "127.0.0.1:0",
		"CITYHUB_PROPOSAL_SUPPORT_THRESHOLD": "7",
		"CITYHUB_LOG_LEVEL":                  "warn",
	})
	get := func(path string) string {
		t.Helper()
		resp, err := http.Get(url + path)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		b, _ := io.ReadAll(resp.Body)
		if resp.StatusCode != http.StatusOK {
			t.Fatalf("GET %s: %d %s", path, resp.StatusCode, b)
		}
		return string(b)
	}
	if body := get("/api/v1/reports"); !strings.Contains(body, `"reports":[]`) {
		t.Fatalf("reports: %s", body)
	}
	var services []struct {
		Code string `json:"service_code"`
	}
	if err := json.Unmarshal([]byte(get("/open311/v2/services.json")), &services); err != nil || len(services) == 0 || services[0].Code == "" {
		t.Fatalf("services: %v %+v", err, services)
	}
	if body := get("/api/v1/open/participation"); !strings.Contains(body, "CC-BY-4.0") {
		t.Fatalf("open data: %s", body)
	}
	// An Open311 POST without a key is refused by the served endpoint.
	resp, err := http.Post(url+"/open311/v2/requests.json", "application/x-www-form-urlencoded", strings.NewReader("service_code=pothole"))
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusForbidden {
		t.Fatalf("POST without a key: %d", resp.StatusCode)
	}
}
