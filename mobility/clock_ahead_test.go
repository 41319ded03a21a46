package mobility_test

import (
	"context"
	"testing"
	"time"

	paho "github.com/eclipse/paho.mqtt.golang"

	"cityhub/apperr"
	"cityhub/identity"
	"cityhub/internal/testutil"
	"cityhub/mobility"
	"cityhub/mobility/mobilitytest"
	"cityhub/mqtt"
	"cityhub/mqtt/mqtttest"
	"cityhub/store"
	"cityhub/store/storetest"
)

// overviewOf is the operator's overview row of station.
func overviewOf(t *testing.T, svc *mobility.Service, station string) mobility.OperatorStation {
	t.Helper()
	ov, err := svc.OperatorOverview(context.Background(), identity.System())
	if err != nil {
		t.Fatal(err)
	}
	for _, o := range ov.Stations {
		if o.ID == station {
			return o
		}
	}
	t.Fatalf("station %s not in the overview", station)
	return mobility.OperatorStation{}
}

// A station whose clock ran more than 2 minutes ahead had every message
// refused (docs/mqtt.md), seen only in a log line and a metric: its
// operator's pages showed it silent, then offline, with no word of why.
// The overview now says its clock is refused, and by how much it is
// ahead, until a message of it is taken again; over a real broker, on
// both engines.
func TestAStationRefusedForItsClockAheadIsNamed(t *testing.T) {
	t.Parallel()
	storetest.Each(t, func(t *testing.T, db store.DB) {
		e := mobilitytest.New(t, db, mqtttest.URL(), mobilitytest.Options{Stations: 2})
		ahead, fine := e.Stations[0].ID, e.Stations[1].ID
		pub := paho.NewClient(paho.NewClientOptions().AddBroker(e.URL).SetClientID("ahead-" + e.Root[:10]))
		if tok := pub.Connect(); !tok.WaitTimeout(30*time.Second) || tok.Error() != nil {
			t.Fatal(tok.Error())
		}
		defer pub.Disconnect(50)
		send := func(ts time.Time) {
			p, err := mobility.EncodeStatus(ahead, mobility.StatusReport{TS: ts, Online: true})
			if err != nil {
				t.Fatal(err)
			}
			pub.Publish(mqtt.Topics{Root: e.Root}.Station(ahead, mobility.KindStatus), 1, false, p).Wait()
		}
		send(time.Now().Add(5 * time.Minute))
		var o mobility.OperatorStation
		testutil.Eventually(t, 10*time.Second, "the overview names the refused clock", func() bool {
			o = overviewOf(t, e.Svc, ahead)
			return o.ClockRefused
		})
		if !o.ClockOff || o.ClockLagMS == nil || *o.ClockLagMS > -(5*time.Minute-10*time.Second).Milliseconds() || *o.ClockLagMS < -(5*time.Minute).Milliseconds() {
			t.Errorf("overview of the station 5 minutes ahead: clock off %v, lag %v ms", o.ClockOff, o.ClockLagMS)
		}
		// A second refusal within the minute is counted, not recorded
		// again: the overview keeps the first one's lead.
		first := *o.ClockLagMS
		send(time.Now().Add(4 * time.Minute))
		testutil.Eventually(t, 10*time.Second, "the second refusal counted", func() bool {
			return mqtttest.Counter(t, e.Metrics, "cityhub_mqtt_refused_total", "future_ts") == 2
		})
		if o := overviewOf(t, e.Svc, ahead); o.ClockLagMS == nil || *o.ClockLagMS != first {
			t.Errorf("a second refusal within the minute was recorded: lag %v ms, want the first's %d", o.ClockLagMS, first)
		}
		if f := overviewOf(t, e.Svc, fine); f.ClockRefused {
			t.Errorf("a station in time is named refused: %+v", f)
		}
		// Its clock is put right: its next status is taken, and the
		// overview no longer names it.
		send(time.Now())
		testutil.Eventually(t, 10*time.Second, "the station taken again", func() bool {
			return !overviewOf(t, e.Svc, ahead).ClockRefused
		})
	})
}

// The refusal is named within the overview's silence window and only
// while no message of the station was taken after it; only the hub's own
// process records one, and an operator's reset forgets it.
func TestClockAheadRefusalLastsUntilTakenOrForgotten(t *testing.T) {
	t.Parallel()
	eachEngine(t, func(t *testing.T, r *rules) {
		ctx := context.Background()
		citizen := identity.Caller{AccountID: "acc_c", Grants: []identity.Grant{{Role: identity.RoleCitizen}}}
		if err := r.svc.StationClockAhead(ctx, citizen, r.other, r.now, 3*time.Minute); !apperr.Has(err, apperr.Forbidden) {
			t.Fatalf("a citizen noted a station's clock: %v", err)
		}
		if err := r.svc.StationClockAhead(ctx, identity.System(), "no-such-station", r.now, 3*time.Minute); err != nil {
			t.Fatalf("an unknown station: %v", err)
		}
		if st := r.state("no-such-station"); st.StationID != "" {
			t.Fatalf("an unknown station got a state: %+v", st)
		}
		if err := r.svc.StationClockAhead(ctx, identity.System(), r.other, r.now, 3*time.Minute); err != nil {
			t.Fatal(err)
		}
		o := overviewOf(t, r.svc, r.other)
		if !o.ClockRefused || !o.ClockOff || o.ClockLagMS == nil || *o.ClockLagMS != -(3*time.Minute).Milliseconds() {
			t.Fatalf("after a refusal: %+v", o)
		}
		// Ten minutes (the service's silence window) without another.
		r.now = r.now.Add(10 * time.Minute)
		if o := overviewOf(t, r.svc, r.other); o.ClockRefused {
			t.Errorf("a refusal ten minutes old still named: %+v", o)
		}
		r.now = r.now.Add(time.Minute)
		if err := r.svc.StationClockAhead(ctx, identity.System(), r.other, r.now, 3*time.Minute); err != nil {
			t.Fatal(err)
		}
		// A status the hub takes, made after the refusal.
		r.now = r.now.Add(time.Second)
		r.status(r.other, r.now, r.now)
		if o := overviewOf(t, r.svc, r.other); o.ClockRefused {
			t.Errorf("named refused after a status was taken: %+v", o)
		}
		r.now = r.now.Add(time.Second)
		if err := r.svc.StationClockAhead(ctx, identity.System(), r.other, r.now, 3*time.Minute); err != nil {
			t.Fatal(err)
		}
		if err := r.svc.ResetStationState(ctx, identity.System(), r.other); err != nil {
			t.Fatal(err)
		}
		if o := overviewOf(t, r.svc, r.other); o.ClockRefused {
			t.Errorf("named refused after the operator's reset: %+v", o)
		}
	})
}
