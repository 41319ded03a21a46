package web

import (
	"net/http"
	"net/http/httptest"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	paho "github.com/eclipse/paho.mqtt.golang"

	"cityhub/identity"
	"cityhub/mobility"
	"cityhub/mobility/mobilitytest"
	"cityhub/mqtt"
	"cityhub/mqtt/mqtttest"
	"cityhub/simulator"
	"cityhub/store/storetest"
	"cityhub/wallet"
)

// An unlock's Idempotency-Key (its request id) stands for one unlock: an
// identical retry, or the same unlock written otherwise, gets the first
// ride again, marked Idempotent-Replayed; the same key with another
// station, dock or bike, sent in the header or as request_id, is 409
// idempotency_key_reused and starts nothing. A request naming a dock and
// a bike that is not in it is refused with a message that says so.
func TestUnlockKeyStandsForOneUnlock(t *testing.T) {
	t.Parallel()
	for _, engine := range storetest.Engines {
		t.Run(engine, func(t *testing.T) {
			var m *mobilitytest.Env
			_, env := newTestServer(t, engine, func(env *testEnv, d *Deps) {
				m = mobilitytest.New(t, env.DB, mqtttest.StartEmbedded(t).URL(), mobilitytest.Options{Stations: 2, Docks: 4})
				d.Mobility = m.Svc
			})
			acct, citizen := env.account(t, identity.RoleCitizen)
			if _, err := m.Wallet.Post(t.Context(), wallet.Transaction{Key: "topup:" + acct.ID, Kind: "topup", Entries: []wallet.Entry{
				{Account: wallet.CityFunding, Amount: -1000}, {Account: wallet.CitizenAccount(acct.ID), Amount: 1000}}}); err != nil {
				t.Fatal(err)
			}
			st, other := m.Stations[0], m.Stations[1]
			unlock := func(body string, headers ...string) *httptest.ResponseRecorder {
				t.Helper()
				return vreq(t, env, "POST", "/api/v1/mobility/unlock", citizen, body, headers...)
			}

			// Dock 1 holds the first bike, not the second.
			p := wantProblem(t, unlock(`{"station_id":"`+st.ID+`","dock":1,"bike_id":"`+st.Bikes[1].ID+`"}`, "Idempotency-Key: unl-mismatch"), http.StatusConflict)
			if p.Reason != "bike_not_at_dock" || !strings.Contains(p.Detail, st.Bikes[1].ID) || !strings.Contains(p.Detail, "dock 1") {
				t.Errorf("dock and bike disagree: %+v", p)
			}

			first := `{"station_id":"` + st.ID + `","dock":1}`
			rec := unlock(first, "Idempotency-Key: unl-cit-1")
			wantStatus(t, rec, http.StatusCreated)
			var ride mobility.Ride
			decodeInto(t, rec, &ride)
			if ride.ID == "" || ride.BikeID != st.Bikes[0].ID || ride.Status != mobility.RideActive {
				t.Fatalf("first unlock: %+v", ride)
			}
			// The same unlock again, as sent or written otherwise.
			for _, again := range []struct{ body, header string }{
				{first, "Idempotency-Key: unl-cit-1"},
				{`{"dock":1, "station_id":"` + st.ID + `"}`, "Idempotency-Key: unl-cit-1"},
				{`{"station_id":"` + st.ID + `","dock":1,"request_id":"unl-cit-1"}`, "Idempotency-Key: unl-cit-1"},
				{`{"station_id":"` + st.ID + `","bike_id":"` + st.Bikes[0].ID + `","request_id":"unl-cit-1"}`, ""},
			} {
				rec := unlock(again.body, again.header)
				wantStatus(t, rec, http.StatusCreated)
				var got mobility.Ride
				decodeInto(t, rec, &got)
				if got.ID != ride.ID || rec.Header().Get("Idempotent-Replayed") != "true" {
					t.Errorf("retry %s %s: ride %s, Idempotent-Replayed %q; want %s replayed", again.header, again.body, got.ID,
						rec.Header().Get("Idempotent-Replayed"), ride.ID)
				}
			}
			// Another unlock under the same key.
			for _, reuse := range []struct{ body, header string }{
				{`{"station_id":"` + other.ID + `","bike_id":"whatever"}`, "Idempotency-Key: unl-cit-1"},
				{`{"station_id":"` + other.ID + `","dock":1}`, "Idempotency-Key: unl-cit-1"},
				{`{"station_id":"` + st.ID + `","dock":2}`, "Idempotency-Key: unl-cit-1"},
				{`{"station_id":"` + st.ID + `","dock":1,"bike_id":"` + st.Bikes[1].ID + `"}`, "Idempotency-Key: unl-cit-1"},
				{`{"station_id":"` + st.ID + `","bike_id":"` + st.Bikes[1].ID + `"}`, "Idempotency-Key: unl-cit-1"},
				{`{"station_id":"` + other.ID + `","dock":1,"request_id":"unl-cit-1"}`, ""},
			} {
				rec := unlock(reuse.body, reuse.header)
				if p := wantProblem(t, rec, http.StatusConflict); p.Reason != "idempotency_key_reused" || rec.Header().Get("Idempotent-Replayed") != "" {
					t.Errorf("key reused for %s: %+v", reuse.body, p)
				}
			}
			// Another rider's key is refused as before.
			_, bruno := env.account(t, identity.RoleCitizen)
			if p := wantProblem(t, vreq(t, env, "POST", "/api/v1/mobility/unlock", bruno, first, "Idempotency-Key: unl-cit-1"), http.StatusConflict); p.Reason != "request_id_reused" {
				t.Errorf("another rider's key: %+v", p)
			}
			// Nothing else started: the rider's one ride is the first.
			var rides struct{ Rides []mobility.RideView }
			decodeInto(t, env.do(t, "GET", "/api/v1/mobility/rides", citizen, ""), &rides)
			if len(rides.Rides) != 1 || rides.Rides[0].ID != ride.ID {
				t.Errorf("rides after the refusals: %+v", rides.Rides)
			}

			// A failed unlock is its key's outcome, told again to a retry
			// with the same key (the station was asked under it and would
			// answer it the same); a new key asks the station anew.
			brunoAcct, bruno2 := env.account(t, identity.RoleCitizen)
			if _, err := m.Wallet.Post(t.Context(), wallet.Transaction{Key: "topup:" + brunoAcct.ID, Kind: "topup", Entries: []wallet.Entry{
				{Account: wallet.CityFunding, Amount: -1000}, {Account: wallet.CitizenAccount(brunoAcct.ID), Amount: 1000}}}); err != nil {
				t.Fatal(err)
			}
			m.Sim.SetBehaviour(1, 0, 0)
			refused := `{"station_id":"` + other.ID + `","dock":1}`
			rec = vreq(t, env, "POST", "/api/v1/mobility/unlock", bruno2, refused, "Idempotency-Key: unl-refused-1")
			p = wantProblem(t, rec, http.StatusServiceUnavailable)
			if !strings.HasPrefix(p.Reason, "station_refused:") || rec.Header().Get("Idempotent-Replayed") != "" {
				t.Fatalf("refused unlock: %+v, Idempotent-Replayed %q", p, rec.Header().Get("Idempotent-Replayed"))
			}
			m.Sim.SetBehaviour(0, 0, 0)
			rec = vreq(t, env, "POST", "/api/v1/mobility/unlock", bruno2, refused, "Idempotency-Key: unl-refused-1")
			if again := wantProblem(t, rec, http.StatusServiceUnavailable); again.Reason != p.Reason || rec.Header().Get("Idempotent-Replayed") != "true" {
				t.Errorf("retry of the refused unlock: %+v, Idempotent-Replayed %q; want %s replayed", again, rec.Header().Get("Idempotent-Replayed"), p.Reason)
			}
			rec = vreq(t, env, "POST", "/api/v1/mobility/unlock", bruno2, refused, "Idempotency-Key: unl-refused-2")
			wantStatus(t, rec, http.StatusCreated)
			if rec.Header().Get("Idempotent-Replayed") != "" {
				t.Errorf("a new key's unlock says it is replayed")
			}

			// The unlock's key is also the command's request_id, which
			// stations read as letters, digits, '-' and '_' only.
			if p := wantProblem(t, unlock(`{"station_id":"`+other.ID+`","dock":1}`, "Idempotency-Key: order:123.4"), http.StatusBadRequest); p.Reason != "request_id" {
				t.Errorf("a key the stations cannot read: %+v", p)
			}
		})
	}
}

// A station that answers an unlock with out_of_service makes it 503
// station_refused:out_of_service, nothing charged and no ride; a retry with
// the same key hears the same answer without asking the station again.
func TestUnlockRefusedOutOfService(t *testing.T) {
	t.Parallel()
	for _, engine := range storetest.Engines {
		t.Run(engine, func(t *testing.T) {
			var m *mobilitytest.Env
			_, env := newTestServer(t, engine, func(env *testEnv, d *Deps) {
				// The simulated stations never answer: the station below
				// answers for the first.
				m = mobilitytest.New(t, env.DB, mqtttest.StartEmbedded(t).URL(), mobilitytest.Options{Stations: 1, Docks: 2,
					Sim: func(c *simulator.Config) { c.SilentRate = 1 }})
				d.Mobility = m.Svc
			})
			st := m.Stations[0]
			station := paho.NewClient(paho.NewClientOptions().AddBroker(m.URL).SetClientID("oos-" + st.ID))
			if tok := station.Connect(); !tok.WaitTimeout(30*time.Second) || tok.Error() != nil {
				t.Fatal(tok.Error())
			}
			defer station.Disconnect(50)
			var commands atomic.Int32
			tok := station.Subscribe(mqtt.Topics{Root: m.Root}.Commands(st.ID), 1, func(c paho.Client, msg paho.Message) {
				cmd, err := mobility.DecodeCommand(msg.Payload())
				if err != nil {
					return
				}
				commands.Add(1)
				p, _ := mobility.EncodeReply(mobility.Reply{RequestID: cmd.RequestID, StationID: st.ID, Result: mobility.ReplyError,
					Error: mobility.ErrCodeOutOfService, TS: time.Now()})
				c.Publish(cmd.ReplyTo, 1, false, p)
			})
			if !tok.WaitTimeout(30*time.Second) || tok.Error() != nil {
				t.Fatal(tok.Error())
			}

			acct, citizen := env.account(t, identity.RoleCitizen)
			if _, err := m.Wallet.Post(t.Context(), wallet.Transaction{Key: "topup:" + acct.ID, Kind: "topup", Entries: []wallet.Entry{
				{Account: wallet.CityFunding, Amount: -1000}, {Account: wallet.CitizenAccount(acct.ID), Amount: 1000}}}); err != nil {
				t.Fatal(err)
			}
			body := `{"station_id":"` + st.ID + `","dock":1}`
			for i, replayed := range []string{"", "true"} {
				rec := vreq(t, env, "POST", "/api/v1/mobility/unlock", citizen, body, "Idempotency-Key: unl-oos-1")
				p := wantProblem(t, rec, http.StatusServiceUnavailable)
				if p.Reason != "station_refused:out_of_service" || rec.Header().Get("Idempotent-Replayed") != replayed {
					t.Errorf("unlock %d at a station out of service: %+v, Idempotent-Replayed %q", i+1, p, rec.Header().Get("Idempotent-Replayed"))
				}
			}
			if n := commands.Load(); n != 1 {
				t.Errorf("the station was asked %d times, want once", n)
			}
			if got := m.Balance(t, acct.ID); got != 1000 {
				t.Errorf("balance after the refusal = %d, want 1000", got)
			}
			var rides struct{ Rides []mobility.RideView }
			decodeInto(t, env.do(t, "GET", "/api/v1/mobility/rides", citizen, ""), &rides)
			for _, r := range rides.Rides {
				if r.Status != mobility.RideFailed {
					t.Errorf("ride after the refusal: %+v", r)
				}
			}
		})
	}
}
