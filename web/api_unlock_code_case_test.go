package web

import (
	"net/http"
	"strings"
	"testing"

	"cityhub/identity"
	"cityhub/mobility"
	"cityhub/mobility/mobilitytest"
	"cityhub/mqtt/mqtttest"
	"cityhub/store/storetest"
	"cityhub/wallet"
)

// A bike's code is read as the unlock page reads it, in any case and with
// the spaces around it dropped: "BN-001-B01" typed from the frame unlocked
// the bike on the page and was 400 invalid_id through the API. Written
// either way it is one unlock: a retry in lower case is the first replayed.
func TestAPIUnlockTakesTheCodeAsThePageDoes(t *testing.T) {
	t.Parallel()
	for _, engine := range storetest.Engines {
		t.Run(engine, func(t *testing.T) {
			var m *mobilitytest.Env
			_, env := newTestServer(t, engine, func(env *testEnv, d *Deps) {
				m = mobilitytest.New(t, env.DB, mqtttest.StartEmbedded(t).URL(), mobilitytest.Options{Stations: 1, Docks: 4})
				d.Mobility = m.Svc
			})
			acct, citizen := env.account(t, identity.RoleCitizen)
			if _, err := m.Wallet.Post(t.Context(), wallet.Transaction{Key: "topup:" + acct.ID, Kind: "topup", Entries: []wallet.Entry{
				{Account: wallet.CityFunding, Amount: -1000}, {Account: wallet.CitizenAccount(acct.ID), Amount: 1000}}}); err != nil {
				t.Fatal(err)
			}
			st := m.Stations[0]
			bike := st.Bikes[1]
			rec := vreq(t, env, "POST", "/api/v1/mobility/unlock", citizen, `{"station_id":"`+st.ID+`","bike_id":" `+strings.ToUpper(bike.ID)+` "}`, "Idempotency-Key: unl-upper")
			wantStatus(t, rec, http.StatusCreated)
			var ride mobility.Ride
			decodeInto(t, rec, &ride)
			if ride.BikeID != bike.ID || ride.StartDock != bike.Dock || ride.Status != mobility.RideActive {
				t.Fatalf("unlock by the code in capitals: %+v", ride)
			}
			rec = vreq(t, env, "POST", "/api/v1/mobility/unlock", citizen, `{"station_id":"`+st.ID+`","bike_id":"`+bike.ID+`"}`, "Idempotency-Key: unl-upper")
			wantStatus(t, rec, http.StatusCreated)
			var again mobility.Ride
			decodeInto(t, rec, &again)
			if again.ID != ride.ID || rec.Header().Get("Idempotent-Replayed") != "true" {
				t.Errorf("the same unlock in lower case: %+v, replayed %q", again, rec.Header().Get("Idempotent-Replayed"))
			}
			if n := m.Sim.Unlocks(); n != 1 {
				t.Errorf("the station heard %d unlocks", n)
			}
			// A code that is not one in any case is refused as before.
			p := wantProblem(t, vreq(t, env, "POST", "/api/v1/mobility/unlock", citizen, `{"station_id":"`+st.ID+`","bike_id":"B/1"}`, "Idempotency-Key: unl-bad"), http.StatusBadRequest)
			if p.Reason != "invalid_id" {
				t.Errorf("a malformed code: %+v", p)
			}
		})
	}
}
