package mqtt_test

import (
	"context"
	"log/slog"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"cityhub/identity"
	"cityhub/ids"
	"cityhub/internal/testutil"
	"cityhub/mobility"
	"cityhub/mobility/mobilitytest"
	"cityhub/mqtt"
	"cityhub/mqtt/mqtttest"
	"cityhub/store/storetest"
)

// countingAuth is the hub's authenticator, counting the checks that reach
// it (each one an argon2id hash for a station with a credential).
type countingAuth struct {
	svc    *mobility.Service
	checks atomic.Int64
}

func (c *countingAuth) AuthenticateStation(ctx context.Context, user, secret string) (bool, error) {
	c.checks.Add(1)
	return c.svc.AuthenticateStation(ctx, user, secret)
}

// floodAttackers is how many connections keep trying a real station's id
// with wrong secrets.
const floodAttackers = 100

// A flood of CONNECTs naming a real station (ids are public in GBFS) with
// wrong secrets, from many connections at once, does not keep the station
// out (tester's report: 400 attackers delayed a valid login to 7.3 s, and
// wrote a log line per attempt). Before the fix, each wrong attempt
// replaced the station's remembered login and queued for one of two
// argon2id slots without a bound, so the station's own login waited behind
// the whole queue: with 100 attackers at the production hash cost it took
// seconds. Now its remembered login admits it at once, the attackers are
// throttled before any hashing, and the refusals are logged once a minute.
func TestLoginFloodDoesNotDelayTheStation(t *testing.T) {
	db := storetest.OpenSQLite(t)
	svc := mobilitytest.NewService(db.Mobility(), nil)
	svc.SetSecretHashCost(identity.DefaultArgon2) // what makes a flood costly
	auth := &countingAuth{svc: svc}
	logs := &testutil.Buffer{}
	reg := prometheus.NewRegistry()
	b, err := mqtt.StartSecureBroker(mqtt.BrokerOptions{Addr: testutil.FreeAddr(t), MoveIfTaken: true, Root: "cityhub/v1", Stations: auth,
		Log: slog.New(slog.NewTextHandler(logs, nil)), Registry: reg})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { b.Close() })
	svc.SetBrokerAccounts(b)
	id, secret := newStation(t, svc)

	// The station logs in once: the broker remembers the verified login.
	s, err := connectStation(b.URL(), id, secret)
	if err != nil {
		t.Fatalf("the station's first login: %v", err)
	}
	s.cli.Disconnect(50)

	stop := make(chan struct{})
	var refused atomic.Int64
	var wg sync.WaitGroup
	for range floodAttackers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for {
				select {
				case <-stop:
					return
				default:
				}
				// A fresh wrong secret each time, as a guesser sends.
				a, err := connectStation(b.URL(), id, ids.Token(24))
				if err == nil {
					a.cli.Disconnect(0)
					t.Error("a wrong secret was let in")
					return
				}
				refused.Add(1)
			}
		}()
	}
	defer func() {
		close(stop)
		wg.Wait()
	}()
	// The flood is on once every attacker, on average, was refused once.
	testutil.Eventually(t, time.Minute, "the attackers were refused", func() bool { return refused.Load() >= floodAttackers })

	start := time.Now()
	s, err = connectStation(b.URL(), id, secret)
	took := time.Since(start)
	if err != nil {
		t.Fatalf("the station's login during the flood: %v (after %v)", err, took)
	}
	s.cli.Disconnect(50)
	t.Logf("station login during a flood of %d attackers: %v (%d checks reached the store, %d refusals)",
		floodAttackers, took, auth.checks.Load(), refused.Load())
	if took > time.Second {
		t.Errorf("the station's login took %v during the flood", took)
	}
	// Only the first few wrong secrets were hashed; the rest were refused
	// before any check, and every refusal was counted. (Read while the
	// flood goes on: the counts only grow.)
	if n := auth.checks.Load(); n > 20 {
		t.Errorf("%d logins were checked against the store during the flood, want the budget of a username (a few)", n)
	}
	if n := mqtttest.Counter(t, reg, "cityhub_mqtt_broker_logins_refused_total", "throttled"); n < floodAttackers/2 {
		t.Errorf("%v logins refused as throttled, want most of the %d refusals", n, refused.Load())
	}
	// One line per username and reason a minute, whatever the flood.
	if n := strings.Count(logs.String(), "station login refused"); n > 3 {
		t.Errorf("%d refused-login log lines for one station:\n%s", n, logs.String())
	}
}
