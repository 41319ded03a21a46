package mqtt_test

import (
	"context"
	"errors"
	"slices"
	"strings"
	"testing"
	"time"

	paho "github.com/eclipse/paho.mqtt.golang"
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

// seen is a message as a subscriber got it.
type seen struct {
	topic, payload string
	retained       bool
}

// watch subscribes cli to filter; each message goes to the channel.
func watch(t *testing.T, cli paho.Client, filter string) <-chan seen {
	t.Helper()
	ch := make(chan seen, 100)
	tok := cli.Subscribe(filter, 1, func(_ paho.Client, m paho.Message) { ch <- seen{m.Topic(), string(m.Payload()), m.Retained()} })
	if !tok.WaitTimeout(30*time.Second) || tok.Error() != nil {
		t.Fatalf("subscribe %s: %v", filter, tok.Error())
	}
	return ch
}

// untilMarker collects what ch brings before a message whose payload is
// "marker": sent last, it says that everything before it was handled.
func untilMarker(t *testing.T, ch <-chan seen) []seen {
	t.Helper()
	var out []seen
	for {
		m := testutil.Receive(t, 5*time.Second, "the marker", ch)
		if m.payload == "marker" {
			return out
		}
		out = append(out, m)
	}
}

// On the embedded broker a station may retain only its status and online
// flag (review: retained events and replies grew the broker's retained store
// without limit, and a retained reply came back to the hub on every
// subscription), and may answer only on replies/{instance} with an
// instance id a hub can have. A retain flag on events and replies is
// dropped (the message itself is delivered: an event is not lost for it),
// and a will retained outside status and online is refused at CONNECT.
func TestEmbeddedBrokerRetainsOnlyStatusAndOnline(t *testing.T) {
	root := mqtttest.Root(t)
	db := storetest.OpenSQLite(t)
	svc := mobilitytest.NewService(db.Mobility(), nil)
	b, err := mqtt.StartSecureBroker(mqtt.BrokerOptions{Addr: testutil.FreeAddr(t), MoveIfTaken: true, Root: root, Stations: svc})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { b.Close() })
	svc.SetBrokerAccounts(b)
	ctx := context.Background()
	id := "sr-" + ids.Token(8)[:8]
	if _, err := svc.CreateStation(ctx, identity.System(), mobility.Station{ID: id, NameIT: id, NameEN: id, Lat: 41.1, Lon: 14.7, Capacity: 4, Open: true}); err != nil {
		t.Fatal(err)
	}
	cred, err := svc.IssueStationCredential(ctx, admin, id)
	if err != nil {
		t.Fatal(err)
	}
	topics := mqtt.Topics{Root: root}
	user, pass := b.HubCredentials()

	hub, err := connectAs(b.URL(), "hub-watch", user, pass)
	if err != nil {
		t.Fatal(err)
	}
	defer hub.cli.Disconnect(50)
	live := watch(t, hub.cli, topics.StationPrefix(id)+"#")

	st, err := connectStation(b.URL(), id, cred.Secret)
	if err != nil {
		t.Fatal(err)
	}
	defer st.cli.Disconnect(50)
	// Replies to no possible hub (QoS 0: refused silently), then retained
	// messages on every topic a station has, then the marker: one
	// connection's messages are handled in order.
	for _, instance := range []string{"Hub-A", "hub.a", strings.Repeat("h", 65), "-hub"} {
		st.cli.Publish(topics.Replies(id, instance), 0, false, []byte("{}"))
	}
	retained := []string{topics.Station(id, mobility.KindEvents), topics.Replies(id, "hub-a"),
		topics.Station(id, mobility.KindStatus), topics.Station(id, mobility.KindOnline)}
	for _, topic := range retained {
		if tok := st.cli.Publish(topic, 1, true, []byte("{}")); !tok.WaitTimeout(30*time.Second) || tok.Error() != nil {
			t.Fatalf("retained publish on %s: %v", topic, tok.Error())
		}
	}
	st.cli.Publish(topics.Station(id, mobility.KindEvents), 1, false, []byte("marker"))
	var got []string
	for _, m := range untilMarker(t, live) {
		got = append(got, m.topic)
	}
	if !slices.Equal(got, retained) {
		t.Errorf("the hub got %v live, want %v (replies to instance ids no hub has are refused)", got, retained)
	}

	// A new subscriber gets the retained status and online flag only.
	later, err := connectAs(b.URL(), "hub-later", user, pass)
	if err != nil {
		t.Fatal(err)
	}
	defer later.cli.Disconnect(50)
	ch := watch(t, later.cli, topics.StationPrefix(id)+"#")
	later.cli.Publish(topics.Commands(id), 1, false, []byte("marker"))
	var kept []string
	for _, m := range untilMarker(t, ch) {
		if m.retained {
			kept = append(kept, m.topic)
		}
	}
	slices.Sort(kept)
	if want := []string{topics.Station(id, mobility.KindOnline), topics.Station(id, mobility.KindStatus)}; !slices.Equal(kept, want) {
		t.Errorf("retained on the broker: %v, want only %v", kept, want)
	}

	// A will retained on events is refused; on online (the documented will) taken.
	st.cli.Disconnect(50)
	if s, err := connectWithWill(b.URL(), id, cred.Secret, topics.Station(id, mobility.KindEvents)); err == nil {
		s.Disconnect(50)
		t.Error("a station was let in with a retained will on its events")
	}
	s, err := connectWithWill(b.URL(), id, cred.Secret, topics.Station(id, mobility.KindOnline))
	if err != nil {
		t.Fatalf("a station with its retained will on online: %v", err)
	}
	s.Disconnect(50)
}

// connectWithWill connects station with a retained will on topic.
func connectWithWill(url, station, secret, topic string) (paho.Client, error) {
	c := paho.NewClient(paho.NewClientOptions().AddBroker(url).SetClientID(mqtt.StationClientID(station)).
		SetUsername(station).SetPassword(secret).SetAutoReconnect(false).SetConnectTimeout(5*time.Second).
		SetBinaryWill(topic, []byte("false"), 1, true))
	tok := c.Connect()
	if !tok.WaitTimeout(30 * time.Second) {
		return nil, errors.New("connect timed out")
	}
	return c, tok.Error()
}

// A reply the broker kept (retained) and hands to a hub when it subscribes
// is a replay, not a station's answer: the hub drops and counts it, raises
// no "bike released without a ride" for it, and this holds on Mosquitto,
// which cannot refuse the retain flag of a station's reply.
func TestRetainedReplyIsNotAnAnswer(t *testing.T) {
	for _, b := range brokers(t) {
		t.Run(b.Name(), func(t *testing.T) {
			root := mqtttest.Root(t)
			instance := "hub-" + ids.Token(8)[:8]
			topic := mqtt.Topics{Root: root}.Replies("st-1", instance)
			pub := publisher(t, b.URL())
			// The embedded broker may acknowledge a publish before it hands
			// the message on: a hub subscribing in between gets it twice,
			// retained and live, as MQTT allows. The publisher watches its
			// own topic, so the hub starts once the live copy went out to
			// the subscribers there were.
			live := watch(t, pub, topic)
			p, _ := mobility.EncodeReply(mobility.Reply{RequestID: "old-1", StationID: "st-1", Result: mobility.ReplyOK, TS: time.Now()})
			if tok := pub.Publish(topic, 1, true, p); !tok.WaitTimeout(30*time.Second) || tok.Error() != nil {
				t.Fatalf("retained reply: %v", tok.Error())
			}
			testutil.Receive(t, 30*time.Second, "the reply handed on", live)
			t.Cleanup(func() { pub.Publish(topic, 1, true, nil).WaitTimeout(5 * time.Second) })

			s := &lateSink{}
			reg := prometheus.NewRegistry()
			c, err := mqtt.New(mqtt.Options{URL: b.URL(), Root: root, InstanceID: instance, Registry: reg, MaxBackoff: time.Second})
			if err != nil {
				t.Fatal(err)
			}
			if err := c.Start(context.Background(), s); err != nil {
				t.Fatal(err)
			}
			t.Cleanup(c.Close)
			testutil.Eventually(t, 5*time.Second, "the retained reply dropped", func() bool {
				return mqtttest.Counter(t, reg, "cityhub_mqtt_command_results_total", "retained") == 1
			})
			if n := mqtttest.Counter(t, reg, "cityhub_mqtt_unlock_ok_after_deadline_total", ""); n != 0 || len(s.lates()) != 0 {
				t.Errorf("a retained ok raised %v incidents (%v)", n, s.lates())
			}
		})
	}
}

// The hub learns a station's clock from the delays of its messages, and a
// retained status, delivered again with its old "ts" whenever the hub
// subscribes, would teach it a lag the station does not have: the hub
// passes on which messages came as retained. A status the station
// publishes retained while the hub is subscribed comes as a live one.
func TestTelemetrySaysWhichMessagesCameRetained(t *testing.T) {
	t.Parallel()
	for _, b := range brokers(t) {
		t.Run(b.Name(), func(t *testing.T) {
			t.Parallel()
			root := mqtttest.Root(t)
			topics := mqtt.Topics{Root: root}
			pub := publisher(t, b.URL())
			old := time.Now().UTC().Add(-3 * time.Hour).Truncate(time.Millisecond)
			topic := topics.Station("st-r", mobility.KindStatus)
			// The embedded broker may acknowledge a publish before it hands
			// it on: the publisher watches its own topic, so the hub
			// subscribes once the live copy went out to the subscribers
			// there were, and gets the status as retained.
			handed := watch(t, pub, topic)
			if tok := pub.Publish(topic, 1, true, status("st-r", old, "bk-1")); !tok.WaitTimeout(10*time.Second) || tok.Error() != nil {
				t.Fatalf("publish: %v", tok.Error())
			}
			testutil.Receive(t, 30*time.Second, "the status handed on", handed)
			t.Cleanup(func() { pub.Publish(topic, 1, true, []byte{}).WaitTimeout(5 * time.Second) })
			s := &sink{}
			startClient(t, b.URL(), root, s)
			// Mosquitto before 2.0.13 (Debian 12 ships 2.0.11) also hands
			// retained messages to a shared subscription, so the hub may
			// get the status twice, both copies retained.
			testutil.Eventually(t, 10*time.Second, "the retained status", func() bool { return len(s.snapshot()) >= 1 })
			live := time.Now().UTC().Truncate(time.Millisecond)
			if tok := pub.Publish(topic, 1, true, status("st-r", live, "bk-1")); !tok.WaitTimeout(10*time.Second) || tok.Error() != nil {
				t.Fatalf("publish: %v", tok.Error())
			}
			isLive := func(m mobility.Telemetry) bool { return m.TS().Equal(live) }
			testutil.Eventually(t, 10*time.Second, "the live status", func() bool { return slices.ContainsFunc(s.snapshot(), isLive) })
			got := s.snapshot()
			last := got[len(got)-1]
			if !isLive(last) || last.Retained {
				t.Errorf("last: retained %v, ts %s; want the live status of %s", last.Retained, last.TS(), live)
			}
			for i, m := range got[:len(got)-1] {
				if !m.Retained || !m.TS().Equal(old) {
					t.Errorf("message %d of %d: retained %v, ts %s; want the retained status of %s", i+1, len(got), m.Retained, m.TS(), old)
				}
			}
			if n := len(got) - 1; n < 1 || n > 2 {
				t.Errorf("the retained status came %d times, want once (twice on a Mosquitto before 2.0.13)", n)
			}
		})
	}
}
