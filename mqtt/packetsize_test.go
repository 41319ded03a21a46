package mqtt_test

import (
	"bytes"
	"context"
	"errors"
	"net"
	"runtime"
	"strings"
	"testing"
	"time"

	paho "github.com/eclipse/paho.mqtt.golang"

	"cityhub/identity"
	"cityhub/internal/testutil"
	"cityhub/mobility"
	"cityhub/mobility/mobilitytest"
	"cityhub/mqtt"
	"cityhub/mqtt/mqtttest"
	"cityhub/store/storetest"
)

// oversizedConnect opens a raw connection to addr and sends the fixed
// header of a CONNECT that announces 256 MB (the most MQTT can encode), and
// nothing after it. It reports whether the broker closed the connection
// instead of waiting for the rest.
func oversizedConnect(t *testing.T, addr string) (closed bool) {
	t.Helper()
	conn, err := net.DialTimeout("tcp", addr, 5*time.Second)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	if _, err := conn.Write([]byte{0x10, 0xff, 0xff, 0xff, 0x7f}); err != nil {
		t.Fatal(err)
	}
	// The broker answers nothing (a CONNACK needs a CONNECT it read): the
	// read ends when it closes the connection, or at the deadline when it
	// waits for the 256 MB it was promised.
	_ = conn.SetReadDeadline(time.Now().Add(10 * time.Second))
	_, err = conn.Read(make([]byte, 16))
	var ne net.Error
	return err != nil && !(errors.As(err, &ne) && ne.Timeout())
}

// The embedded broker bounds a packet to mqtt.MaxPacketSize (review: with no
// maximum, an unauthenticated client made it allocate up to 256 MB per
// CONNECT). A CONNECT announcing more ends the connection after its fixed
// header, before the broker allocates the body; a station publishing a
// packet over the bound is disconnected; the largest legitimate message (a
// payload of mobility.MaxPayload on the longest station topic) still passes,
// and the broker keeps serving everyone else.
func TestEmbeddedBrokerBoundsPacketSize(t *testing.T) {
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

	var before, after runtime.MemStats
	runtime.ReadMemStats(&before)
	if !oversizedConnect(t, b.Addr()) {
		t.Error("a CONNECT announcing 256 MB kept its connection open: the broker waits for (and has allocated) the body")
	}
	runtime.ReadMemStats(&after)
	if grew := after.TotalAlloc - before.TotalAlloc; grew > 64<<20 {
		t.Errorf("the broker allocated %d MB for a CONNECT it refused", grew>>20)
	}

	// The longest station id and instance id make the longest topic.
	id := strings.Repeat("s", 64)
	if _, err := svc.CreateStation(ctx, identity.System(), mobility.Station{ID: id, NameIT: "x", NameEN: "x", Lat: 41.1, Lon: 14.7, Capacity: 4, Open: true}); err != nil {
		t.Fatal(err)
	}
	cred, err := svc.IssueStationCredential(ctx, admin, id)
	if err != nil {
		t.Fatal(err)
	}
	topics := mqtt.Topics{Root: root}
	longest := topics.Replies(id, strings.Repeat("i", 64))

	// The hub's account watches the station's topics.
	user, pass := b.HubCredentials()
	got := make(chan paho.Message, 10)
	hub, err := connectAs(b.URL(), "hub-watch", user, pass)
	if err != nil {
		t.Fatal(err)
	}
	defer hub.cli.Disconnect(50)
	if tok := hub.cli.Subscribe(topics.StationPrefix(id)+"#", 1, func(_ paho.Client, m paho.Message) { got <- m }); !tok.WaitTimeout(30*time.Second) || tok.Error() != nil {
		t.Fatalf("subscribe: %v", tok.Error())
	}

	st, err := connectStation(b.URL(), id, cred.Secret)
	if err != nil {
		t.Fatalf("station: %v", err)
	}
	defer st.cli.Disconnect(50)
	largest := bytes.Repeat([]byte("x"), mobility.MaxPayload)
	if tok := st.cli.Publish(longest, 1, false, largest); !tok.WaitTimeout(30*time.Second) || tok.Error() != nil {
		t.Fatalf("the largest legitimate message: %v", tok.Error())
	}
	if m := testutil.Receive(t, 5*time.Second, "the largest legitimate message", got); len(m.Payload()) != mobility.MaxPayload {
		t.Fatalf("got %d bytes on %s", len(m.Payload()), m.Topic())
	}

	st.cli.Publish(topics.Station(id, mobility.KindStatus), 1, false, make([]byte, mqtt.MaxPacketSize))
	testutil.Receive(t, 5*time.Second, "the station disconnected for a packet over the bound", st.lost)

	// Still serving: a new connection is let in, and a message after the
	// oversized one reaches the watcher, which got nothing in between.
	again, err := connectStation(b.URL(), id, cred.Secret)
	if err != nil {
		t.Fatalf("the broker no longer takes connections: %v", err)
	}
	defer again.cli.Disconnect(50)
	again.cli.Publish(topics.Station(id, mobility.KindOnline), 1, false, []byte("true"))
	if m := testutil.Receive(t, 5*time.Second, "a message after the oversized one", got); m.Topic() != topics.Station(id, mobility.KindOnline) {
		t.Errorf("got %d bytes on %s, want the online flag", len(m.Payload()), m.Topic())
	}
}

// The Mosquitto the tests run (deploy/mosquitto/test-auth.conf, whose
// max_packet_size TestShippedMosquittoConfigIsTheTestedOne holds equal to
// the production file's and to mqtt.MaxPacketSize) ends a connection that
// announces a packet over the bound.
func TestShippedMosquittoBoundsPacketSize(t *testing.T) {
	m := mqtttest.StartDynsecMosquitto(t)
	if !oversizedConnect(t, strings.TrimPrefix(m.URL, "tcp://")) {
		t.Error("mosquitto kept a connection that announced a 256 MB CONNECT")
	}
	s, err := connectAs(m.URL, "after-oversized", m.User, m.Pass)
	if err != nil {
		t.Fatalf("mosquitto no longer takes connections: %v", err)
	}
	s.cli.Disconnect(50)
}
