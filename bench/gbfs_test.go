package bench

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"slices"
	"strconv"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"cityhub/gbfs"
	"cityhub/web"
)

// gbfsStations is the size of the system in the GBFS benchmarks.
const gbfsStations = 1000

// gbfsClients is the number of concurrent feed readers.
const gbfsClients = 16

// gbfsSnapshot is a city of n stations with 20 docks each, about half of
// them holding a bike (a third e-bikes), a few docks out of service.
func gbfsSnapshot(n int) gbfs.Snapshot {
	at := time.Now().UTC().Truncate(time.Second)
	snap := gbfs.Snapshot{At: at,
		Plans: []gbfs.PricingPlan{{ID: "standard", NameIT: "Base", UnlockCents: 100, PerMin: []gbfs.Segment{{RateCents: 10, IntervalMin: 1}}}},
		VehicleTypes: []gbfs.VehicleType{
			{ID: "bike", NameIT: "Bicicletta", Propulsion: gbfs.Human, PricingPlanID: "standard"},
			{ID: "ebike", NameIT: "Bici elettrica", Propulsion: gbfs.ElectricAssist, MaxRangeMeters: 60000, PricingPlanID: "standard"},
		}}
	bike := 0
	for i := range n {
		st := gbfs.Station{ID: fmt.Sprintf("st-%04d", i), NameIT: fmt.Sprintf("Stazione %d", i), NameEN: fmt.Sprintf("Station %d", i),
			Lat: 41.10 + float64(i%100)*0.001, Lon: 14.75 + float64(i/100)*0.001, Capacity: 20,
			Open: i%50 != 0, Online: i%97 != 0, LastReported: at.Add(-time.Duration(i%60) * time.Second)}
		for d := 1; d <= 20; d++ {
			dock := gbfs.Dock{Number: d, InService: (i+d)%37 != 0}
			if (i+d)%2 == 0 {
				id := "b" + strconv.Itoa(bike)
				bike++
				v := gbfs.Vehicle{ID: id, VehicleTypeID: "bike", Active: true, Trip: strconv.Itoa(bike % 7)}
				if bike%3 == 0 {
					v.VehicleTypeID = "ebike"
					pct := bike % 101
					dock.Battery = &pct
				}
				snap.Vehicles = append(snap.Vehicles, v)
				dock.BikeID = id
			}
			st.Docks = append(st.Docks, dock)
		}
		snap.Stations = append(snap.Stations, st)
	}
	return snap
}

func gbfsBenchFeeds(b *testing.B, snap gbfs.Snapshot) *gbfs.Feeds {
	b.Helper()
	f, err := gbfs.New(gbfs.SourceFunc(func(context.Context) (gbfs.Snapshot, error) { return snap, nil }),
		gbfs.Config{System: gbfs.CitySystem("Benevento", "Europe/Rome"), BaseURL: "http://bench", Refresh: time.Hour})
	if err != nil {
		b.Fatal(err)
	}
	if err := f.Refresh(context.Background()); err != nil {
		b.Fatal(err)
	}
	return f
}

// hammer has gbfsClients keep-alive clients GET url for d and returns the
// requests completed per second. Every response is read to the end and
// checked for status and length.
func hammer(b *testing.B, url string, size int, d time.Duration, header ...string) float64 {
	b.Helper()
	client := &http.Client{Transport: &http.Transport{MaxIdleConnsPerHost: gbfsClients, MaxConnsPerHost: gbfsClients, DisableCompression: true}}
	defer client.CloseIdleConnections()
	var done atomic.Int64
	var failed atomic.Value
	deadline := time.Now().Add(d)
	start := time.Now()
	var wg sync.WaitGroup
	for range gbfsClients {
		wg.Go(func() {
			for time.Now().Before(deadline) {
				req, _ := http.NewRequest("GET", url, nil)
				for i := 0; i+1 < len(header); i += 2 {
					req.Header.Set(header[i], header[i+1])
				}
				res, err := client.Do(req)
				if err != nil {
					failed.Store(err)
					return
				}
				n, _ := io.Copy(io.Discard, res.Body)
				res.Body.Close()
				if res.StatusCode != 200 || int(n) != size {
					failed.Store(fmt.Errorf("%s: status %d, %d bytes", url, res.StatusCode, n))
					return
				}
				done.Add(1)
			}
		})
	}
	wg.Wait()
	if err, _ := failed.Load().(error); err != nil {
		b.Fatal(err)
	}
	return float64(done.Load()) / time.Since(start).Seconds()
}

// BenchmarkGBFSStationStatus serves station_status for 1,000 stations through
// the hub's whole HTTP stack (request log, metrics, authentication
// middleware, the GBFS handler reading the pre-rendered body) and, as the
// baseline in the same run, a bare net/http handler writing the same bytes
// from memory. Both over loopback TCP with 16 keep-alive clients. Reports
// each side's requests/s and the median per-round hub/baseline, and, apart,
// the hub serving its pre-compressed gzip body to clients that accept it.
func BenchmarkGBFSStationStatus(b *testing.B) {
	feeds := gbfsBenchFeeds(b, gbfsSnapshot(gbfsStations))
	body, err := feeds.Feed(context.Background(), gbfs.FeedStationStatus)
	if err != nil {
		b.Fatal(err)
	}
	hub := httptest.NewServer(web.New(web.Deps{PublicURL: "http://bench", GBFS: feeds, Log: requestLog(b)}))
	defer hub.Close()
	payload := body.JSON
	base := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json; charset=utf-8")
		w.Header().Set("Content-Length", strconv.Itoa(len(payload)))
		w.Write(payload)
	}))
	defer base.Close()

	// Short alternating rounds, in ABBA order, and the median of the
	// per-round ratios: the machine may be busy with other work, and both
	// sides should see the same load.
	const round = 250 * time.Millisecond
	hubURL, baseURL := hub.URL+"/gbfs/v3/station_status.json", base.URL+"/"
	var hubRate, baseRate, gzipRate float64
	var ratios, gzipRatios []float64
	for b.Loop() {
		for i := range 8 {
			var h, g, bl float64
			if i%2 == 0 {
				h = hammer(b, hubURL, len(payload), round)
				bl = hammer(b, baseURL, len(payload), round)
				g = hammer(b, hubURL, len(body.Gzip), round, "Accept-Encoding", "gzip")
			} else {
				g = hammer(b, hubURL, len(body.Gzip), round, "Accept-Encoding", "gzip")
				bl = hammer(b, baseURL, len(payload), round)
				h = hammer(b, hubURL, len(payload), round)
			}
			hubRate, baseRate, gzipRate = hubRate+h, baseRate+bl, gzipRate+g
			ratios, gzipRatios = append(ratios, h/bl), append(gzipRatios, g/bl)
		}
	}
	n := float64(len(ratios))
	b.ReportMetric(hubRate/n, "hub_req/s")
	b.ReportMetric(baseRate/n, "baseline_req/s")
	b.ReportMetric(median(ratios), "hub/baseline")
	// What a client that accepts gzip (most do) gets from the hub.
	b.ReportMetric(gzipRate/n, "hub_gzip_req/s")
	b.ReportMetric(median(gzipRatios), "hub_gzip/baseline")
	b.ReportMetric(float64(len(payload)), "body_bytes")
	b.ReportMetric(float64(len(body.Gzip)), "gzip_bytes")
}

// median of xs (the mean of the two middle values for an even count); 0
// for none.
func median(xs []float64) float64 {
	s := slices.Clone(xs)
	slices.Sort(s)
	n := len(s)
	switch {
	case n == 0:
		return 0
	case n%2 == 0:
		return (s[n/2-1] + s[n/2]) / 2
	}
	return s[n/2]
}

// BenchmarkGBFSRefresh renders every feed of 1,000 stations from a snapshot,
// which each refresh costs once per ttl. Baseline in the same run: encoding
// the snapshot itself with encoding/json, the cost of turning the same data
// into JSON without any GBFS rules.
func BenchmarkGBFSRefresh(b *testing.B) {
	snap := gbfsSnapshot(gbfsStations)
	feeds := gbfsBenchFeeds(b, snap)
	ctx := context.Background()
	b.Run("render", func(b *testing.B) {
		for b.Loop() {
			if err := feeds.Refresh(ctx); err != nil {
				b.Fatal(err)
			}
		}
	})
	b.Run("baseline-marshal", func(b *testing.B) {
		for b.Loop() {
			if _, err := json.Marshal(snap); err != nil {
				b.Fatal(err)
			}
		}
	})
}
