package main

import (
	"context"
	"encoding/json"
	"io"
	"net/http"
	"strings"
	"testing"
	"time"

	"cityhub/gbfs"
	"cityhub/identity"
	"cityhub/internal/testutil"
	"cityhub/mobility"
	"cityhub/mobility/mobilitytest"
	"cityhub/simulator"
	"cityhub/store"
	"cityhub/store/storetest"
)

// gbfsAnswer is one GET of a feed.
type gbfsAnswer struct {
	status      int
	etag        string
	lastUpdated string
	body        string
}

func getFeed(t *testing.T, base, feed, ifNoneMatch string) gbfsAnswer {
	t.Helper()
	req, err := http.NewRequest("GET", base+"/gbfs/v3/"+feed+".json", nil)
	if err != nil {
		t.Fatal(err)
	}
	if ifNoneMatch != "" {
		req.Header.Set("If-None-Match", ifNoneMatch)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	raw, _ := io.ReadAll(resp.Body)
	a := gbfsAnswer{status: resp.StatusCode, etag: resp.Header.Get("ETag"), body: string(raw)}
	if resp.StatusCode == http.StatusOK {
		var v struct {
			LastUpdated string `json:"last_updated"`
		}
		if err := json.Unmarshal(raw, &v); err != nil {
			t.Fatalf("%s from %s: %v", feed, base, err)
		}
		a.lastUpdated = v.LastUpdated
	}
	return a
}

// Issue 9, item 6: behind a load balancer, replicas serving the same data
// give the same ETag and last_updated, taken from the data's change time and
// not from when each replica rendered; so a client's If-None-Match from one
// replica is a 304 from the other, and a browser app's CORS preflight is a
// 204 that exposes ETag. Two real hubs on one PostgreSQL, started in
// different seconds, each with its own embedded broker (the feeds read the
// database alone).
func TestReplicasServeTheSameGBFS(t *testing.T) {
	t.Parallel()
	if testing.Short() {
		t.Skip("starts two hubs")
	}
	ctx := context.Background()
	dbURL := storetest.MigratedPostgresURL(t)
	db, err := store.Open(ctx, dbURL, t.TempDir(), nil)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	// The data, before either hub starts: three stations and their statuses.
	svc := mobilitytest.NewService(db.Mobility(), nil)
	layout := simulator.Layout("gr", 3, 6)
	if err := simulator.SeedCatalogue(ctx, svc, layout); err != nil {
		t.Fatal(err)
	}
	var batch []mobility.Telemetry
	for _, st := range layout {
		r := &mobility.StatusReport{TS: time.Now().Add(-time.Second), Online: true}
		for d := 1; d <= st.Docks; d++ {
			r.Docks = append(r.Docks, mobility.DockState{Dock: d, Locked: true})
		}
		for _, b := range st.Bikes {
			r.Docks[b.Dock-1].BikeID = b.ID
		}
		batch = append(batch, mobility.Telemetry{StationID: st.ID, Kind: mobility.KindStatus, Status: r, Received: time.Now()})
	}
	if err := svc.Ingest(ctx, identity.System(), batch); err != nil {
		t.Fatal(err)
	}
	seeded := time.Now()

	// Each hub on an address of its own; both say they listen on the public
	// URL they share.
	start := func() string {
		addr := testutil.FreeAddr(t)
		listening := "cityhub is listening on http://bikes.example.org\n"
		startHubAt(t, []string{"serve"}, map[string]string{
			"CITYHUB_HTTP_ADDR":        addr,
			"CITYHUB_PUBLIC_URL":       "http://bikes.example.org", // the load balancer's
			"CITYHUB_DATABASE_URL":     dbURL,
			"CITYHUB_MQTT_BROKER_ADDR": "127.0.0.1:0",
			"CITYHUB_DATA_DIR":         t.TempDir(),
			"CITYHUB_LOG_LEVEL":        "warn",
		}, func(stdout string) string {
			if strings.Contains(stdout, listening) {
				return "http://" + addr
			}
			return ""
		})
		return "http://" + addr
	}
	urlA := start()
	// B renders in a later second than A: a last_updated taken from the
	// time of rendering would differ.
	time.Sleep(1100 * time.Millisecond)
	urlB := start()

	for _, feed := range gbfs.FeedNames {
		a, b := getFeed(t, urlA, feed, ""), getFeed(t, urlB, feed, "")
		if a.status != http.StatusOK || b.status != http.StatusOK {
			t.Fatalf("%s: %d and %d", feed, a.status, b.status)
		}
		if a.etag == "" || a.etag != b.etag || a.lastUpdated != b.lastUpdated || a.body != b.body {
			t.Errorf("%s: replica A ETag %s last_updated %s, replica B ETag %s last_updated %s", feed, a.etag, a.lastUpdated, b.etag, b.lastUpdated)
		}
		if lu, err := time.Parse(time.RFC3339, a.lastUpdated); err != nil || lu.After(seeded) {
			t.Errorf("%s: last_updated %s (%v), want the data's change time, before %s when the hubs started", feed, a.lastUpdated, err, seeded.Format(time.RFC3339))
		}
		if got := getFeed(t, urlB, feed, a.etag); got.status != http.StatusNotModified {
			t.Errorf("%s: If-None-Match with replica A's ETag answered %d by replica B, want 304", feed, got.status)
		}
	}
	if a := getFeed(t, urlA, gbfs.FeedStationStatus, ""); !strings.Contains(a.body, layout[0].ID) {
		t.Errorf("station_status lacks the seeded stations: %s", a.body)
	}

	req, _ := http.NewRequest("OPTIONS", urlB+"/gbfs/v3/station_status.json", nil)
	req.Header.Set("Origin", "https://app.example")
	req.Header.Set("Access-Control-Request-Method", "GET")
	req.Header.Set("Access-Control-Request-Headers", "if-none-match")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if h := resp.Header; resp.StatusCode != http.StatusNoContent || h.Get("Access-Control-Allow-Origin") == "" ||
		!strings.Contains(h.Get("Access-Control-Expose-Headers"), "ETag") || !strings.Contains(strings.ToLower(h.Get("Access-Control-Allow-Headers")), "if-none-match") {
		t.Errorf("CORS preflight: %d %v, want 204 exposing ETag and allowing If-None-Match", resp.StatusCode, h)
	}
}
