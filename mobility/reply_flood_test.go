package mobility_test

import (
	"context"
	"fmt"
	"testing"
	"time"

	paho "github.com/eclipse/paho.mqtt.golang"

	"cityhub/apperr"
	"cityhub/internal/testutil"
	"cityhub/mobility"
	"cityhub/mobility/mobilitytest"
	"cityhub/mqtt"
	"cityhub/mqtt/mqtttest"
	"cityhub/simulator"
	"cityhub/store"
)

// A station publishing oks for made-up request ids on its reply topic made
// the hub raise one "bike released without a ride" incident for each
// (12,247 in seconds), log two warnings each and spawn a goroutine each.
// Now an ok counts only for an unlock the hub sent that station: the flood
// raises nothing and is counted as unknown, while a real unlock's late ok,
// after the flood, still raises its incident.
func TestFakeReplyFloodRaisesNoIncident(t *testing.T) {
	t.Parallel()
	combos(t, false, func(t *testing.T, db store.DB, url string) {
		e := mobilitytest.New(t, db, url, mobilitytest.Options{Stations: 2, Docks: 4, UnlockTimeout: 300 * time.Millisecond,
			Sim: func(c *simulator.Config) { c.SilentRate = 1 }})
		ctx := context.Background()
		st, other := e.Stations[0], e.Stations[1]
		// A real unlock the station never answers: a failed ride at st.
		rider := e.Rider(t, 10_000)
		ride, err := e.Svc.Unlock(ctx, mobilitytest.Citizen(rider), mobility.UnlockRequest{StationID: st.ID, Dock: st.Bikes[0].Dock})
		if apperr.ReasonOf(err) != "station_timeout" || ride.Status != mobility.RideFailed {
			t.Fatalf("silent station: %+v %v", ride, err)
		}

		flood := paho.NewClient(paho.NewClientOptions().AddBroker(e.URL).SetClientID("flood-" + st.ID))
		if tok := flood.Connect(); !tok.WaitTimeout(30*time.Second) || tok.Error() != nil {
			t.Fatal(tok.Error())
		}
		defer flood.Disconnect(50)
		topics := mqtt.Topics{Root: e.Root}
		ok := func(station, requestID string) {
			t.Helper()
			p, _ := mobility.EncodeReply(mobility.Reply{RequestID: requestID, StationID: station, Result: mobility.ReplyOK, TS: time.Now()})
			if tok := flood.Publish(topics.Replies(station, e.Client.InstanceID()), 1, false, p); !tok.WaitTimeout(10*time.Second) || tok.Error() != nil {
				t.Fatalf("publish: %v", tok.Error())
			}
		}
		const fakes = 500
		for i := range fakes {
			ok(st.ID, fmt.Sprintf("fake%06d", i))
		}
		// The real ride's command, confirmed by a station that was not asked.
		ok(other.ID, ride.CommandID)
		stray := func() float64 {
			return mqtttest.Counter(t, e.Metrics, "cityhub_mqtt_command_results_total", "unknown") +
				mqtttest.Counter(t, e.Metrics, "cityhub_mqtt_command_results_total", "late_dropped")
		}
		testutil.Eventually(t, 30*time.Second, "every fake ok counted", func() bool { return stray() == fakes+1 })
		if open, err := e.Svc.Incidents(ctx, operatorCaller, true, ""); err != nil || len(open) != 0 {
			t.Fatalf("after %d fake oks: %d incidents (%v), want none", fakes, len(open), err)
		}
		if n := mqtttest.Counter(t, e.Metrics, "cityhub_mqtt_unlock_ok_after_deadline_total", ""); n != 0 {
			t.Errorf("late ok metric = %v after fake oks, want 0", n)
		}

		// The station's late ok of the unlock the hub did send raises one.
		ok(st.ID, ride.CommandID)
		var open []mobility.Incident
		testutil.Eventually(t, 10*time.Second, "incident raised", func() bool {
			open, _ = e.Svc.Incidents(ctx, operatorCaller, true, "")
			return len(open) > 0
		})
		if len(open) != 1 || open[0].RideID != ride.ID || open[0].StationID != st.ID || open[0].RequestID != ride.CommandID {
			t.Errorf("incidents %+v, want one for ride %s", open, ride.ID)
		}
	})
}
