package main

import (
	"bytes"
	"encoding/json"
	"io"
	"net/http"
	"os"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	paho "github.com/eclipse/paho.mqtt.golang"

	"cityhub/ids"
	"cityhub/store/storetest"

	"cityhub/internal/testutil"
)

// TestTwoHubsShareOneDatabaseAndBroker is DESIGN.md's scale-path promise: two
// hub processes on one PostgreSQL and one Mosquitto split the stations'
// telemetry between them, an unlock requested through either one succeeds
// (the station's reply reaches the hub that asked), and a voucher redeemed
// through one is refused as used through the other.
func TestTwoHubsShareOneDatabaseAndBroker(t *testing.T) {
	t.Parallel()
	if testing.Short() {
		t.Skip("starts two hubs and simulated stations")
	}
	broker, suffix := sharedBroker(t)
	dbURL := storetest.MigratedPostgresURL(t)
	common := map[string]string{
		"CITYHUB_HTTP_ADDR":        "127.0.0.1:0",
		"CITYHUB_DATABASE_URL":     dbURL,
		"CITYHUB_MQTT_URL":         broker,
		"CITYHUB_MQTT_TOPIC_ROOT":  "cityhub-test-" + suffix + "/v1",
		"CITYHUB_MQTT_SHARE_GROUP": "cityhub-" + suffix,
		"CITYHUB_TEST_PAYMENTS":    "true",
		"CITYHUB_LOG_LEVEL":        "warn",
	}
	env := func(instance string) map[string]string {
		m := map[string]string{"CITYHUB_DATA_DIR": t.TempDir(), "CITYHUB_INSTANCE_ID": instance + "-" + suffix}
		for k, v := range common {
			m[k] = v
		}
		return m
	}
	// Hub A seeds the demo (accounts, shops, campaign, simulated stations on
	// Mosquitto); hub B serves the same database.
	urlA, outA := startHub(t, []string{"demo", "-simulate-stations"}, env("a"))
	urlB, _ := startHub(t, []string{"serve"}, env("b"))

	login := func(base, email, password string) string {
		t.Helper()
		var tok struct {
			AccessToken string `json:"access_token"`
		}
		mustCall(t, "POST", base+"/api/v1/auth/login", "", "", map[string]string{"email": email, "password": password}, http.StatusOK, &tok)
		return "Bearer " + tok.AccessToken
	}
	demoLogin := func(role string) (string, string) {
		m := regexp.MustCompile(`(?m)^\s+` + role + `\s+(\S+)\s+password: (\S+)$`).FindStringSubmatch(outA.String())
		if m == nil {
			t.Fatalf("no %s login printed:\n%s", role, outA.String())
		}
		return m[1], m[2]
	}

	// Telemetry is split: 40 messages published to one station's topic reach
	// the hubs through the one shared subscription group, each message one
	// hub, and both hubs get a share.
	testutil.Eventually(t, 30*time.Second, "both hubs connected", func() bool {
		return metricSum(t, urlA, "cityhub_mqtt_connected") == 1 && metricSum(t, urlB, "cityhub_mqtt_connected") == 1
	})
	online := `cityhub_mqtt_messages_total{kind="online"}`
	beforeA, beforeB := metricSum(t, urlA, online), metricSum(t, urlB, online)
	pub := paho.NewClient(paho.NewClientOptions().AddBroker(broker).SetClientID("twohubs-" + suffix))
	if tok := pub.Connect(); !tok.WaitTimeout(10*time.Second) || tok.Error() != nil {
		t.Fatalf("connect test publisher: %v", tok.Error())
	}
	defer pub.Disconnect(100)
	const sent = 40
	for range sent {
		tok := pub.Publish(common["CITYHUB_MQTT_TOPIC_ROOT"]+"/stations/bn-001/online", 1, false, "true")
		if !tok.WaitTimeout(30*time.Second) || tok.Error() != nil {
			t.Fatalf("publish: %v", tok.Error())
		}
	}
	var gotA, gotB float64
	testutil.Eventually(t, 20*time.Second, "the published messages reach the hubs", func() bool {
		gotA, gotB = metricSum(t, urlA, online)-beforeA, metricSum(t, urlB, online)-beforeB
		return gotA+gotB >= sent
	})
	if gotA == 0 || gotB == 0 || gotA+gotB != sent {
		t.Fatalf("shared telemetry: hub A got %v, hub B got %v of %d; want every message once, split between both", gotA, gotB, sent)
	}
	t.Logf("telemetry split: hub A %v, hub B %v of %d", gotA, gotB, sent)

	// Two riders, one unlocking through each hub.
	email, pw := demoLogin("citizen")
	riderA := login(urlA, email, pw)
	// Rider B's account is made by the city administrator through hub B
	// (a sign-up would wait for its e-mailed link).
	aemail, apw := demoLogin("city admin")
	mustCall(t, "POST", urlB+"/api/v1/admin/accounts", login(urlB, aemail, apw), "", map[string]any{"email": "rider-b@example.org",
		"password": "a long enough password", "name": "Rider B", "grants": []map[string]string{{"role": "citizen"}}}, http.StatusCreated, nil)
	riderB := login(urlB, "rider-b@example.org", "a long enough password")
	mustCall(t, "POST", urlB+"/api/v1/wallet/topups", riderB, "topup-b", map[string]int{"amount_cents": 2000}, http.StatusCreated, nil)

	type station struct {
		ID             string `json:"id"`
		Online         bool   `json:"online"`
		BikesAvailable int    `json:"bikes_available"`
		Bikes          []struct {
			Dock   int    `json:"dock"`
			BikeID string `json:"bike_id"`
		} `json:"bikes"`
	}
	var stations []station
	var last string
	defer func() {
		if t.Failed() {
			t.Logf("last station list: %s", last)
		}
	}()
	testutil.Eventually(t, 60*time.Second, "two stations online with bikes, seen through hub B", func() bool {
		var list struct {
			Stations []station `json:"stations"`
		}
		_, last = call(t, "GET", urlB+"/api/v1/mobility/stations", riderB, "", nil, &list)
		stations = stations[:0]
		for _, s := range list.Stations {
			if s.Online && s.BikesAvailable > 0 {
				stations = append(stations, s)
			}
		}
		return len(stations) >= 2
	})
	// The station page lists which bike stands in which dock.
	for i := range stations[:2] {
		mustCall(t, "GET", urlB+"/api/v1/mobility/stations/"+stations[i].ID, riderB, "", nil, http.StatusOK, &stations[i])
		if len(stations[i].Bikes) == 0 {
			t.Fatalf("station %s has bikes available but lists none", stations[i].ID)
		}
	}
	unlock := func(base, bearer string, s station) {
		t.Helper()
		var ride struct {
			Status string `json:"status"`
			BikeID string `json:"bike_id"`
		}
		b := s.Bikes[0]
		for attempt := 0; ; attempt++ {
			status, body := call(t, "POST", base+"/api/v1/mobility/unlock", bearer, "", map[string]any{
				"request_id": "unlock-" + ids.Token(10), "station_id": s.ID, "dock": b.Dock, "bike_id": b.BikeID}, &ride)
			// The demo's simulated stations refuse 5% of unlocks on purpose
			// (a jammed lock); a rider then simply tries again.
			if status == http.StatusServiceUnavailable && attempt < 5 {
				continue
			}
			if status != http.StatusCreated || ride.Status != "active" || ride.BikeID != b.BikeID {
				t.Fatalf("unlock through %s: %d %s", base, status, body)
			}
			return
		}
	}
	unlock(urlA, riderA, stations[0])
	unlock(urlB, riderB, stations[1])

	// A voucher claimed through hub A, redeemed by the shop through hub B, is
	// then refused as used through hub A.
	var campaigns struct {
		Campaigns []struct {
			ID string `json:"id"`
		} `json:"campaigns"`
	}
	mustCall(t, "GET", urlA+"/api/v1/campaigns", riderA, "", nil, http.StatusOK, &campaigns)
	if len(campaigns.Campaigns) == 0 {
		t.Fatal("the demo citizen has no claimable campaign")
	}
	var voucher struct {
		ID   string `json:"id"`
		Code string `json:"code"`
	}
	mustCall(t, "POST", urlA+"/api/v1/campaigns/"+campaigns.Campaigns[0].ID+"/claim", riderA, "claim-1", nil, http.StatusCreated, &voucher)
	if voucher.Code == "" {
		t.Fatalf("claimed voucher has no typed code: %+v", voucher)
	}
	memail, mpw := demoLogin("merchant staff")
	shopB := login(urlB, memail, mpw)
	shopA := login(urlA, memail, mpw)
	redeem := map[string]any{"code": voucher.Code, "purchase_cents": 2500}
	mustCall(t, "POST", urlB+"/api/v1/merchant/vouchers/redeem", shopB, "redeem-1", redeem, http.StatusCreated, nil)
	status, body := call(t, "POST", urlA+"/api/v1/merchant/vouchers/redeem", shopA, "redeem-2", redeem, nil)
	if status != http.StatusConflict || !strings.Contains(body, "problem") {
		t.Fatalf("second redemption through the other hub: %d %s, want 409 problem", status, body)
	}
}

// call sends a JSON request and decodes a 2xx answer into out.
func call(t *testing.T, method, url, bearer, key string, body, out any) (int, string) {
	t.Helper()
	var rd io.Reader
	if body != nil {
		b, err := json.Marshal(body)
		if err != nil {
			t.Fatal(err)
		}
		rd = bytes.NewReader(b)
	}
	req, err := http.NewRequest(method, url, rd)
	if err != nil {
		t.Fatal(err)
	}
	if body != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	if bearer != "" {
		req.Header.Set("Authorization", bearer)
	}
	if key != "" {
		req.Header.Set("Idempotency-Key", key)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatalf("%s %s: %v", method, url, err)
	}
	defer resp.Body.Close()
	raw, _ := io.ReadAll(resp.Body)
	if out != nil && resp.StatusCode < 300 {
		if err := json.Unmarshal(raw, out); err != nil {
			t.Fatalf("%s %s: decode %s: %v", method, url, raw, err)
		}
	}
	return resp.StatusCode, string(raw)
}

func mustCall(t *testing.T, method, url, bearer, key string, body any, want int, out any) {
	t.Helper()
	if status, raw := call(t, method, url, bearer, key, body, out); status != want {
		t.Fatalf("%s %s = %d, want %d: %s", method, url, status, want, raw)
	}
}

// metricSum adds up every sample of a counter family on a hub's /metrics.
// A selector in braces (`name{kind="events"}`) keeps the samples that carry
// each of its labels.
func metricSum(t *testing.T, base, name string) float64 {
	t.Helper()
	var labels []string
	if i := strings.IndexByte(name, '{'); i >= 0 {
		labels = strings.Split(strings.TrimSuffix(name[i+1:], "}"), ",")
		name = name[:i]
	}
	resp, err := http.Get(base + "/metrics")
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	raw, _ := io.ReadAll(resp.Body)
	var sum float64
	for _, line := range strings.Split(string(raw), "\n") {
		if !strings.HasPrefix(line, name+"{") && !strings.HasPrefix(line, name+" ") {
			continue
		}
		if !hasLabels(line, labels) {
			continue
		}
		f := strings.Fields(line)
		v, err := strconv.ParseFloat(f[len(f)-1], 64)
		if err != nil {
			t.Fatalf("metric line %q: %v", line, err)
		}
		sum += v
	}
	return sum
}

// hasLabels says whether a sample line's label set holds each of labels
// (each `key="value"`).
func hasLabels(line string, labels []string) bool {
	set := ""
	if i, j := strings.IndexByte(line, '{'), strings.LastIndexByte(line, '}'); i >= 0 && j > i {
		set = "," + line[i+1:j] + ","
	}
	for _, l := range labels {
		if !strings.Contains(set, ","+l+",") {
			return false
		}
	}
	return true
}

// sharedBroker is the shared Mosquitto the tests use, and a suffix of this
// test's own for its topic root and share group, so that other tests on the
// broker neither see its stations nor take their messages.
func sharedBroker(t *testing.T) (url, suffix string) {
	t.Helper()
	url = os.Getenv("CITYHUB_TEST_MQTT_URL")
	if url == "" {
		url = "tcp://127.0.0.1:1883"
	}
	return url, ids.Token(8)[:12]
}
