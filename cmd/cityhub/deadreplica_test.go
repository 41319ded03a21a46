package main

import (
	"bufio"
	"context"
	"fmt"
	"net/http"
	"os"
	"os/exec"
	"os/signal"
	"regexp"
	"syscall"
	"testing"
	"time"

	"cityhub/identity"
	"cityhub/mobility"
	"cityhub/mobility/mobilitytest"
	"cityhub/simulator"
	"cityhub/store"
	"cityhub/store/storetest"

	"cityhub/internal/testutil"
)

// childHubEnv marks the test binary re-run as a hub process.
const childHubEnv = "CITYHUB_TEST_CHILD_HUB"

// TestChildHub is not a test: it is the hub process that
// TestDeadReplicaSwallowsNothing starts (this test binary run again) and
// kills with SIGKILL.
func TestChildHub(t *testing.T) {
	if os.Getenv(childHubEnv) != "1" {
		t.Skip("run as a child hub process only")
	}
	ctx, stop := signal.NotifyContext(context.Background(), syscall.SIGTERM)
	defer stop()
	if err := run(ctx, []string{"serve"}, withTestHashCost(os.LookupEnv), os.Stdout, os.Stderr); err != nil {
		t.Fatal(err)
	}
}

// eventsReceived selects the station events a hub received.
const eventsReceived = `cityhub_mqtt_messages_total{kind="events"}`

// Issue 9, item 4: with persistent sessions, after kill -9 of one of two
// replicas Mosquitto kept queueing half the telemetry for the dead one,
// including the bike_docked of a ride started through the live one. Now a
// ride started through a replica that is then killed (a real process, kill
// -9) ends through the other within seconds of its bike_docked.
func TestDeadReplicaSwallowsNothing(t *testing.T) {
	t.Parallel()
	if testing.Short() {
		t.Skip("starts two hubs, one of them a child process")
	}
	broker, suffix := sharedBroker(t)
	dbURL := storetest.MigratedPostgresURL(t)
	root := "cityhub-test-" + suffix + "/v1"
	env := func(instance string) map[string]string {
		return map[string]string{
			"CITYHUB_HTTP_ADDR":        "127.0.0.1:0",
			"CITYHUB_DATABASE_URL":     dbURL,
			"CITYHUB_MQTT_URL":         broker,
			"CITYHUB_MQTT_TOPIC_ROOT":  root,
			"CITYHUB_MQTT_SHARE_GROUP": "cityhub-" + suffix,
			"CITYHUB_TEST_PAYMENTS":    "true",
			"CITYHUB_LOG_LEVEL":        "warn",
			"CITYHUB_DATA_DIR":         t.TempDir(),
			"CITYHUB_INSTANCE_ID":      instance + "-" + suffix,
		}
	}
	// Hub A, the survivor, in this process; it migrates the database.
	urlA, _ := startHub(t, []string{"serve"}, env("a"))

	// The catalogue and the stations, played by this test.
	ctx := context.Background()
	db, err := store.Open(ctx, dbURL, t.TempDir(), nil)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	layout := simulator.Layout("k"+suffix[:6], 2, 6)
	if err := simulator.SeedCatalogue(ctx, mobilitytest.NewService(db.Mobility(), nil), layout); err != nil {
		t.Fatal(err)
	}
	sim := simulator.New(simulator.Config{URL: broker, Root: root, Stations: layout, StatusEvery: time.Minute, Seed: 1})
	if err := sim.Start(ctx); err != nil {
		t.Fatal(err)
	}
	defer sim.Close()

	// Hub B, the replica to kill: this test binary again, as a process.
	child := exec.Command(os.Args[0], "-test.run=^TestChildHub$")
	child.Env = append(os.Environ(), childHubEnv+"=1")
	for k, v := range env("b") {
		child.Env = append(child.Env, k+"="+v)
	}
	out, err := child.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	child.Stderr = os.Stderr
	if err := child.Start(); err != nil {
		t.Fatal(err)
	}
	defer child.Process.Kill()
	listening := make(chan string, 1)
	go func() {
		re := regexp.MustCompile(`listening on (http://\S+)`)
		sc := bufio.NewScanner(out)
		for sc.Scan() {
			if m := re.FindStringSubmatch(sc.Text()); m != nil {
				listening <- m[1]
			}
		}
	}()
	var urlB string
	select {
	case urlB = <-listening:
	case <-time.After(60 * time.Second):
		t.Fatal("hub B did not start")
	}
	testutil.Eventually(t, 30*time.Second, "both hubs connected", func() bool {
		return metricSum(t, urlA, "cityhub_mqtt_connected") == 1 && metricSum(t, urlB, "cityhub_mqtt_connected") == 1
	})

	// A rider unlocks through hub B.
	// (Made in the database: a sign-up would wait for its e-mailed link.)
	if _, _, err := identity.NewService(db.Identity(), nil, identity.Options{Argon2: identity.FastArgon2}, nil).EnsureAccount(ctx, identity.NewAccount{
		Email: "rider@example.org", Password: "a long enough password", Name: "Rider", Grants: []identity.Grant{{Role: identity.RoleCitizen}}}); err != nil {
		t.Fatal(err)
	}
	var tok struct {
		AccessToken string `json:"access_token"`
	}
	mustCall(t, "POST", urlB+"/api/v1/auth/login", "", "", map[string]string{"email": "rider@example.org", "password": "a long enough password"}, http.StatusOK, &tok)
	rider := "Bearer " + tok.AccessToken
	mustCall(t, "POST", urlB+"/api/v1/wallet/topups", rider, "topup-1", map[string]int{"amount_cents": 2000}, http.StatusCreated, nil)
	st := layout[0]
	testutil.Eventually(t, 30*time.Second, "the station online through hub B", func() bool {
		var v struct {
			Online bool `json:"online"`
		}
		status, _ := call(t, "GET", urlB+"/api/v1/mobility/stations/"+st.ID, rider, "", nil, &v)
		return status == http.StatusOK && v.Online
	})
	var ride struct {
		Status string `json:"status"`
		BikeID string `json:"bike_id"`
	}
	mustCall(t, "POST", urlB+"/api/v1/mobility/unlock", rider, "unlock-1", map[string]any{"station_id": st.ID, "dock": 1}, http.StatusCreated, &ride)
	if ride.Status != "active" {
		t.Fatalf("ride %+v", ride)
	}

	// The unlock's bike_undocked reached one hub or the other: from now on
	// the simulated stations publish nothing unasked.
	testutil.Eventually(t, 10*time.Second, "the bike_undocked received", func() bool {
		return metricSum(t, urlA, eventsReceived)+metricSum(t, urlB, eventsReceived) >= 1
	})

	// kill -9 hub B mid-ride; hub A goes on alone.
	if err := child.Process.Signal(syscall.SIGKILL); err != nil {
		t.Fatal(err)
	}
	_ = child.Wait()
	testutil.Eventually(t, 10*time.Second, "hub B gone", func() bool {
		_, err := http.Get(urlB + "/healthz")
		return err != nil
	})

	// The broker drops B's subscriptions when it reads the closed socket; a
	// message it routes in the instant before is lost with B, as with any
	// subscriber that dies mid-delivery (the station's next status heals
	// that). Give it the moment: what is tested is that nothing queues for
	// B after that.
	time.Sleep(time.Second)

	// Every event published from now on reaches hub A: none is queued for
	// the dead one. Shared between two live replicas, about half of these
	// would go to B; one left queued for B's session is missing here.
	const markers = 20
	before := metricSum(t, urlA, eventsReceived)
	for i := range markers {
		// A bike leaving an empty dock: counted, changes nothing.
		if err := sim.PublishEvent(layout[1].ID, mobility.Event{Type: mobility.EventBikeUndocked, Dock: 6,
			BikeID: fmt.Sprintf("marker-%02d", i)}); err != nil {
			t.Fatal(err)
		}
	}

	// The bike is docked at the other station, and the station publishes
	// the bike_docked event only, no status: a status would end the ride
	// too, and so hide a bike_docked queued for the dead replica. Hub A
	// ends the ride. (Each hub issues tokens for its own public URL: log in
	// there.)
	mustCall(t, "POST", urlA+"/api/v1/auth/login", "", "", map[string]string{"email": "rider@example.org", "password": "a long enough password"}, http.StatusOK, &tok)
	rider = "Bearer " + tok.AccessToken
	docked := time.Now()
	if _, _, err := sim.DockEventOnly(ride.BikeID, layout[1].ID); err != nil {
		t.Fatal(err)
	}
	var got float64
	for end := time.Now().Add(10 * time.Second); time.Now().Before(end); time.Sleep(50 * time.Millisecond) {
		if got = metricSum(t, urlA, eventsReceived) - before; got >= markers+1 {
			break
		}
	}
	if got != markers+1 {
		t.Errorf("hub A received %v of the %d events published after the kill; the rest went to the dead replica", got, markers+1)
	}
	testutil.Eventually(t, 10*time.Second, "the ride ended through hub A", func() bool {
		status, _ := call(t, "GET", urlA+"/api/v1/mobility/rides/current", rider, "", nil, nil)
		return status == http.StatusNotFound
	})
	t.Logf("the ride ended through hub A %s after the bike_docked", time.Since(docked).Round(time.Millisecond))
	var rides struct {
		Rides []struct {
			Status       string    `json:"status"`
			EndStationID string    `json:"end_station_id"`
			EndedAt      time.Time `json:"ended_at"`
		} `json:"rides"`
	}
	mustCall(t, "GET", urlA+"/api/v1/mobility/rides", rider, "", nil, http.StatusOK, &rides)
	if len(rides.Rides) != 1 || rides.Rides[0].Status != "ended" || rides.Rides[0].EndStationID != layout[1].ID ||
		rides.Rides[0].EndedAt.Sub(docked) > 5*time.Second {
		t.Fatalf("rides %+v; want one ended at %s within seconds of %s", rides.Rides, layout[1].ID, docked)
	}
}
