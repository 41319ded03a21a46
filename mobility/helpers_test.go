package mobility_test

import (
	"context"
	"testing"
	"time"

	"cityhub/internal/testutil"
	"cityhub/mobility"
	"cityhub/mobility/mobilitytest"
	"cityhub/mqtt/mqtttest"
	"cityhub/store"
	"cityhub/store/storetest"
)

// combos runs fn on PostgreSQL with the shared Mosquitto and on SQLite with
// the embedded broker; all=true runs every engine with every broker.
func combos(t *testing.T, all bool, fn func(t *testing.T, db store.DB, url string)) {
	type combo struct{ engine, broker string }
	cs := []combo{{"postgres", "mosquitto"}, {"sqlite", "embedded"}}
	if all {
		cs = append(cs, combo{"postgres", "embedded"}, combo{"sqlite", "mosquitto"})
	}
	for _, c := range cs {
		t.Run(c.engine+"+"+c.broker, func(t *testing.T) {
			t.Parallel()
			url := mqtttest.URL()
			if c.broker == "embedded" {
				url = mqtttest.StartEmbedded(t).URL()
			}
			fn(t, storetest.Open(t, c.engine), url)
		})
	}
}

func ride(t *testing.T, e *mobilitytest.Env, rider string) mobility.RideView {
	t.Helper()
	v, err := e.Svc.CurrentRide(context.Background(), mobilitytest.Citizen(rider))
	if err != nil {
		t.Fatalf("current ride: %v", err)
	}
	return v
}

// endedRide waits until the rider's one ride has ended and returns it.
func endedRide(t *testing.T, e *mobilitytest.Env, rider, why string) mobility.RideView {
	t.Helper()
	var ended mobility.RideView
	testutil.Eventually(t, 10*time.Second, why, func() bool {
		h, err := e.Svc.RideHistory(context.Background(), mobilitytest.Citizen(rider), time.Time{}, 10)
		if err != nil || len(h) != 1 {
			return false
		}
		ended = h[0]
		return ended.Status == mobility.RideEnded
	})
	return ended
}
