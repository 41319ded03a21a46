package web

import (
	"context"
	"net/http"
	"net/http/httptest"
	"regexp"
	"strings"
	"testing"
	"time"

	"cityhub/identity"
	"cityhub/mobility"
	"cityhub/simulator"
	"cityhub/web/webtest"
)

// Docks a station reports above the capacity the city registered are kept
// for the operator (docs/mqtt.md): the station's page lists them after the
// registered docks, marked as beyond the capacity, with the bike they hold,
// and offers no service switch for them (the hub refuses one).
func TestOperatorStationPageShowsDocksBeyondCapacity(t *testing.T) {
	t.Parallel()
	operator := operatorWithStations(t, "bey", 1, 4, map[int]string{1: "bey-001-b01", 2: "", 3: "", 4: "", 7: "stray-7", 5: ""})
	res, body := operator.Get("/operator/bikes/stations/bey-001")
	if res.StatusCode != http.StatusOK {
		t.Fatalf("station page: %d\n%s", res.StatusCode, body)
	}
	docks := regexp.MustCompile(`(?s)<li class="card dock[^"]*" id="dock-(\d+)".*?</li>`).FindAllStringSubmatch(body, -1)
	var order []string
	card := map[string]string{}
	for _, m := range docks {
		order = append(order, m[1])
		card[m[1]] = m[0]
	}
	if got := strings.Join(order, ","); got != "1,2,3,4,5,7" {
		t.Fatalf("docks on the page %s, want 1 to 4 then 5 and 7", got)
	}
	for _, n := range []string{"5", "7"} {
		c := card[n]
		if !strings.Contains(c, `data-testid="dock-beyond"`) || !strings.Contains(c, "Oltre i 4 stalli registrati") || strings.Contains(c, "<form") {
			t.Errorf("dock %s beyond the capacity:\n%s", n, c)
		}
	}
	if !strings.Contains(card["7"], "<code>stray-7</code>") {
		t.Errorf("dock 7 does not show its bike:\n%s", card["7"])
	}
	if c := card["1"]; strings.Contains(c, "dock-beyond") || !strings.Contains(c, "<code>bey-001-b01</code>") || !strings.Contains(c, `data-action="out-of-service"`) {
		t.Errorf("registered dock 1:\n%s", c)
	}
}

// A dock the station never reported is not called free on its page: a
// station that has not reported yet, or whose status left a dock out,
// shows that dock as not reported.
func TestOperatorStationPageSaysWhichDocksWereNotReported(t *testing.T) {
	t.Parallel()
	operator := operatorWithStations(t, "unr", 2, 3, map[int]string{1: "unr-001-b01", 2: ""})
	dockCards := regexp.MustCompile(`(?s)<li class="card dock[^"]*" id="dock-(\d+)".*?</li>`)
	for station, want := range map[string]map[string]string{
		"unr-001": {"1": "<code>unr-001-b01</code>", "2": "Libero", "3": "Non segnalato dalla stazione"},
		"unr-002": {"1": "Non segnalato dalla stazione", "2": "Non segnalato dalla stazione", "3": "Non segnalato dalla stazione"},
	} {
		res, body := operator.Get("/operator/bikes/stations/" + station)
		if res.StatusCode != http.StatusOK {
			t.Fatalf("station page %s: %d\n%s", station, res.StatusCode, body)
		}
		cards := dockCards.FindAllStringSubmatch(body, -1)
		if len(cards) != 3 {
			t.Fatalf("%s: %d docks on the page, want 3", station, len(cards))
		}
		for _, m := range cards {
			if w := want[m[1]]; !strings.Contains(m[0], w) || (w != "Libero" && strings.Contains(m[0], "Libero")) {
				t.Errorf("%s dock %s: want %q\n%s", station, m[1], w, m[0])
			}
		}
	}
}

// operatorWithStations seeds stations stations of capacity docks named
// prefix-001 on, has the first report docks (dock: bike, "" for a free
// one), and signs an operator in.
func operatorWithStations(t *testing.T, prefix string, stations, capacity int, docks map[int]string) *webtest.PageClient {
	t.Helper()
	_, env := newTestServer(t, "sqlite", withMobilityCatalogue)
	srv := httptest.NewServer(env.Server)
	t.Cleanup(srv.Close)
	ctx := context.Background()
	svc := env.Deps.Mobility
	if err := simulator.SeedCatalogue(ctx, svc, simulator.Layout(prefix, stations, capacity)); err != nil {
		t.Fatal(err)
	}
	report := &mobility.StatusReport{TS: time.Now().UTC().Truncate(time.Millisecond), Online: true}
	for dock, bike := range docks {
		report.Docks = append(report.Docks, mobility.DockState{Dock: dock, BikeID: bike, Locked: bike != ""})
	}
	if err := svc.Ingest(ctx, identity.System(), []mobility.Telemetry{{StationID: prefix + "-001", Kind: mobility.KindStatus, Status: report, Received: time.Now()}}); err != nil {
		t.Fatal(err)
	}
	a, _ := env.account(t, identity.RoleOperator)
	return webtest.SignedIn(t, srv.URL, a.Email, testPassword)
}
