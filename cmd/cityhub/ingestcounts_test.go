package main

import (
	"context"
	"net/http"
	"testing"
	"time"

	paho "github.com/eclipse/paho.mqtt.golang"

	"cityhub/mobility"
	"cityhub/mobility/mobilitytest"
	"cityhub/simulator"
	"cityhub/store"
	"cityhub/store/storetest"

	"cityhub/internal/testutil"
)

// Issue 9, item 5: messages from an unregistered station and stale ones
// were dropped without a counter. The hub's /metrics exports them, each
// with its reason, as cityhub_mobility_telemetry_ignored_total.
func TestIgnoredTelemetryExported(t *testing.T) {
	t.Parallel()
	if testing.Short() {
		t.Skip("starts a hub on PostgreSQL and Mosquitto")
	}
	broker, suffix := sharedBroker(t)
	dbURL := storetest.MigratedPostgresURL(t)
	root := "cityhub-test-" + suffix + "/v1"
	url, _ := startHub(t, []string{"serve"}, map[string]string{
		"CITYHUB_HTTP_ADDR":        "127.0.0.1:0",
		"CITYHUB_DATABASE_URL":     dbURL,
		"CITYHUB_MQTT_URL":         broker,
		"CITYHUB_MQTT_TOPIC_ROOT":  root,
		"CITYHUB_MQTT_SHARE_GROUP": "cityhub-" + suffix,
		"CITYHUB_LOG_LEVEL":        "warn",
		"CITYHUB_DATA_DIR":         t.TempDir(),
		"CITYHUB_INSTANCE_ID":      "hub-" + suffix,
	})
	ctx := context.Background()
	db, err := store.Open(ctx, dbURL, t.TempDir(), nil)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	layout := simulator.Layout("i"+suffix[:6], 1, 4)
	if err := simulator.SeedCatalogue(ctx, mobilitytest.NewService(db.Mobility(), nil), layout); err != nil {
		t.Fatal(err)
	}
	st := layout[0].ID
	testutil.Eventually(t, 30*time.Second, "the hub connected", func() bool {
		return metricSum(t, url, "cityhub_mqtt_connected") == 1
	})

	pub := paho.NewClient(paho.NewClientOptions().AddBroker(broker).SetClientID("ignored-" + suffix))
	if tok := pub.Connect(); !tok.WaitTimeout(30*time.Second) || tok.Error() != nil {
		t.Fatalf("connect: %v", tok.Error())
	}
	defer pub.Disconnect(50)
	publish := func(station string, ts time.Time) {
		t.Helper()
		p, err := mobility.EncodeStatus(station, mobility.StatusReport{TS: ts, Online: true,
			Docks: []mobility.DockState{{Dock: 1, BikeID: layout[0].Bikes[0].ID, Locked: true}}})
		if err != nil {
			t.Fatal(err)
		}
		if tok := pub.Publish(root+"/stations/"+station+"/status", 1, false, p); !tok.WaitTimeout(30*time.Second) || tok.Error() != nil {
			t.Fatalf("publish: %v", tok.Error())
		}
	}
	const ignored = "cityhub_mobility_telemetry_ignored_total"
	for _, reason := range []string{"unregistered", "stale", "unknown_event", "refused_docking"} {
		if n := metricSum(t, url, ignored+`{reason="`+reason+`"}`); n != 0 {
			t.Fatalf("%s{reason=%q} = %v before any telemetry", ignored, reason, n)
		}
	}

	// A station the city never registered.
	publish("ghost-"+suffix[:6], time.Now())
	testutil.Eventually(t, 10*time.Second, "the unregistered station counted", func() bool {
		return metricSum(t, url, ignored+`{reason="unregistered"}`) == 1
	})

	// A registered station's status, applied; then one stamped before it,
	// which is stale. (Sent only once the first is applied: a newer status
	// still waiting would be replaced by the later one, not counted.)
	now := time.Now()
	publish(st, now)
	testutil.Eventually(t, 10*time.Second, "the station online", func() bool {
		var v struct {
			Online bool `json:"online"`
		}
		status, _ := call(t, "GET", url+"/api/v1/mobility/stations/"+st, "", "", nil, &v)
		return status == http.StatusOK && v.Online
	})
	publish(st, now.Add(-time.Minute))
	testutil.Eventually(t, 10*time.Second, "the stale status counted", func() bool {
		return metricSum(t, url, ignored+`{reason="stale"}`) == 1
	})
	if n := metricSum(t, url, ignored+`{reason="unregistered"}`); n != 1 {
		t.Errorf(`%s{reason="unregistered"} = %v, want 1`, ignored, n)
	}
}
