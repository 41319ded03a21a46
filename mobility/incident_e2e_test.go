package mobility_test

import (
	"context"
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
	"cityhub/store/storetest"
)

// Issue 9: a station's ok that comes after the unlock gave up was only a
// WARN in the log while the bike was out without a ride. Now the unlock
// still fails cleanly (nothing charged), and the late ok raises an incident
// that names the failed ride and its bike, once however often it repeats.
func TestLateOKAfterFailedUnlockRaisesIncident(t *testing.T) {
	t.Parallel()
	storetest.Each(t, func(t *testing.T, db store.DB) {
		e := mobilitytest.New(t, db, mqtttest.URL(), mobilitytest.Options{Stations: 1, Docks: 4, UnlockTimeout: 300 * time.Millisecond,
			Sim: func(c *simulator.Config) { c.SilentRate = 1 }})
		ctx := context.Background()
		rider := e.Rider(t, 10_000)
		st := e.Stations[0]
		ride, err := e.Svc.Unlock(ctx, mobilitytest.Citizen(rider), mobility.UnlockRequest{StationID: st.ID, Dock: st.Bikes[0].Dock})
		if apperr.ReasonOf(err) != "station_timeout" || ride.Status != mobility.RideFailed {
			t.Fatalf("silent station: %+v %v", ride, err)
		}
		// The station wakes up and says it did open the lock (twice).
		late := paho.NewClient(paho.NewClientOptions().AddBroker(e.URL).SetClientID("late-" + st.ID))
		if tok := late.Connect(); !tok.WaitTimeout(30*time.Second) || tok.Error() != nil {
			t.Fatal(tok.Error())
		}
		defer late.Disconnect(50)
		p, _ := mobility.EncodeReply(mobility.Reply{RequestID: ride.CommandID, StationID: st.ID, Result: mobility.ReplyOK, TS: time.Now()})
		topic := mqtt.Topics{Root: e.Root}.Replies(st.ID, e.Client.InstanceID())
		for range 2 {
			late.Publish(topic, 1, false, p).Wait()
		}
		op := operatorCaller
		var open []mobility.Incident
		testutil.Eventually(t, 5*time.Second, "incident raised", func() bool {
			open, _ = e.Svc.Incidents(ctx, op, true, "")
			return len(open) > 0
		})
		if len(open) != 1 || open[0].Kind != mobility.IncidentReleasedWithoutRide || open[0].RideID != ride.ID || open[0].BikeID != ride.BikeID ||
			open[0].StationID != st.ID || open[0].RequestID != ride.CommandID {
			t.Errorf("incidents %+v, want one naming ride %s and bike %s", open, ride.ID, ride.BikeID)
		}
		if got, _ := e.Svc.RideOf(ctx, mobilitytest.Citizen(rider), ride.ID); got.Status != mobility.RideFailed {
			t.Errorf("the late ok changed the ride: %+v", got)
		}
	})
}
