package simulator_test

import (
	"context"
	"errors"
	"log/slog"
	"net"
	"strings"
	"testing"
	"time"

	"cityhub/internal/testutil"
	"cityhub/mqtt"
	"cityhub/mqtt/mqtttest"
	"cityhub/simulator"
)

// A broker that refuses the stations' login (no credentials, or wrong
// ones) fails Start at once with ErrRefused naming the broker, even when
// Start is told to retry a broker it cannot reach until it is stopped:
// retrying a refused login cannot help. It used to retry in silence.
func TestRefusedLoginFailsFast(t *testing.T) {
	t.Parallel()
	b := mqtttest.StartRefusing(t)
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	for name, creds := range map[string]map[string]string{"no credentials": nil, "wrong secret": {"ref-001": "not-the-secret"}} {
		sim := simulator.New(simulator.Config{URL: b.URL(), Credentials: creds, Root: mqtt.DefaultRoot, Stations: simulator.Layout("ref", 1, 4), ConnectWait: -1})
		start := time.Now()
		err := sim.Start(ctx)
		if err == nil {
			sim.Close()
			t.Fatalf("%s: Start on a broker refusing the login succeeded", name)
		}
		if !errors.Is(err, simulator.ErrRefused) || !strings.Contains(err.Error(), b.URL()) {
			t.Errorf("%s: Start = %v; want ErrRefused naming %s", name, err, b.URL())
		}
		if d := time.Since(start); d > 5*time.Second {
			t.Errorf("%s: refused after %v, want at once", name, d)
		}
	}
}

// A broker that cannot be reached is retried until Start's context ends,
// and the failed attempts are logged, the first at once and then at most
// one every RetryLogEvery across all stations.
func TestUnreachableBrokerRetriesLogged(t *testing.T) {
	t.Parallel()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := l.Addr().String()
	l.Close()
	var logs testutil.Buffer
	log := slog.New(slog.NewTextHandler(&logs, nil))
	sim := simulator.New(simulator.Config{URL: "tcp://" + addr, Root: "cityhub/v1", Stations: simulator.Layout("unr", 3, 4), ConnectWait: -1, Log: log})
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
	defer cancel()
	err = sim.Start(ctx)
	if !errors.Is(err, context.DeadlineExceeded) {
		t.Fatalf("Start = %v; want it to retry until its context ended", err)
	}
	if n := strings.Count(logs.String(), "cannot reach the MQTT broker; retrying"); n != 1 {
		t.Errorf("%d retries logged in 2 s, want 1 (rate-limited):\n%s", n, logs.String())
	}
	if !strings.Contains(logs.String(), addr) {
		t.Errorf("the retry log does not name the broker %s:\n%s", addr, logs.String())
	}
}
