package web

import (
	"context"
	"encoding/json"
	"errors"
	"net/http"
	"strings"
	"testing"
	"time"

	"cityhub/apperr"
	"cityhub/identity"
	"cityhub/internal/testutil"
	"cityhub/mobility"
	"cityhub/mobility/mobilitytest"
	"cityhub/mqtt/mqtttest"
	"cityhub/store/storetest"
	"cityhub/wallet"
)

// A second POST of a code already in the catalogue is a 409 problem, and the
// first object stays exactly as it was created.
func TestCatalogueCreateOfATakenCodeIsAConflict(t *testing.T) {
	t.Parallel()
	for _, engine := range storetest.Engines {
		t.Run(engine, func(t *testing.T) {
			_, env := newTestServer(t, engine, withMobilityCatalogue)
			admin := env.login(t, identity.RoleAdmin)
			for _, c := range []struct {
				path, first, second, reason string
			}{
				{"/api/v1/admin/mobility/stations", `{"id":"roma","name_it":"Piazza Roma","lat":41.13,"lon":14.78,"capacity":12,"open":true}`,
					`{"id":"roma","name_it":"Altra piazza","lat":40.1,"lon":13.2,"capacity":3,"open":false}`, "station_exists"},
				{"/api/v1/admin/mobility/pricing-plans", `{"id":"notte","name_it":"Notte","unlock_cents":50,"per_min_pricing":[{"start":0,"rate_cents":5,"interval":1}]}`,
					`{"id":"notte","name_it":"Giorno","unlock_cents":900,"per_min_pricing":[]}`, "pricing_plan_exists"},
				{"/api/v1/admin/mobility/vehicle-types", `{"id":"city","name_it":"Città","propulsion":"human","pricing_plan_id":"notte"}`,
					`{"id":"city","name_it":"Cargo","propulsion":"human","pricing_plan_id":"notte"}`, "vehicle_type_exists"},
				{"/api/v1/admin/mobility/bikes", `{"id":"b-1","vehicle_type_id":"city","active":true}`,
					`{"id":"b-1","vehicle_type_id":"city","active":false}`, "bike_exists"},
			} {
				rec := env.do(t, "POST", c.path, admin, c.first)
				if rec.Code != http.StatusCreated {
					t.Fatalf("POST %s: %d %s", c.path, rec.Code, rec.Body.String())
				}
				created := rec.Body.String()
				if c.reason == "station_exists" {
					// The answer that registers a station also carries its
					// credential; the station itself is the rest.
					var st mobility.Station
					decodeInto(t, rec, &st)
					b, _ := json.Marshal(st)
					created = string(b) + "\n"
				}
				p := wantProblem(t, env.do(t, "POST", c.path, admin, c.second), http.StatusConflict)
				if p.Reason != c.reason {
					t.Errorf("POST %s again: reason %q, want %s", c.path, p.Reason, c.reason)
				}
				var id struct{ ID string }
				decodeInto(t, rec, &id)
				if got := env.do(t, "GET", c.path+"/"+id.ID, admin, ""); got.Code != http.StatusOK || got.Body.String() != created {
					t.Errorf("after the refused POST %s:\n got %s\nwant %s", c.path, got.Body.String(), created)
				}
			}
			// A PUT edits only: a deleted id is a 404 and is not brought back.
			if rec := env.do(t, "DELETE", "/api/v1/admin/mobility/bikes/b-1", admin, ""); rec.Code != http.StatusNoContent {
				t.Fatalf("DELETE: %d %s", rec.Code, rec.Body.String())
			}
			wantProblem(t, env.do(t, "PUT", "/api/v1/admin/mobility/bikes/b-1", admin, `{"vehicle_type_id":"city","active":true}`), http.StatusNotFound)
			wantProblem(t, env.do(t, "GET", "/api/v1/admin/mobility/bikes/b-1", admin, ""), http.StatusNotFound)
		})
	}
}

// refusingBroker is a broker that takes no station account.
type refusingBroker struct{}

func (refusingBroker) SetStationSecret(context.Context, string, string) error {
	return errors.New("broker unreachable")
}
func (refusingBroker) RemoveStation(context.Context, string) error { return nil }

// Registering a station through the API issues its broker credential, as
// the admin pages do: the secret is in that answer only (no-store), never
// kept for an Idempotency-Key replay, and it logs the station in. When the
// broker does not take it, the station exists all the same and the answer
// says why it has no credential.
func TestStationRegistrationIssuesCredential(t *testing.T) {
	t.Parallel()
	for _, engine := range storetest.Engines {
		t.Run(engine, func(t *testing.T) {
			var svc *mobility.Service
			_, env := newTestServer(t, engine, func(env *testEnv, d *Deps) {
				svc = mobilitytest.NewService(env.DB.Mobility(), nil)
				d.Mobility = svc
			})
			admin := env.login(t, identity.RoleAdmin)
			const path = "/api/v1/admin/mobility/stations"
			body := `{"id":"roma","name_it":"Piazza Roma","lat":41.13,"lon":14.78,"capacity":12,"open":true}`
			rec := vreq(t, env, "POST", path, admin, body, "Idempotency-Key: register-roma")
			if rec.Code != http.StatusCreated {
				t.Fatalf("POST: %d %s", rec.Code, rec.Body.String())
			}
			if cc := rec.Header().Get("Cache-Control"); cc != "no-store" {
				t.Errorf("Cache-Control %q, want no-store", cc)
			}
			if loc := rec.Header().Get("Location"); loc != path+"/roma" {
				t.Errorf("Location %q", loc)
			}
			var got struct {
				ID         string                     `json:"id"`
				Credential *mobility.IssuedCredential `json:"credential"`
				Problem    map[string]any             `json:"credential_error"`
			}
			decodeInto(t, rec, &got)
			if got.ID != "roma" || got.Credential == nil || got.Problem != nil {
				t.Fatalf("answer %s", rec.Body.String())
			}
			if c := got.Credential; c.Username != "roma" || c.Generation != 1 || len(c.Secret) < 32 {
				t.Errorf("credential %+v", c)
			}
			if ok, err := svc.AuthenticateStation(context.Background(), "roma", got.Credential.Secret); err != nil || !ok {
				t.Errorf("the issued secret does not log the station in: %v %v", ok, err)
			}
			// A retry with the same key is a new request: the station is
			// taken, and the secret is not in the answer.
			again := vreq(t, env, "POST", path, admin, body, "Idempotency-Key: register-roma")
			if p := wantProblem(t, again, http.StatusConflict); p.Reason != "station_exists" {
				t.Errorf("retry: reason %q", p.Reason)
			}
			if again.Header().Get("Idempotent-Replayed") != "" || strings.Contains(again.Body.String(), got.Credential.Secret) {
				t.Errorf("a keyed retry replayed the secret: %s", again.Body.String())
			}
			if rec := env.do(t, "GET", path+"/roma/credential", admin, ""); rec.Code != http.StatusOK || strings.Contains(rec.Body.String(), "secret") {
				t.Errorf("credential read: %d %s", rec.Code, rec.Body.String())
			}

			// The broker refuses the account: the station is registered
			// without a credential, and the answer says so.
			svc.SetBrokerAccounts(refusingBroker{})
			rec = env.do(t, "POST", path, admin, `{"id":"duomo","name_it":"Duomo","lat":41.13,"lon":14.78,"capacity":8,"open":true}`)
			if rec.Code != http.StatusCreated {
				t.Fatalf("POST with the broker down: %d %s", rec.Code, rec.Body.String())
			}
			got.Credential, got.Problem = nil, nil
			decodeInto(t, rec, &got)
			if got.Credential != nil || got.Problem == nil || got.Problem["code"] != string(apperr.Unavailable) ||
				got.Problem["instance"] != path+"/duomo/credential" {
				t.Errorf("answer with the broker down: %s", rec.Body.String())
			}
			if rec := env.do(t, "GET", path+"/duomo", admin, ""); rec.Code != http.StatusOK {
				t.Errorf("the station was not registered: %d %s", rec.Code, rec.Body.String())
			}
			wantProblem(t, env.do(t, "GET", path+"/duomo/credential", admin, ""), http.StatusNotFound)
		})
	}
}

// What rides refer to stays in the catalogue: a station with bikes in its
// docks or rides started or ended there, and a bike in a dock, on a ride or
// with rides behind it, are 409 (station_in_use, bike_in_use,
// bike_on_ride) and stay as they were, so the bikes still docked still
// unlock; what nothing refers to is deleted.
func TestCatalogueDeleteRefusesWhatRidesReferTo(t *testing.T) {
	t.Parallel()
	for _, engine := range storetest.Engines {
		t.Run(engine, func(t *testing.T) {
			var m *mobilitytest.Env
			_, env := newTestServer(t, engine, func(env *testEnv, d *Deps) {
				m = mobilitytest.New(t, env.DB, mqtttest.StartEmbedded(t).URL(), mobilitytest.Options{Stations: 3, Docks: 4})
				d.Mobility = m.Svc
			})
			admin := env.login(t, identity.RoleAdmin)
			operator := env.login(t, identity.RoleOperator)
			acct, citizen := env.account(t, identity.RoleCitizen)
			if _, err := m.Wallet.Post(t.Context(), wallet.Transaction{Key: "topup:" + acct.ID, Kind: "topup", Entries: []wallet.Entry{
				{Account: wallet.CityFunding, Amount: -2000}, {Account: wallet.CitizenAccount(acct.ID), Amount: 2000}}}); err != nil {
				t.Fatal(err)
			}
			const base = "/api/v1/admin/mobility/"
			refused := func(path, reason string) {
				t.Helper()
				if p := wantProblem(t, env.do(t, "DELETE", base+path, admin, ""), http.StatusConflict); p.Reason != reason {
					t.Errorf("DELETE %s: reason %q, want %s", path, p.Reason, reason)
				}
				wantStatus(t, env.do(t, "GET", base+path, admin, ""), http.StatusOK)
			}
			st, mid, end := m.Stations[0], m.Stations[1], m.Stations[2]

			// Bikes in their docks.
			refused("stations/"+st.ID, "station_in_use")
			refused("bikes/"+mid.Bikes[0].ID, "bike_in_use")

			// A bike on a ride, then docked at the end station, whose
			// state is then forgotten: only the ride refers to both.
			rec := env.do(t, "POST", "/api/v1/mobility/unlock", citizen, `{"station_id":"`+st.ID+`","dock":1}`)
			wantStatus(t, rec, http.StatusCreated)
			var ride mobility.Ride
			decodeInto(t, rec, &ride)
			refused("bikes/"+ride.BikeID, "bike_on_ride")
			// The event alone ends the ride: a status sent with it could
			// still be on its way after the reset below, and put the
			// station's bikes back.
			if _, _, err := m.Sim.DockEventOnly(ride.BikeID, end.ID); err != nil {
				t.Fatal(err)
			}
			testutil.Eventually(t, 10*time.Second, "ride ended", func() bool {
				return env.do(t, "GET", "/api/v1/mobility/rides/current", citizen, "").Code == http.StatusNotFound
			})
			wantStatus(t, env.do(t, "POST", "/api/v1/operator/mobility/stations/"+end.ID+"/reset", operator, ""), http.StatusNoContent)
			if s, err := m.StationState(end.ID); err == nil && s.Bikes() != 0 {
				t.Fatalf("%s still has %d bikes after its reset", end.ID, s.Bikes())
			}
			refused("bikes/"+ride.BikeID, "bike_in_use")
			refused("stations/"+end.ID, "station_in_use")

			// The bikes still docked still unlock.
			wantStatus(t, env.do(t, "POST", "/api/v1/mobility/unlock", citizen, `{"station_id":"`+mid.ID+`","dock":1}`), http.StatusCreated)

			// What nothing refers to goes.
			wantStatus(t, env.do(t, "POST", base+"stations", admin, `{"id":"nuova","name_it":"Nuova","lat":41.13,"lon":14.78,"capacity":4,"open":true}`), http.StatusCreated)
			wantStatus(t, env.do(t, "POST", base+"bikes", admin, `{"id":"nuova-b1","vehicle_type_id":"bike","active":true}`), http.StatusCreated)
			for _, path := range []string{"stations/nuova", "bikes/nuova-b1"} {
				wantStatus(t, env.do(t, "DELETE", base+path, admin, ""), http.StatusNoContent)
				wantProblem(t, env.do(t, "GET", base+path, admin, ""), http.StatusNotFound)
				wantProblem(t, env.do(t, "DELETE", base+path, admin, ""), http.StatusNotFound)
			}
		})
	}
}

// A pricing plan created or replaced without per-minute segments answers
// them as an empty list, as reading it does, never null.
func TestPricingPlanWithoutSegmentsAnswersAnEmptyList(t *testing.T) {
	t.Parallel()
	for _, engine := range storetest.Engines {
		t.Run(engine, func(t *testing.T) {
			_, env := newTestServer(t, engine, withMobilityCatalogue)
			admin := env.login(t, identity.RoleAdmin)
			const path = "/api/v1/admin/mobility/pricing-plans"
			for _, c := range []struct {
				method, path, body string
				status             int
			}{
				{"POST", path, `{"id":"okplan2","name_it":"Seg","unlock_cents":100}`, http.StatusCreated},
				{"PUT", path + "/okplan2", `{"name_it":"Seg","unlock_cents":150}`, http.StatusOK},
				{"PUT", path + "/okplan2", `{"name_it":"Seg","unlock_cents":150,"per_min_pricing":null}`, http.StatusOK},
			} {
				rec := env.do(t, c.method, c.path, admin, c.body)
				wantStatus(t, rec, c.status)
				if !strings.Contains(rec.Body.String(), `"per_min_pricing":[]`) {
					t.Errorf("%s %s: %s", c.method, c.path, rec.Body.String())
				}
				if got := env.do(t, "GET", path+"/okplan2", admin, ""); got.Body.String() != rec.Body.String() {
					t.Errorf("%s %s answered\n%s\nbut the plan reads\n%s", c.method, c.path, rec.Body.String(), got.Body.String())
				}
			}
		})
	}
}

// A PUT whose body names another id than its URL is refused 400 id_mismatch
// on every catalogue, changing neither object; the URL's id in the body, or
// none, edits the URL's object.
func TestCataloguePutOfAnotherIDIsRefused(t *testing.T) {
	t.Parallel()
	for _, engine := range storetest.Engines {
		t.Run(engine, func(t *testing.T) {
			_, env := newTestServer(t, engine, withMobilityCatalogue)
			admin := env.login(t, identity.RoleAdmin)
			const base = "/api/v1/admin/mobility/"
			for _, c := range []struct {
				path, a, b, other, same string
			}{
				{"pricing-plans", `{"id":"pa","name_it":"A","unlock_cents":50}`, `{"id":"pb","name_it":"B","unlock_cents":60}`,
					`{"id":"pb","name_it":"A2","unlock_cents":70}`, `{"id":"pa","name_it":"A3","unlock_cents":80}`},
				{"vehicle-types", `{"id":"ta","name_it":"A","propulsion":"human","pricing_plan_id":"pa"}`, `{"id":"tb","name_it":"B","propulsion":"human","pricing_plan_id":"pa"}`,
					`{"id":"tb","name_it":"A2","propulsion":"human","pricing_plan_id":"pa"}`, `{"name_it":"A3","propulsion":"human","pricing_plan_id":"pa"}`},
				{"bikes", `{"id":"ba","vehicle_type_id":"ta","active":true}`, `{"id":"bb","vehicle_type_id":"ta","active":true}`,
					`{"id":"bb","vehicle_type_id":"ta","active":false}`, `{"id":"ba","vehicle_type_id":"ta","active":false}`},
				{"stations", `{"id":"sa","name_it":"A","lat":41.13,"lon":14.78,"capacity":4,"open":true}`, `{"id":"sb","name_it":"B","lat":41.14,"lon":14.79,"capacity":4,"open":true}`,
					`{"id":"sb","name_it":"A2","lat":41.13,"lon":14.78,"capacity":5,"open":false}`, `{"name_it":"A3","lat":41.13,"lon":14.78,"capacity":6,"open":true}`},
			} {
				path := base + c.path
				read := func(id string) string {
					t.Helper()
					rec := env.do(t, "GET", path+"/"+id, admin, "")
					wantStatus(t, rec, http.StatusOK)
					return rec.Body.String()
				}
				for _, body := range []string{c.a, c.b} {
					wantStatus(t, env.do(t, "POST", path, admin, body), http.StatusCreated)
				}
				var a, b struct{ ID string }
				_ = json.Unmarshal([]byte(c.a), &a)
				_ = json.Unmarshal([]byte(c.b), &b)
				beforeA, beforeB := read(a.ID), read(b.ID)
				p := wantProblem(t, env.do(t, "PUT", path+"/"+a.ID, admin, c.other), http.StatusBadRequest)
				if p.Reason != "id_mismatch" {
					t.Errorf("PUT %s/%s with %s: reason %q, want id_mismatch", path, a.ID, c.other, p.Reason)
				}
				if read(a.ID) != beforeA || read(b.ID) != beforeB {
					t.Errorf("PUT %s/%s with %s changed an object", path, a.ID, c.other)
				}
				rec := env.do(t, "PUT", path+"/"+a.ID, admin, c.same)
				wantStatus(t, rec, http.StatusOK)
				if got := read(a.ID); got == beforeA {
					t.Errorf("PUT %s/%s with %s: reads %s", path, a.ID, c.same, got)
				}
			}
		})
	}
}

// The fields StationInput, BikeInput and PricingPlanInput require are
// refused when missing (or null) with 400 missing_field, never read as 0 or
// false: a station without lon is not put on the meridian, a plan without
// unlock_cents is not free to unlock, a station without open is not closed
// and a bike without active is not taken out of the fleet. An address or a dock note of more than one line, or
// with control characters, is 400 with its reason, and nothing changes.
func TestMobilityInputsRequiredAndOneLine(t *testing.T) {
	t.Parallel()
	for _, engine := range storetest.Engines {
		t.Run(engine, func(t *testing.T) {
			_, env := newTestServer(t, engine, withMobilityCatalogue)
			admin := env.login(t, identity.RoleAdmin)
			const stations, plans = "/api/v1/admin/mobility/stations", "/api/v1/admin/mobility/pricing-plans"
			const bikes = "/api/v1/admin/mobility/bikes"
			for _, c := range []struct {
				method, path, body, reason, field string
			}{
				{"POST", stations, `{"id":"s1","name_it":"A","lat":41.13,"capacity":4}`, "missing_field", "lon"},
				{"POST", stations, `{"id":"s1","name_it":"A","lon":14.78,"capacity":4}`, "missing_field", "lat"},
				{"POST", stations, `{"id":"s1","name_it":"A","lat":41.13,"lon":null,"capacity":4}`, "missing_field", "lon"},
				{"POST", stations, `{"id":"s1","name_it":"A","address":"Via Roma\n1","lat":41.13,"lon":14.78,"capacity":4,"open":true}`, "station_address", ""},
				{"POST", stations, `{"id":"s1","name_it":"A","address":"Via \u001b[2JRoma","lat":41.13,"lon":14.78,"capacity":4,"open":true}`, "station_address", ""},
				{"POST", stations, `{"id":"s1","name_it":"A","address":"` + strings.Repeat("a", 301) + `","lat":41.13,"lon":14.78,"capacity":4,"open":true}`, "station_address", ""},
				{"POST", plans, `{"id":"p1","name_it":"A"}`, "missing_field", "unlock_cents"},
				{"POST", plans, `{"id":"p1","name_it":"A","unlock_cents":null}`, "missing_field", "unlock_cents"},
				// The switches that take a station or a bike out of service are
				// never read as false from their absence.
				{"POST", stations, `{"id":"s1","name_it":"A","lat":41.13,"lon":14.78,"capacity":4}`, "missing_field", "open"},
				{"POST", stations, `{"id":"s1","name_it":"A","lat":41.13,"lon":14.78,"capacity":4,"open":null}`, "missing_field", "open"},
				{"POST", bikes, `{"id":"b1","vehicle_type_id":"city"}`, "missing_field", "active"},
			} {
				p := wantProblem(t, env.do(t, c.method, c.path, admin, c.body), http.StatusBadRequest)
				if p.Reason != c.reason || !strings.Contains(p.Detail, c.field) {
					t.Errorf("%s %s %s: %+v, want %s naming %q", c.method, c.path, c.body, p, c.reason, c.field)
				}
			}
			for _, path := range []string{stations + "/s1", plans + "/p1", bikes + "/b1"} {
				wantProblem(t, env.do(t, "GET", path, admin, ""), http.StatusNotFound)
			}

			// A free plan says so; a station with its position and a one-line address.
			wantStatus(t, env.do(t, "POST", plans, admin, `{"id":"p1","name_it":"A","unlock_cents":0}`), http.StatusCreated)
			wantStatus(t, env.do(t, "POST", stations, admin, `{"id":"s1","name_it":"A","address":"Piazza Roma 1","lat":41.13,"lon":14.78,"capacity":4,"open":true}`), http.StatusCreated)
			wantStatus(t, env.do(t, "POST", "/api/v1/admin/mobility/vehicle-types", admin, `{"id":"city","name_it":"Città","propulsion":"human","pricing_plan_id":"p1"}`), http.StatusCreated)
			wantStatus(t, env.do(t, "POST", bikes, admin, `{"id":"b1","vehicle_type_id":"city","active":true}`), http.StatusCreated)
			read := func() string {
				var b strings.Builder
				for _, path := range []string{stations + "/s1", plans + "/p1", bikes + "/b1"} {
					b.WriteString(env.do(t, "GET", path, admin, "").Body.String())
				}
				return b.String()
			}
			before := read()
			for _, c := range []struct{ path, body, reason, field string }{
				{stations + "/s1", `{"name_it":"A","lat":41.13,"capacity":4,"open":true}`, "missing_field", "lon"},
				{stations + "/s1", `{"name_it":"A","address":"Piazza\u2028Roma","lat":41.13,"lon":14.78,"capacity":4,"open":true}`, "station_address", ""},
				{stations + "/s1", `{"name_it":"A","address":"Piazza Roma 1","lat":41.13,"lon":14.78,"capacity":4}`, "missing_field", "open"},
				{plans + "/p1", `{"name_it":"A","per_min_pricing":[]}`, "missing_field", "unlock_cents"},
				{bikes + "/b1", `{"vehicle_type_id":"city"}`, "missing_field", "active"},
				{bikes + "/b1", `{"vehicle_type_id":"city","active":null}`, "missing_field", "active"},
			} {
				if p := wantProblem(t, env.do(t, "PUT", c.path, admin, c.body), http.StatusBadRequest); p.Reason != c.reason || !strings.Contains(p.Detail, c.field) {
					t.Errorf("PUT %s %s: %+v, want %s naming %q", c.path, c.body, p, c.reason, c.field)
				}
			}
			if read() != before {
				t.Errorf("a refused PUT changed the station, the plan or the bike")
			}

			operator := env.login(t, identity.RoleOperator)
			const dock = "/api/v1/operator/mobility/stations/s1/docks/2"
			for _, note := range []string{`"lock\njammed"`, `"bell\u0007"`, `"` + strings.Repeat("n", 501) + `"`} {
				if p := wantProblem(t, env.do(t, "PUT", dock, operator, `{"in_service":false,"note":`+note+`}`), http.StatusBadRequest); p.Reason != "dock_note" {
					t.Errorf("dock note %s: %+v, want dock_note", note, p)
				}
			}
			wantStatus(t, env.do(t, "PUT", dock, operator, `{"in_service":false,"note":"lock jammed"}`), http.StatusOK)
		})
	}
}

// withMobilityCatalogue gives the hub the bike catalogue's service, with no
// broker: what the catalogue's endpoints need.
func withMobilityCatalogue(env *testEnv, d *Deps) {
	d.Mobility = mobilitytest.NewService(env.DB.Mobility(), nil)
}
