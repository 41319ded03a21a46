package feeds

import (
	"compress/gzip"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"cityhub/gbfs"

	"github.com/prometheus/client_golang/prometheus"
)

func gbfsTestFeeds(t *testing.T, fail *atomic.Bool) *gbfs.Feeds {
	t.Helper()
	at := time.Now().UTC()
	src := gbfs.SourceFunc(func(context.Context) (gbfs.Snapshot, error) {
		if fail != nil && fail.Load() {
			return gbfs.Snapshot{}, errors.New("database down")
		}
		return gbfs.Snapshot{At: at,
			VehicleTypes: []gbfs.VehicleType{{ID: "bike", NameIT: "Bicicletta", Propulsion: gbfs.Human}},
			Vehicles:     []gbfs.Vehicle{{ID: "b1", VehicleTypeID: "bike", Active: true}},
			Stations: []gbfs.Station{{ID: "piazza-roma", NameIT: "Piazza Roma", Lat: 41.13, Lon: 14.78, Capacity: 2,
				Open: true, Online: true, LastReported: at.Add(-time.Second),
				Docks: []gbfs.Dock{{Number: 1, BikeID: "b1", InService: true}, {Number: 2, InService: true}}}},
		}, nil
	})
	f, err := gbfs.New(src, gbfs.Config{System: gbfs.CitySystem("Benevento", "Europe/Rome"), BaseURL: "http://cityhub.test", Refresh: 30 * time.Second})
	if err != nil {
		t.Fatal(err)
	}
	return f
}

func TestGBFSHandler(t *testing.T) {
	feeds := gbfsTestFeeds(t, nil)
	s := serve(Deps{GBFS: feeds})
	get := func(path string, header ...string) *http.Response {
		t.Helper()
		req := httptest.NewRequest("GET", path, nil)
		for i := 0; i+1 < len(header); i += 2 {
			req.Header.Set(header[i], header[i+1])
		}
		rec := httptest.NewRecorder()
		s.ServeHTTP(rec, req)
		return rec.Result()
	}

	res := get("/gbfs/v3/gbfs.json")
	body, _ := io.ReadAll(res.Body)
	if res.StatusCode != 200 || res.Header.Get("Content-Type") != "application/json; charset=utf-8" ||
		res.Header.Get("Access-Control-Allow-Origin") != "*" {
		t.Fatalf("gbfs.json: %d %v\n%s", res.StatusCode, res.Header, body)
	}
	var disc struct {
		Data struct {
			Feeds []struct{ Name, URL string } `json:"feeds"`
		} `json:"data"`
	}
	if err := json.Unmarshal(body, &disc); err != nil || len(disc.Data.Feeds) != len(gbfs.FeedNames) {
		t.Fatalf("gbfs.json = %s (%v)", body, err)
	}
	// Every listed URL is served by this handler.
	for _, f := range disc.Data.Feeds {
		path, ok := strings.CutPrefix(f.URL, "http://cityhub.test")
		if !ok {
			t.Fatalf("feed %s at %s, not under the public URL", f.Name, f.URL)
		}
		if r := get(path); r.StatusCode != 200 {
			t.Errorf("%s: %d", path, r.StatusCode)
		}
	}

	res = get("/gbfs/v3/station_status.json")
	body, _ = io.ReadAll(res.Body)
	want, _ := feeds.Feed(context.Background(), gbfs.FeedStationStatus)
	etag, lastMod := res.Header.Get("ETag"), res.Header.Get("Last-Modified")
	if string(body) != string(want.JSON) || etag != want.ETag || lastMod == "" ||
		!strings.HasPrefix(res.Header.Get("Cache-Control"), "public, max-age=") {
		t.Fatalf("station_status: %v\n%s", res.Header, body)
	}

	cases := []struct {
		name   string
		path   string
		header []string
		status int
	}{
		{"etag matches", "/gbfs/v3/station_status.json", []string{"If-None-Match", etag}, 304},
		{"one of several etags", "/gbfs/v3/station_status.json", []string{"If-None-Match", `"x", ` + etag}, 304},
		{"weak etag", "/gbfs/v3/station_status.json", []string{"If-None-Match", "W/" + etag}, 304},
		{"etag differs", "/gbfs/v3/station_status.json", []string{"If-None-Match", `"other"`}, 200},
		{"not modified since", "/gbfs/v3/station_status.json", []string{"If-Modified-Since", lastMod}, 304},
		{"modified since", "/gbfs/v3/station_status.json", []string{"If-Modified-Since", "Mon, 02 Jan 2006 15:04:05 GMT"}, 200},
		{"etag wins over date", "/gbfs/v3/station_status.json", []string{"If-None-Match", `"other"`, "If-Modified-Since", lastMod}, 200},
		{"unknown feed", "/gbfs/v3/free_bike_status.json", nil, 404},
		{"without .json", "/gbfs/v3/station_status", nil, 404},
		{"other version", "/gbfs/v2/station_status.json", nil, 404},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			r := get(c.path, c.header...)
			b, _ := io.ReadAll(r.Body)
			if r.StatusCode != c.status {
				t.Fatalf("status %d, want %d\n%s", r.StatusCode, c.status, b)
			}
			if c.status == 304 && len(b) != 0 {
				t.Errorf("304 with a body")
			}
			if c.status == 404 && !strings.HasPrefix(r.Header.Get("Content-Type"), "application/problem+json") &&
				strings.HasPrefix(c.path, "/gbfs/v3/") {
				t.Errorf("404 is %s", r.Header.Get("Content-Type"))
			}
		})
	}

	// gzip, compressed once at rendering, with its own validator.
	res = get("/gbfs/v3/station_status.json", "Accept-Encoding", "br;q=1.0, gzip;q=0.8")
	zr, err := gzip.NewReader(res.Body)
	if err != nil {
		t.Fatalf("gzip: %v (%v)", err, res.Header)
	}
	plain, _ := io.ReadAll(zr)
	if res.Header.Get("Content-Encoding") != "gzip" || res.Header.Get("ETag") != want.GzipETag || want.GzipETag == etag ||
		string(plain) != string(want.JSON) || res.Header.Get("Vary") != "Accept-Encoding" {
		t.Errorf("gzip: %v, %d bytes", res.Header, len(plain))
	}
	if r := get("/gbfs/v3/station_status.json", "Accept-Encoding", "gzip", "If-None-Match", want.GzipETag); r.StatusCode != 304 {
		t.Errorf("gzip etag: %d", r.StatusCode)
	}
	if r := get("/gbfs/v3/station_status.json", "Accept-Encoding", "gzip;q=0, identity"); r.Header.Get("Content-Encoding") != "" {
		t.Errorf("gzip;q=0 got %s", r.Header.Get("Content-Encoding"))
	}

	req := httptest.NewRequest("HEAD", "/gbfs/v3/station_status.json", nil)
	rec := httptest.NewRecorder()
	s.ServeHTTP(rec, req)
	if rec.Code != 200 || rec.Body.Len() != 0 || rec.Header().Get("Content-Length") != itoa(len(want.JSON)) {
		t.Errorf("HEAD: %d, %d bytes, length %s", rec.Code, rec.Body.Len(), rec.Header().Get("Content-Length"))
	}
}

// serve is the feeds on a mux of their own.
func serve(d Deps) http.Handler {
	if d.Registry == nil {
		d.Registry = prometheus.NewRegistry()
	}
	mux := http.NewServeMux()
	New(d).Register(mux)
	return mux
}

func itoa(n int) string { b, _ := json.Marshal(n); return string(b) }

func TestGBFSHandlerUnavailable(t *testing.T) {
	var fail atomic.Bool
	fail.Store(true)
	s := serve(Deps{GBFS: gbfsTestFeeds(t, &fail)})
	rec := httptest.NewRecorder()
	s.ServeHTTP(rec, httptest.NewRequest("GET", "/gbfs/v3/station_status.json", nil))
	if rec.Code != 503 || rec.Header().Get("Retry-After") == "" || !strings.Contains(rec.Body.String(), `"code":"unavailable"`) {
		t.Fatalf("%d %v %s", rec.Code, rec.Header(), rec.Body)
	}

	off := serve(Deps{})
	rec = httptest.NewRecorder()
	off.ServeHTTP(rec, httptest.NewRequest("GET", "/gbfs/v3/gbfs.json", nil))
	if rec.Code != 404 {
		t.Fatalf("without feeds: %d", rec.Code)
	}
}

// Issue 9: a browser app on another origin preflights its conditional GET;
// the hub answers 204 with the CORS headers, and the GET exposes ETag so
// the app can send If-None-Match.
func TestGBFSCORSPreflight(t *testing.T) {
	s := serve(Deps{GBFS: gbfsTestFeeds(t, nil)})
	req := httptest.NewRequest("OPTIONS", "/gbfs/v3/station_status.json", nil)
	req.Header.Set("Origin", "https://app.example")
	req.Header.Set("Access-Control-Request-Method", "GET")
	req.Header.Set("Access-Control-Request-Headers", "if-none-match")
	rec := httptest.NewRecorder()
	s.ServeHTTP(rec, req)
	h := rec.Result().Header
	if rec.Code != http.StatusNoContent || h.Get("Access-Control-Allow-Origin") != "*" || !strings.Contains(h.Get("Access-Control-Allow-Methods"), "GET") ||
		!strings.Contains(strings.ToLower(h.Get("Access-Control-Allow-Headers")), "if-none-match") || !strings.Contains(h.Get("Access-Control-Expose-Headers"), "ETag") {
		t.Fatalf("preflight: %d %v", rec.Code, h)
	}
	req = httptest.NewRequest("GET", "/gbfs/v3/station_status.json", nil)
	req.Header.Set("Origin", "https://app.example")
	rec = httptest.NewRecorder()
	s.ServeHTTP(rec, req)
	if rec.Code != 200 || !strings.Contains(rec.Result().Header.Get("Access-Control-Expose-Headers"), "ETag") || rec.Result().Header.Get("ETag") == "" {
		t.Fatalf("GET: %d %v", rec.Code, rec.Result().Header)
	}
}

// Issue 9, item 3: while the telemetry backlog is over its bound /readyz
// says degraded (and why) but stays 200: the hub still serves, and taking
// it out of the load balancer would not help it catch up. A failing
// dependency still makes it 503.
func TestReadyzDegraded(t *testing.T) {
	var behind, dbDown atomic.Bool
	s := serve(Deps{
		Ready: map[string]func(context.Context) error{"database": func(context.Context) error {
			if dbDown.Load() {
				return errors.New("failed to connect to `user=postgres database=city`: 10.0.0.5:5432: connection refused")
			}
			return nil
		}},
		Degraded: map[string]func(context.Context) error{"telemetry": func(context.Context) error {
			if behind.Load() {
				return Reason("telemetry backlog of 30000 messages, over 20000")
			}
			return nil
		}}})
	get := func() (int, map[string]any) {
		rec := httptest.NewRecorder()
		s.ServeHTTP(rec, httptest.NewRequest("GET", "/readyz", nil))
		var body map[string]any
		json.Unmarshal(rec.Body.Bytes(), &body)
		return rec.Code, body
	}
	if code, body := get(); code != 200 || body["status"] != "ready" {
		t.Fatalf("ready: %d %v", code, body)
	}
	behind.Store(true)
	code, body := get()
	if checks, _ := body["checks"].(map[string]any); code != 200 || body["status"] != "degraded" || !strings.Contains(fmt.Sprint(checks["telemetry"]), "backlog") {
		t.Fatalf("behind: %d %v", code, body)
	}
	dbDown.Store(true)
	code, body = get()
	if code != http.StatusServiceUnavailable || body["status"] != "not ready" {
		t.Fatalf("database down: %d %v", code, body)
	}
	// Anyone may ask: a dependency's own error, which names hosts, users
	// and databases, stays in the log.
	if checks, _ := body["checks"].(map[string]any); checks["database"] != "failing" {
		t.Fatalf("database down, the open answer says %q", checks["database"])
	}
}
