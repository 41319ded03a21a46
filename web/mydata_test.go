package web

import (
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"reflect"
	"strings"
	"testing"
	"time"

	"cityhub/identity"
	"cityhub/mobility/mobilitytest"
	"cityhub/simulator"
	"cityhub/store/storetest"
	"cityhub/ticketing"
	"cityhub/wallet"
	"cityhub/web/webtest"
)

// A person's data download holds what every part of the hub keeps about
// them (the account, the wallet, bike sharing, participation), and the API
// and the privacy page give the same document.
func TestMyDataHoldsEveryPartAlike(t *testing.T) {
	t.Parallel()
	for _, engine := range storetest.Engines {
		t.Run(engine, func(t *testing.T) {
			_, env := newTestServer(t, engine, withParticipation, func(env *testEnv, d *Deps) {
				d.Mobility = mobilitytest.NewService(env.DB.Mobility(), nil)
				d.Wallet = wallet.NewService(env.DB.Wallet(), nil)
				d.Ticketing = ticketing.NewService(env.DB.Ticketing(), env.Keys, nil)
			})
			if err := simulator.SeedCatalogue(t.Context(), env.Deps.Mobility, simulator.Layout("dat", 1, 4)); err != nil {
				t.Fatal(err)
			}
			anna, bearer := env.account(t, identity.RoleCitizen)
			_, bruno := env.account(t, identity.RoleCitizen)
			wantStatus(t, env.do(t, "PUT", "/api/v1/mobility/favourites/dat-001", bearer, ""), http.StatusOK)
			wantStatus(t, env.do(t, "POST", "/api/v1/mobility/fault-reports", bearer,
				`{"station_id":"dat-001","target":"dock","dock":2,"description":"Il blocco non si chiude"}`), http.StatusCreated)
			wantStatus(t, vreq(t, env, "POST", "/api/v1/proposals", bearer, `{"title":"Panchine al fiume","body":"Panchine lungo il fiume, per favore."}`,
				"Idempotency-Key: mydata-proposal"), http.StatusCreated)
			// Another citizen's doings are not in the download.
			wantStatus(t, env.do(t, "PUT", "/api/v1/mobility/favourites/dat-001", bruno, ""), http.StatusOK)

			res := env.do(t, "GET", "/api/v1/me/data", bearer, "")
			wantStatus(t, res, http.StatusOK)
			var got struct {
				Account struct {
					Account identity.Account `json:"account"`
				} `json:"account"`
				Wallet   *wallet.Export `json:"wallet"`
				Mobility struct {
					Favourites   []string `json:"favourite_stations"`
					FaultReports []struct {
						Description string `json:"description"`
					} `json:"fault_reports"`
					Rides []any `json:"rides"`
				} `json:"mobility"`
				Participation struct {
					Proposals []struct {
						Title string `json:"title"`
					} `json:"proposals"`
				} `json:"participation"`
				TheatreOrders []any `json:"theatre_orders"`
			}
			decodeInto(t, res, &got)
			if got.Account.Account.ID != anna.ID || got.Wallet == nil || got.Wallet.History == nil || got.Mobility.Rides == nil ||
				strings.Join(got.Mobility.Favourites, ",") != "dat-001" ||
				len(got.Mobility.FaultReports) != 1 || got.Mobility.FaultReports[0].Description != "Il blocco non si chiude" ||
				len(got.Participation.Proposals) != 1 || got.Participation.Proposals[0].Title != "Panchine al fiume" {
				t.Fatalf("the download lacks a part:\n%s", res.Body.String())
			}
			if strings.Contains(res.Body.String(), "argon2") {
				t.Fatal("the download holds the password's hash")
			}

			// An account that is no citizen's (now) gets every part too:
			// what it did as a citizen stays its data.
			_, operator := env.account(t, identity.RoleOperator)
			var staff struct {
				Wallet        *wallet.Export `json:"wallet"`
				TheatreOrders []any          `json:"theatre_orders"`
				Mobility      *struct{}      `json:"mobility"`
			}
			decodeInto(t, env.do(t, "GET", "/api/v1/me/data", operator, ""), &staff)
			if staff.Wallet == nil || staff.TheatreOrders == nil || staff.Mobility == nil {
				t.Fatalf("a staff account's download lacks a part: %+v", staff)
			}

			// The privacy page's download, of the same person, signed in
			// before the API is asked again: the same document, but for
			// when each was made.
			srv := httptest.NewServer(env.Server)
			t.Cleanup(srv.Close)
			pc := webtest.SignedIn(t, srv.URL, anna.Email, testPassword)
			api := env.do(t, "GET", "/api/v1/me/data", bearer, "")
			wantStatus(t, api, http.StatusOK)
			pres, page := pc.Get("/privacy/my-data.json")
			if pres.StatusCode != http.StatusOK || !strings.Contains(pres.Header.Get("Content-Disposition"), "attachment") {
				t.Fatalf("the page's download: %d %v", pres.StatusCode, pres.Header)
			}
			if a, p := withoutExportTimes(t, api.Body.String()), withoutExportTimes(t, page); !reflect.DeepEqual(a, p) {
				t.Fatalf("the API's download and the page's differ:\nAPI:  %s\npage: %s", api.Body.String(), page)
			}
		})
	}
}

// withoutExportTimes decodes a download without its parts' exported_at.
func withoutExportTimes(t *testing.T, doc string) any {
	t.Helper()
	var v any
	if err := json.Unmarshal([]byte(doc), &v); err != nil {
		t.Fatalf("a download that is not JSON: %v\n%s", err, doc)
	}
	var strip func(any)
	strip = func(v any) {
		switch x := v.(type) {
		case map[string]any:
			delete(x, "exported_at")
			for _, e := range x {
				strip(e)
			}
		case []any:
			for _, e := range x {
				strip(e)
			}
		}
	}
	strip(v)
	return v
}

// A download is one moment: its exported_at, its account's and its
// participation's are one time, to the microsecond (as README says every
// time is), from the API and from the privacy page alike. They were three
// readings of the clock, the first to the nanosecond.
func TestMyDataIsOneMoment(t *testing.T) {
	t.Parallel()
	_, env := newTestServer(t, "sqlite", withParticipation)
	anna, bearer := env.account(t, identity.RoleCitizen)
	srv := httptest.NewServer(env.Server)
	t.Cleanup(srv.Close)
	pc := webtest.SignedIn(t, srv.URL, anna.Email, testPassword)
	res := env.do(t, "GET", "/api/v1/me/data", bearer, "")
	wantStatus(t, res, http.StatusOK)
	pres, page := pc.Get("/privacy/my-data.json")
	if pres.StatusCode != http.StatusOK {
		t.Fatalf("the page's download: %d", pres.StatusCode)
	}
	for where, doc := range map[string]string{"API": res.Body.String(), "page": page} {
		var got struct {
			ExportedAt string `json:"exported_at"`
			Account    struct {
				ExportedAt string `json:"exported_at"`
			} `json:"account"`
			Participation struct {
				ExportedAt string `json:"exported_at"`
			} `json:"participation"`
		}
		if err := json.Unmarshal([]byte(doc), &got); err != nil {
			t.Fatalf("%s: %v", where, err)
		}
		at, err := time.Parse(time.RFC3339Nano, got.ExportedAt)
		if err != nil || at.Location() != time.UTC || at.Nanosecond()%1000 != 0 {
			t.Fatalf("%s: exported_at %q (%v), want UTC to the microsecond", where, got.ExportedAt, err)
		}
		if got.Account.ExportedAt != got.ExportedAt || got.Participation.ExportedAt != got.ExportedAt {
			t.Fatalf("%s: exported_at %q, the account's %q, participation's %q: want one moment", where, got.ExportedAt, got.Account.ExportedAt, got.Participation.ExportedAt)
		}
	}
}
