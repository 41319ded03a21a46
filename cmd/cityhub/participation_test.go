package main

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// The served binary builds the participation service from its settings
// and mounts it: the public report list, the open data and Open311 answer,
// and Open311 refuses a POST without a key. CITYHUB_OPEN311_JURISDICTION
// reaches the endpoint: the city's jurisdiction_id is taken (with a
// leading www. too), another is 404 naming the city's, and the discovery
// document names it.
func TestServeParticipation(t *testing.T) {
	url, _ := startHub(t, []string{"serve"}, map[string]string{
		"CITYHUB_HTTP_ADDR":                  "127.0.0.1:0",
		"CITYHUB_DATA_DIR":                   t.TempDir(),
		"CITYHUB_MQTT_BROKER_ADDR":           "127.0.0.1:0",
		"CITYHUB_PROPOSAL_SUPPORT_THRESHOLD": "7",
		"CITYHUB_LOG_LEVEL":                  "warn",
		"CITYHUB_OPEN311_JURISDICTION":       "comune.example.it",
	})
	getStatus := func(path string) (int, string) {
		t.Helper()
		resp, err := http.Get(url + path)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		b, _ := io.ReadAll(resp.Body)
		return resp.StatusCode, string(b)
	}
	get := func(path string) string {
		t.Helper()
		code, body := getStatus(path)
		if code != http.StatusOK {
			t.Fatalf("GET %s: %d %s", path, code, body)
		}
		return body
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
	// The open data name the city as their publisher.
	if body := get("/api/v1/open/participation"); !strings.Contains(body, "CC-BY-4.0") || !strings.Contains(body, `"publisher":"Comune di Benevento"`) {
		t.Fatalf("open data: %s", body)
	}
	if body := get("/api/v1/open/vouchers/stats"); !strings.Contains(body, `"publisher":"Comune di Benevento"`) {
		t.Fatalf("voucher open statistics: %s", body)
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
	get("/open311/v2/services.json?jurisdiction_id=www.comune.example.it")
	if code, body := getStatus("/open311/v2/services.json?jurisdiction_id=comune.napoli.it"); code != http.StatusNotFound || !strings.Contains(body, "comune.example.it") {
		t.Errorf("another jurisdiction: %d %s", code, body)
	}
	if body := get("/open311/discovery.json"); !strings.Contains(body, "jurisdiction_id comune.example.it") {
		t.Errorf("discovery: %s", body)
	}
}

// CITYHUB_PARTICIPATION_CATALOGUE replaces the built-in catalogue: Open311
// lists the file's categories and no other. A file with a field the format
// does not have stops the start with an error naming the file and field.
func TestServeParticipationCatalogue(t *testing.T) {
	dir := t.TempDir()
	good := filepath.Join(dir, "catalogue.json")
	const cat = `{"offices":[{"id":"works","name_it":"Lavori pubblici","name_en":"Public works"}],
		"categories":[{"code":"fountain","office_id":"works","name_it":"Fontana guasta","name_en":"Broken fountain","group":"street"}],
		"contrade":[{"code":"centro","name":"Centro","lat":41.13,"lon":14.77}],
		"city":{"min_lat":41.06,"min_lon":14.68,"max_lat":41.2,"max_lon":14.88}}`
	if err := os.WriteFile(good, []byte(cat), 0o600); err != nil {
		t.Fatal(err)
	}
	env := map[string]string{
		"CITYHUB_HTTP_ADDR":               "127.0.0.1:0",
		"CITYHUB_DATA_DIR":                t.TempDir(),
		"CITYHUB_MQTT_BROKER_ADDR":        "127.0.0.1:0",
		"CITYHUB_LOG_LEVEL":               "warn",
		"CITYHUB_PARTICIPATION_CATALOGUE": good,
	}
	url, _ := startHub(t, []string{"serve"}, env)
	resp, err := http.Get(url + "/open311/v2/services.json?lang=en")
	if err != nil {
		t.Fatal(err)
	}
	var services []struct {
		Code  string `json:"service_code"`
		Name  string `json:"service_name"`
		Group string `json:"group"`
	}
	err = json.NewDecoder(resp.Body).Decode(&services)
	resp.Body.Close()
	if err != nil || len(services) != 1 || services[0].Code != "fountain" || services[0].Group != "street" ||
		(services[0].Name != "Fontana guasta" && services[0].Name != "Broken fountain") {
		t.Fatalf("services from the catalogue file: %v %+v", err, services)
	}

	bad := filepath.Join(dir, "bad.json")
	if err := os.WriteFile(bad, []byte(strings.Replace(cat, `"name_en":"Broken fountain"`, `"name_english":"Broken fountain"`, 1)), 0o600); err != nil {
		t.Fatal(err)
	}
	env["CITYHUB_DATA_DIR"], env["CITYHUB_PARTICIPATION_CATALOGUE"] = t.TempDir(), bad
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	var stdout, stderr bytes.Buffer
	err = run(ctx, []string{"serve"}, testGetenv(env), &stdout, &stderr)
	if err == nil || ctx.Err() != nil || !strings.Contains(err.Error(), bad) || !strings.Contains(err.Error(), `unknown field "name_english"`) {
		t.Fatalf("a broken catalogue: %v, want an error naming %s and the field\n%s", err, bad, stderr.String())
	}
}
