package web

import (
	"context"
	"html"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"cityhub/identity"
	"cityhub/mobility"
	"cityhub/store/storetest"
)

// dockBikes has the station duomo (capacity 8) report the bikes given, a
// dock each from dock 1 ("" an empty dock).
func (b *bikeAdminEnv) dockBikes(t *testing.T, at time.Time, bikes ...string) {
	t.Helper()
	r := &mobility.StatusReport{TS: at, Online: true}
	for i, id := range bikes {
		r.Docks = append(r.Docks, mobility.DockState{Dock: i + 1, BikeID: id, Locked: id != ""})
	}
	if err := b.svc.Ingest(context.Background(), identity.System(), []mobility.Telemetry{{StationID: "duomo", Kind: mobility.KindStatus, Status: r, Received: time.Now()}}); err != nil {
		t.Fatal(err)
	}
}

// A capacity below the bikes a station holds is refused for that: the API
// says capacity_below_docked, the page says how many bikes are docked, by
// the capacity field, in the reader's language; a capacity below a dock
// that holds a bike names the dock. Nothing is written.
func TestStationCapacityBelowItsBikes(t *testing.T) {
	t.Parallel()
	for _, engine := range storetest.Engines {
		t.Run(engine, func(t *testing.T) {
			b := newBikeAdminEnv(t, engine)
			b.seed(t)
			t0 := time.Now().UTC().Truncate(time.Millisecond)
			b.dockBikes(t, t0, "b-001", "x-2", "x-3", "x-4", "x-5")
			admin := b.env.login(t, identity.RoleAdmin)
			p := wantProblem(t, b.env.do(t, "PUT", "/api/v1/admin/mobility/stations/duomo", admin,
				`{"name_it":"Piazza Duomo","lat":41.13,"lon":14.78,"capacity":3,"open":true}`), http.StatusConflict)
			if p.Reason != "capacity_below_docked" || !strings.Contains(p.Detail, "5 bikes") {
				t.Errorf("API: %+v, want capacity_below_docked naming 5 bikes", p)
			}

			page := b.signIn(t, identity.RoleAdmin)
			form := url.Values{"csrf_token": {page.CSRF("/admin/bikes")}, "name_it": {"Piazza Duomo"}, "lat": {"41,13"}, "lon": {"14,78"}, "capacity": {"3"}, "open": {"1"}}
			res, body := page.Post("/admin/bikes/stations/duomo", form)
			if res.StatusCode != http.StatusConflict {
				t.Fatalf("page: %d\n%s", res.StatusCode, body)
			}
			body = html.UnescapeString(body)
			i := strings.Index(body, `data-field-error="capacity">`)
			if i < 0 || !strings.Contains(body[i:min(len(body), i+300)], "La stazione ha 5 bici agganciate agli stalli: la capienza non può essere inferiore (hai scritto 3).") {
				t.Errorf("no words on the bikes docked by the capacity:\n%s", body)
			}
			if !strings.Contains(body, `name="capacity" value="3"`) {
				t.Errorf("the capacity typed is not in the form again")
			}

			// The bikes fit, but one is in dock 7, above a capacity of 6.
			b.dockBikes(t, t0.Add(time.Second), "b-001", "", "", "", "", "", "x-7")
			english(page)
			form.Set("capacity", "6")
			res, body = page.Post("/admin/bikes/stations/duomo", form)
			body = html.UnescapeString(body)
			if res.StatusCode != http.StatusConflict || !strings.Contains(body, "Docks holding a bike: 7, above the capacity of 6.") {
				t.Errorf("page, a bike above the capacity: %d\n%s", res.StatusCode, body)
			}
			if st, err := b.svc.Station(context.Background(), identity.System(), "duomo"); err != nil || st.Capacity != 8 {
				t.Errorf("after the refusals: %+v, %v", st, err)
			}
		})
	}
}
