package mobility_test

import (
	"context"
	"testing"
	"time"

	"cityhub/apperr"
	"cityhub/internal/testutil"
	"cityhub/mobility"
	"cityhub/mobility/mobilitytest"
	"cityhub/mqtt"
	"cityhub/mqtt/mqtttest"
	"cityhub/store/storetest"
)

// unlockRetry is the unlock deadline of the outage test. After the broker
// comes back the hub can be connected before a station has subscribed to
// its commands again; an unlock sent then waits its whole deadline, so the
// test's retries need a deadline well inside their own wait.
const unlockRetry = 3 * time.Second

// The broker goes down: an unlock fails at once as the broker's absence
// (not as the station's, whose will may already have marked it offline),
// writes nothing and charges nothing; the hub and the stations come back
// and unlocking works again.
func TestUnlockDuringBrokerOutage(t *testing.T) {
	t.Parallel()
	for _, name := range []string{"mosquitto", "embedded"} {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			var b mqtttest.Broker
			if name == "mosquitto" {
				b = mqtttest.StartMosquitto(t)
			} else {
				b = mqtttest.StartEmbedded(t)
			}
			e := mobilitytest.New(t, storetest.OpenSQLite(t), b.URL(), mobilitytest.Options{Stations: 2, UnlockTimeout: unlockRetry})
			ctx := context.Background()
			rider := e.Rider(t, 1000)
			b.Stop()
			testutil.Eventually(t, 5*time.Second, "hub notices", func() bool { return !e.Client.Connected() })
			start := time.Now()
			_, err := e.Svc.Unlock(ctx, mobilitytest.Citizen(rider), mobility.UnlockRequest{StationID: e.Stations[0].ID, Dock: 1})
			// At once, as the broker's absence: not as a station that did
			// not answer within the unlock's deadline (station_timeout),
			// which the 10 s bound alone would let pass at 3 s.
			if !apperr.Has(err, apperr.Unavailable) || apperr.ReasonOf(err) != "broker_unavailable" || time.Since(start) > 10*time.Second {
				t.Fatalf("unlock during outage: %v after %s", err, time.Since(start))
			}
			if _, err := e.Svc.CurrentRide(ctx, mobilitytest.Citizen(rider)); !apperr.Has(err, apperr.NotFound) {
				t.Errorf("ride left behind: %v", err)
			}
			b.Start(t)
			restarted := time.Now()
			testutil.Eventually(t, 10*time.Second, "hub resubscribed", e.Client.Connected)
			var r mobility.Ride
			testutil.Eventually(t, 10*time.Second, "unlock works again", func() bool {
				r, err = e.Svc.Unlock(ctx, mobilitytest.Citizen(rider), mobility.UnlockRequest{StationID: e.Stations[0].ID, Dock: 1})
				return err == nil
			})
			t.Logf("%s: unlock works %s after the broker came back", name, time.Since(restarted).Round(time.Millisecond))
			if _, _, err := e.Sim.Dock(r.BikeID, e.Stations[1].ID); err != nil {
				t.Fatal(err)
			}
			testutil.Eventually(t, 10*time.Second, "telemetry resumed: ride ended", func() bool {
				_, err := e.Svc.CurrentRide(ctx, mobilitytest.Citizen(rider))
				return apperr.Has(err, apperr.NotFound)
			})
			// The unlock during the outage wrote nothing and charged
			// nothing: every ride is from after the broker came back, one
			// ended and charged. A retry sent while the station was still
			// reconnecting can have failed as station_timeout, as any
			// unlock a station does not answer does, charging nothing.
			h, _ := e.Svc.RideHistory(ctx, mobilitytest.Citizen(rider), time.Time{}, 10)
			ended := 0
			for _, x := range h {
				switch {
				case x.CreatedAt.Before(restarted):
					t.Errorf("a ride written during the outage: %+v", x)
				case x.Status == mobility.RideEnded:
					ended++
					if b := e.Balance(t, rider); b != 1000-x.FareCents || x.FareCents < 100 {
						t.Errorf("balance %d after a ride charged %d", b, x.FareCents)
					}
				case x.Status != mobility.RideFailed || x.FailureReason != "station_timeout" || x.FareCents != 0:
					t.Errorf("a ride neither ended nor a station's timeout: %+v", x)
				}
			}
			if ended != 1 {
				t.Errorf("%d rides ended, want 1: %+v", ended, h)
			}
		})
	}
}

// Two hub instances on one PostgreSQL and one broker: telemetry is split
// between them by the shared subscription, an unlock through either works
// (each station answers on the reply topic of the hub that asked), and the
// database keeps them from handing one bike to two riders.
func TestTwoHubsShareTheWork(t *testing.T) {
	t.Parallel()
	db := storetest.OpenPostgres(t)
	e := mobilitytest.New(t, db, mqtttest.URL(), mobilitytest.Options{Stations: 4})
	ctx := context.Background()
	b := mobilitytest.NewService(db.Mobility(), nil)
	cb, err := mqtt.New(mqtt.Options{URL: e.URL, Root: e.Root, InstanceID: "hub-b-" + e.Root[1:9]})
	if err != nil {
		t.Fatal(err)
	}
	if err := cb.Start(ctx, b); err != nil {
		t.Fatal(err)
	}
	defer cb.Close()
	b.SetCommander(cb)
	testutil.Eventually(t, 5*time.Second, "hub B subscribed", cb.Connected)
	if cb.ReplyTopic() == e.Client.ReplyTopic() {
		t.Fatal("both hubs share a reply topic")
	}

	a0, b0 := e.Svc.Applied(), b.Applied()
	sa0, sb0 := e.Client.Superseded(), cb.Superseded()
	// Each status is applied by one hub, or replaced there by a newer one
	// of its station before it was applied.
	gotA := func() int64 { return e.Svc.Applied() - a0 + e.Client.Superseded() - sa0 }
	gotB := func() int64 { return b.Applied() - b0 + cb.Superseded() - sb0 }
	for range 10 {
		for _, st := range e.Stations {
			if err := e.Sim.PublishStatus(st.ID); err != nil {
				t.Fatal(err)
			}
		}
	}
	testutil.Eventually(t, 5*time.Second, "40 statuses split between the hubs", func() bool {
		return gotA()+gotB() >= 40
	})
	if gotA() == 0 || gotB() == 0 {
		t.Errorf("no split: hub A took %d, hub B %d", gotA(), gotB())
	}

	r1, r2 := e.Rider(t, 1000), e.Rider(t, 1000)
	rideB, err := b.Unlock(ctx, mobilitytest.Citizen(r1), mobility.UnlockRequest{StationID: e.Stations[0].ID, Dock: 1})
	if err != nil {
		t.Fatalf("unlock through hub B: %v", err)
	}
	if _, err := e.Svc.Unlock(ctx, mobilitytest.Citizen(r2), mobility.UnlockRequest{StationID: e.Stations[0].ID, BikeID: rideB.BikeID}); !apperr.Has(err, apperr.Conflict) {
		t.Errorf("hub A handed out the bike hub B's rider holds: %v", err)
	}
	if _, err := e.Svc.Unlock(ctx, mobilitytest.Citizen(r2), mobility.UnlockRequest{StationID: e.Stations[1].ID, Dock: 1}); err != nil {
		t.Fatalf("unlock through hub A: %v", err)
	}
	// The ride started on B ends wherever the docking event lands.
	if _, _, err := e.Sim.Dock(rideB.BikeID, e.Stations[2].ID); err != nil {
		t.Fatal(err)
	}
	testutil.Eventually(t, 5*time.Second, "ride through B ended", func() bool {
		_, err := e.Svc.CurrentRide(ctx, mobilitytest.Citizen(r1))
		return apperr.Has(err, apperr.NotFound)
	})
}
