package main

import (
	"context"
	"encoding/json"
	"net"
	"strings"
	"testing"
	"time"

	"cityhub/internal/testutil"
	"cityhub/mqtt/mqtttest"
)

// cityhub simulate against a broker that refuses its stations' CONNECT
// (the hub's embedded broker, run without -credentials) fails at once,
// naming the broker and -credentials FILE, instead of waiting in silence.
func TestSimulateRefusedLoginFailsFast(t *testing.T) {
	t.Parallel()
	b := mqtttest.StartRefusing(t)
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	stdout, stderr := &testutil.Buffer{}, &testutil.Buffer{}
	start := time.Now()
	err := run(ctx, []string{"simulate", "-mqtt-url", b.URL(), "-stations", "1"}, func(string) string { return "" }, stdout, stderr)
	if err == nil {
		t.Fatalf("simulate on a broker refusing its stations succeeded; stderr %q", stderr.String())
	}
	if !strings.Contains(err.Error(), b.URL()) || !strings.Contains(err.Error(), "-credentials FILE") {
		t.Errorf("simulate = %v; want the broker %s and -credentials FILE named", err, b.URL())
	}
	if d := time.Since(start); d > 5*time.Second {
		t.Errorf("simulate failed after %v, want at once", d)
	}
	if strings.Contains(stdout.String(), "simulating") {
		t.Errorf("simulate said it was running: %q", stdout.String())
	}
}

// cityhub simulate against a broker it cannot reach keeps retrying until
// stopped, and says so on its log, instead of printing nothing.
func TestSimulateUnreachableBrokerLogsRetries(t *testing.T) {
	t.Parallel()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	url := "tcp://" + l.Addr().String()
	l.Close()
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	stdout, stderr := &testutil.Buffer{}, &testutil.Buffer{}
	done := make(chan error, 1)
	go func() {
		done <- run(ctx, []string{"simulate", "-mqtt-url", url, "-stations", "2"}, func(string) string { return "" }, stdout, stderr)
	}()
	deadline := time.Now().Add(10 * time.Second)
	for !strings.Contains(stderr.String(), "cannot reach the MQTT broker; retrying") {
		select {
		case err := <-done:
			t.Fatalf("simulate ended while the broker was unreachable: %v; stderr %q", err, stderr.String())
		default:
		}
		if time.Now().After(deadline) {
			t.Fatalf("no retry logged after 10 s; stderr %q", stderr.String())
		}
		time.Sleep(50 * time.Millisecond)
	}
	if !strings.Contains(stderr.String(), url) {
		t.Errorf("the log does not name the broker %s: %q", url, stderr.String())
	}
	// Still retrying past the old 10 s deadline? Not waited for here: the
	// stop is what ends it, cleanly.
	cancel()
	select {
	case err := <-done:
		if err != nil {
			t.Errorf("simulate stopped while retrying: %v", err)
		}
	case <-time.After(10 * time.Second):
		t.Fatal("simulate did not stop")
	}
}

// cityhub simulate logs as the hub does: in JSON when CITYHUB_LOG_FORMAT
// says json, where it always wrote text.
func TestSimulateLogsInTheConfiguredFormat(t *testing.T) {
	t.Parallel()
	b := mqtttest.StartRefusing(t) // simulate logs, then stops at once
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	stderr := &testutil.Buffer{}
	env := map[string]string{"CITYHUB_LOG_FORMAT": "json"}
	if err := simulate(ctx, []string{"-mqtt-url", b.URL(), "-stations", "1"}, func(k string) string { return env[k] }, &testutil.Buffer{}, stderr); err == nil {
		t.Fatal("simulate on a broker refusing its stations succeeded")
	}
	said := false
	for _, l := range strings.Split(strings.TrimSpace(stderr.String()), "\n") {
		var line struct{ Msg, Component string }
		if err := json.Unmarshal([]byte(l), &line); err != nil {
			t.Errorf("not a JSON line: %q (%v)", l, err)
		}
		said = said || line.Msg == "connecting the stations"
	}
	if !said {
		t.Errorf("no JSON line says it connects the stations: %q", stderr.String())
	}
}
