package main

import (
	"context"
	"io"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	paho "github.com/eclipse/paho.mqtt.golang"

	"cityhub/internal/testutil"
	"cityhub/mobility"
	"cityhub/mqtt/mqtttest"
)

// cityhub simulate plays its stations on the broker it is given: each one's
// retained status and online flag are there for anyone who subscribes.
func TestSimulateCommand(t *testing.T) {
	t.Parallel()
	broker := mqtttest.StartEmbedded(t)
	ctx, cancel := context.WithCancel(context.Background())
	stdout, stderr := &testutil.Buffer{}, &testutil.Buffer{}
	var mu sync.Mutex
	status := map[string]mobility.Telemetry{}
	online := map[string]bool{}
	sub := paho.NewClient(paho.NewClientOptions().AddBroker(broker.URL()).SetClientID("simulate-test"))
	if tok := sub.Connect(); !tok.WaitTimeout(30*time.Second) || tok.Error() != nil {
		t.Fatal(tok.Error())
	}
	defer sub.Disconnect(50)
	topics := []string{"cityhub/v1/stations/+/status", "cityhub/v1/stations/+/online"}
	// Subscribe before the stations start, so every message arrives live:
	// the embedded broker's scan of retained messages on subscribe is not
	// safe against a concurrent retained publish (a race inside mochi-mqtt
	// v2.7.9, TopicsIndex.scanMessages against RetainMessage).
	for _, f := range topics {
		sub.Subscribe(f, 1, func(_ paho.Client, m paho.Message) {
			parts := strings.Split(m.Topic(), "/") // cityhub/v1/stations/{station}/{kind}
			station, kind := parts[3], parts[4]
			tm, err := mobility.DecodeTelemetry(station, mobility.Kind(kind), m.Payload(), time.Now())
			if err != nil {
				t.Errorf("%s: %v", m.Topic(), err)
				return
			}
			mu.Lock()
			defer mu.Unlock()
			if tm.Status != nil {
				status[station] = tm
			} else {
				online[station] = tm.Online.Online
			}
		}).Wait()
	}
	done := make(chan error, 1)
	go func() {
		done <- run(ctx, []string{"simulate", "-mqtt-url", broker.URL(), "-stations", "3", "-docks", "6", "-prefix", "simt"},
			func(string) string { return "" }, stdout, stderr)
	}()
	deadline := time.Now().Add(10 * time.Second)
	for {
		mu.Lock()
		n, o := len(status), len(online)
		mu.Unlock()
		if n == 3 && o == 3 {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("after 10 s: %d statuses, %d online flags; stdout %q stderr %q", n, o, stdout.String(), stderr.String())
		}
		time.Sleep(200 * time.Millisecond)
	}
	mu.Lock()
	for _, id := range []string{"simt-001", "simt-002", "simt-003"} {
		if s := status[id].Status; s == nil || len(s.Docks) != 6 || !online[id] {
			t.Errorf("station %s: %+v online=%v", id, s, online[id])
		} else if b := status[id].StationID; b != id {
			t.Errorf("station id %s", b)
		}
	}
	mu.Unlock()
	cancel()
	select {
	case err := <-done:
		if err != nil {
			t.Fatalf("simulate: %v", err)
		}
	case <-time.After(10 * time.Second):
		t.Fatal("simulate did not stop")
	}
}

// A stop that comes while the stations are still connecting is a stop, not
// a failure: the command must not report "context canceled". The broker
// is real, so the simulator is cancelled while its stations are connecting
// or waiting for their commands subscription, whichever comes first.
func TestSimulateStoppedWhileStarting(t *testing.T) {
	t.Parallel()
	broker := mqtttest.StartEmbedded(t)
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	stdout, stderr := &testutil.Buffer{}, &testutil.Buffer{}
	err := run(ctx, []string{"simulate", "-mqtt-url", broker.URL(), "-stations", "2", "-prefix", "simc"},
		func(string) string { return "" }, stdout, stderr)
	if err != nil {
		t.Fatalf("simulate stopped while starting: %v; stderr %q", err, stderr.String())
	}
	if strings.Contains(stdout.String(), "simulating") {
		t.Errorf("a simulator stopped before its stations were ready said it was running: %q", stdout.String())
	}
}

// The hub stopped (SIGTERM) before it has started stops cleanly too, as
// simulate does, whichever step of its start the stop cuts short; a
// command that finishes its work, cut short, still fails.
func TestStoppedWhileStarting(t *testing.T) {
	t.Parallel()
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	for _, cmd := range []string{"serve", "demo"} {
		env := map[string]string{"CITYHUB_DATA_DIR": t.TempDir(), "CITYHUB_HTTP_ADDR": "127.0.0.1:0", "CITYHUB_MQTT_BROKER_ADDR": "127.0.0.1:0"}
		stdout, stderr := &testutil.Buffer{}, &testutil.Buffer{}
		if err := run(ctx, []string{cmd}, testGetenv(env), stdout, stderr); err != nil {
			t.Errorf("%s stopped while starting: %v", cmd, err)
		}
		if strings.Contains(stdout.String(), "listening on") {
			t.Errorf("%s stopped before it started said it was listening: %q", cmd, stdout.String())
		}
	}
	env := map[string]string{"CITYHUB_DATA_DIR": hubDataDir(t)}
	if err := run(ctx, []string{"migrate"}, testGetenv(env), &testutil.Buffer{}, &testutil.Buffer{}); err == nil {
		t.Error("migrate cut short by a stop reported success")
	}
}

// simulate refuses flags out of bounds at once, each by name, where it
// played 0 stations, took a failure rate of 2, or retried an unknown
// scheme for ever; and a credentials file without a station's line is said
// to lack it, not to hold a refused secret (when it has none for any; a
// station without a line is left out).
func TestSimulateRefusesFlagsOutOfBounds(t *testing.T) {
	t.Parallel()
	creds := filepath.Join(t.TempDir(), "creds")
	if err := os.WriteFile(creds, []byte("bn-001 s3cret-s3cret-s3cret\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		args []string
		says string
	}{
		{[]string{"-stations", "0"}, "-stations 0"},
		{[]string{"-failure-rate", "2"}, "-failure-rate 2"},
		{[]string{"-failure-rate", "0.6", "-silent-rate", "0.6"}, "together at most 1"},
		{[]string{"-mqtt-url", "foo://x"}, "-mqtt-url"},
		{[]string{"-mqtt-url", "tcp://127.0.0.1"}, "port is missing"},
		{[]string{"-docks", "500"}, "-docks 500"},
		{[]string{"-ride-min", "5m", "-ride-max", "1m"}, "-ride-max"},
		{[]string{"extra"}, "unexpected arguments"},
		{[]string{"-docks", "1"}, "-docks 1"},
		{[]string{"-mqtt-url", "tcp://127.0.0.1:9", "-prefix", "zz", "-stations", "2", "-credentials", creds}, "no secret for any of the 2 stations (zz-001"},
	} {
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		err := run(ctx, append([]string{"simulate"}, tc.args...), func(string) string { return "" }, io.Discard, io.Discard)
		cancel()
		if err == nil || !strings.Contains(err.Error(), tc.says) {
			t.Errorf("simulate %v: %v, want an error saying %q", tc.args, err, tc.says)
		}
	}
}

// A broker URL the simulator refuses is named as the operator gave it: one
// from CITYHUB_MQTT_URL was refused as "-mqtt-url", a flag never typed;
// with both, the flag wins and is the one named.
func TestSimulateNamesTheBrokerURLAsGiven(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		env       string
		args      []string
		says, not string
	}{
		{"bogus", nil, `CITYHUB_MQTT_URL "bogus"`, "-mqtt-url"},
		{"tcp://127.0.0.1:1883", []string{"-mqtt-url", "bogus"}, `-mqtt-url "bogus"`, "CITYHUB_MQTT_URL"},
	} {
		getenv := func(k string) string {
			if k == "CITYHUB_MQTT_URL" {
				return tc.env
			}
			return ""
		}
		err := run(context.Background(), append([]string{"simulate"}, tc.args...), getenv, io.Discard, io.Discard)
		if err == nil || !strings.Contains(err.Error(), tc.says) || strings.Contains(err.Error(), tc.not) {
			t.Errorf("CITYHUB_MQTT_URL=%s simulate %v: %v, want an error saying %q and not %q", tc.env, tc.args, err, tc.says, tc.not)
		}
	}
}
