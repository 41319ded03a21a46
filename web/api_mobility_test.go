package web

import (
	"encoding/json"
	"net/http"
	"strings"
	"testing"
	"time"

	"cityhub/identity"
	"cityhub/internal/testutil"
	"cityhub/mobility"
	"cityhub/mobility/mobilitytest"
	"cityhub/mqtt/mqtttest"
	"cityhub/store/storetest"
	"cityhub/wallet"
)

func init() {
	authzConfigure = append(authzConfigure, func(env *testEnv, d *Deps) {
		d.Mobility = mobilitytest.NewService(env.DB.Mobility(), nil)
	})
	for _, role := range []identity.Role{"", identity.RoleCitizen, identity.RoleMerchant, identity.RoleDoor, identity.RoleOperator, identity.RoleAdmin} {
		pick := func(ok int, allowed ...identity.Role) int {
			if role == "" {
				return http.StatusUnauthorized
			}
			for _, a := range allowed {
				if a == role {
					return ok
				}
			}
			return http.StatusForbidden
		}
		authzCases = append(authzCases,
			authzCase{"GET", "/api/v1/mobility/stations", role, "", http.StatusOK},
			authzCase{"GET", "/api/v1/mobility/stations/nope", role, "", http.StatusNotFound},
			authzCase{"POST", "/api/v1/mobility/unlock", role, `{"station_id":"nope","dock":1}`, pick(http.StatusNotFound, identity.RoleCitizen)},
			authzCase{"GET", "/api/v1/mobility/rides/current", role, "", pick(http.StatusNotFound, identity.RoleCitizen)},
			authzCase{"GET", "/api/v1/mobility/rides", role, "", pick(http.StatusOK, identity.RoleCitizen)},
			authzCase{"GET", "/api/v1/operator/mobility/stations", role, "", pick(http.StatusOK, identity.RoleOperator, identity.RoleAdmin)},
			authzCase{"PUT", "/api/v1/operator/mobility/stations/nope/status", role, `{"open":false}`, pick(http.StatusNotFound, identity.RoleOperator, identity.RoleAdmin)},
			authzCase{"POST", "/api/v1/operator/mobility/stations/nope/reset", role, "", pick(http.StatusNotFound, identity.RoleOperator, identity.RoleAdmin)},
			authzCase{"GET", "/api/v1/admin/mobility/stations", role, "", pick(http.StatusOK, identity.RoleAdmin)},
			authzCase{"GET", "/api/v1/admin/mobility/pricing-plans", role, "", pick(http.StatusOK, identity.RoleAdmin)},
			authzCase{"POST", "/api/v1/admin/mobility/bikes", role, `{"id":"b1","vehicle_type_id":"none","active":true}`, pick(http.StatusBadRequest, identity.RoleAdmin)},
		)
	}
}

// The whole mobility API on a real store, a real broker and simulated
// stations: the admin builds the catalogue, a citizen unlocks and rides, the
// operator watches and intervenes.
func TestMobilityAPIScenario(t *testing.T) {
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
			citizenAcct, citizen := env.account(t, identity.RoleCitizen)
			st := m.Stations[0]
			call := func(method, path, auth, body string, want int) map[string]any {
				t.Helper()
				rec := env.do(t, method, path, auth, body)
				if rec.Code != want {
					t.Fatalf("%s %s: status %d, want %d: %s", method, path, rec.Code, want, rec.Body.String())
				}
				var out map[string]any
				if strings.HasPrefix(rec.Header().Get("Content-Type"), "application/") && rec.Body.Len() > 0 {
					if err := json.Unmarshal(rec.Body.Bytes(), &out); err != nil {
						t.Fatalf("%s %s: %v", method, path, err)
					}
				}
				return out
			}

			// Admin catalogue: create, conflict on create, replace, refuse deleting what is in use.
			call("POST", "/api/v1/admin/mobility/pricing-plans", admin, `{"id":"night","name_it":"Notte","name_en":"Night","unlock_cents":0,"per_min_pricing":[{"start":0,"rate_cents":5,"interval":1}]}`, http.StatusCreated)
			call("POST", "/api/v1/admin/mobility/pricing-plans", admin, `{"id":"night","name_it":"Notte","unlock_cents":0}`, http.StatusConflict)
			call("PUT", "/api/v1/admin/mobility/pricing-plans/night", admin, `{"name_it":"Notte","name_en":"Night","unlock_cents":50,"per_min_pricing":[]}`, http.StatusOK)
			if p := call("GET", "/api/v1/admin/mobility/pricing-plans/night", admin, "", http.StatusOK); p["unlock_cents"].(float64) != 50 {
				t.Errorf("plan %v", p)
			}
			call("PUT", "/api/v1/admin/mobility/pricing-plans/ghost", admin, `{"name_it":"x","unlock_cents":0}`, http.StatusNotFound)
			call("POST", "/api/v1/admin/mobility/pricing-plans", admin, `{"id":"bad","name_it":"x","unlock_cents":-5}`, http.StatusBadRequest)
			call("DELETE", "/api/v1/admin/mobility/pricing-plans/standard", admin, "", http.StatusConflict)
			call("DELETE", "/api/v1/admin/mobility/pricing-plans/night", admin, "", http.StatusNoContent)
			call("POST", "/api/v1/admin/mobility/stations", admin, `{"id":"new-station","name_it":"Piazza Roma","name_en":"Rome Square","lat":41.13,"lon":14.78,"capacity":12,"open":true}`, http.StatusCreated)
			call("POST", "/api/v1/admin/mobility/stations", admin, `{"id":"Bad/Id","name_it":"x","lat":41.13,"lon":14.78,"capacity":12,"open":true}`, http.StatusBadRequest)
			if l := call("GET", "/api/v1/admin/mobility/bikes", admin, "", http.StatusOK); len(l["bikes"].([]any)) != 3*2 {
				t.Errorf("bikes: %v", l)
			}

			// The rider: stations nearest first, not enough credit, then a ride.
			list := call("GET", "/api/v1/mobility/stations?lat=41.1338&lon=14.7826", "", "", http.StatusOK)["stations"].([]any)
			if first := list[0].(map[string]any); first["id"] != m.Stations[0].ID || first["bikes_available"].(float64) != 2 {
				t.Errorf("nearest station: %v", first)
			}
			call("GET", "/api/v1/mobility/stations?lat=north&lon=1", "", "", http.StatusBadRequest)
			unlock := `{"station_id":"` + st.ID + `","dock":1}`
			if p := call("POST", "/api/v1/mobility/unlock", citizen, unlock, http.StatusPaymentRequired); p["reason"] != "insufficient_credit" {
				t.Errorf("problem %v", p)
			}
			if _, err := m.Wallet.Post(t.Context(), wallet.Transaction{Key: "topup:" + citizenAcct.ID, Kind: "topup", Entries: []wallet.Entry{
				{Account: wallet.CityFunding, Amount: -500}, {Account: wallet.CitizenAccount(citizenAcct.ID), Amount: 500}}}); err != nil {
				t.Fatal(err)
			}
			rec := vreq(t, env, "POST", "/api/v1/mobility/unlock", citizen, unlock, "Idempotency-Key: unlock-1")
			wantStatus(t, rec, http.StatusCreated)
			again := vreq(t, env, "POST", "/api/v1/mobility/unlock", citizen, unlock, "Idempotency-Key: unlock-1")
			wantStatus(t, again, http.StatusCreated)
			var r1, r2 mobility.Ride
			json.Unmarshal(rec.Body.Bytes(), &r1)
			json.Unmarshal(again.Body.Bytes(), &r2)
			if r1.ID == "" || r1.ID != r2.ID || r1.Status != mobility.RideActive {
				t.Fatalf("unlock and its retry: %+v %+v", r1, r2)
			}
			cur := call("GET", "/api/v1/mobility/rides/current", citizen, "", http.StatusOK)
			if cur["id"] != r1.ID || cur["cost_cents"].(float64) < 100 {
				t.Errorf("current ride %v", cur)
			}
			call("POST", "/api/v1/mobility/unlock", citizen, `{"station_id":"`+st.ID+`","dock":2}`, http.StatusConflict)

			// The operator sees the ride and closes a station; unlocking there stops.
			ov := call("GET", "/api/v1/operator/mobility/stations", operator, "", http.StatusOK)
			if ov["open_rides"].(float64) != 1 || len(ov["stations"].([]any)) != 4 {
				t.Errorf("overview %v", ov)
			}
			if occ := call("GET", "/api/v1/operator/mobility/stations/"+st.ID+"/occupancy", operator, "", http.StatusOK); len(occ["samples"].([]any)) == 0 {
				t.Errorf("no occupancy samples: %v", occ)
			}
			call("PUT", "/api/v1/operator/mobility/stations/"+m.Stations[1].ID+"/docks/2", operator, `{"in_service":false,"note":"lock jammed"}`, http.StatusOK)
			call("PUT", "/api/v1/operator/mobility/stations/"+m.Stations[1].ID+"/docks/99", operator, `{"in_service":false}`, http.StatusBadRequest)
			call("PUT", "/api/v1/operator/mobility/stations/"+m.Stations[1].ID+"/status", operator, `{"open":false}`, http.StatusOK)
			detail := call("GET", "/api/v1/mobility/stations/"+m.Stations[1].ID, "", "", http.StatusOK)
			if detail["open"] != false || detail["renting"] != false || detail["bikes_disabled"].(float64) != 1 || detail["bikes_available"].(float64) != 1 {
				t.Errorf("closed station %v", detail)
			}
			// The public sees a station's bikes without their ids, which would
			// let anyone follow a bike from station to station; a signed-in
			// rider sees them, to unlock and report by them.
			bikesOf := func(v map[string]any) []map[string]any {
				var out []map[string]any
				for _, b := range v["bikes"].([]any) {
					out = append(out, b.(map[string]any))
				}
				return out
			}
			public := bikesOf(call("GET", "/api/v1/mobility/stations/"+m.Stations[2].ID, "", "", http.StatusOK))
			signed := bikesOf(call("GET", "/api/v1/mobility/stations/"+m.Stations[2].ID, citizen, "", http.StatusOK))
			if len(public) == 0 || len(public) != len(signed) {
				t.Fatalf("station's bikes: %d public, %d signed in", len(public), len(signed))
			}
			for i := range public {
				if _, shown := public[i]["bike_id"]; shown || public[i]["dock"] == nil || signed[i]["bike_id"] == nil {
					t.Errorf("bike %d: public %v, signed in %v", i, public[i], signed[i])
				}
			}

			// Docking ends the ride; the history shows the fare.
			if _, _, err := m.Sim.Dock(r1.BikeID, m.Stations[2].ID); err != nil {
				t.Fatal(err)
			}
			testutil.Eventually(t, 5*time.Second, "ride ended", func() bool {
				return env.do(t, "GET", "/api/v1/mobility/rides/current", citizen, "").Code == http.StatusNotFound
			})
			rides := call("GET", "/api/v1/mobility/rides?limit=5", citizen, "", http.StatusOK)["rides"].([]any)
			if len(rides) != 1 || rides[0].(map[string]any)["status"] != "ended" || rides[0].(map[string]any)["fare_cents"].(float64) < 100 {
				t.Errorf("history %v", rides)
			}
			// Rides before the first instant there is: none, not all.
			if early := call("GET", "/api/v1/mobility/rides?before=0001-01-01T00:00:00Z", citizen, "", http.StatusOK)["rides"].([]any); len(early) != 0 {
				t.Errorf("rides before year 1: %v", early)
			}
			// A page size out of range is refused as every list refuses it.
			for _, l := range []string{"1000", "0", "x"} {
				if p := call("GET", "/api/v1/mobility/rides?limit="+l, citizen, "", http.StatusBadRequest); p["reason"] != "bad_limit" {
					t.Errorf("limit=%s: %v, want reason bad_limit", l, p)
				}
			}
		})
	}
}
