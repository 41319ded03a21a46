package mobility_test

import (
	"context"
	"testing"

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
