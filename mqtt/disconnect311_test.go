package mqtt_test

import (
	"bufio"
	"bytes"
	"context"
	"io"
	"net"
	"strings"
	"testing"
	"time"

	"cityhub/identity"
	"cityhub/internal/testutil"
	"cityhub/mobility"
	"cityhub/mobility/mobilitytest"
	"cityhub/mqtt"
	"cityhub/store/storetest"
)

// A station on MQTT 3.1.1 whose secret is rotated is cut off without a
// DISCONNECT from the broker: in 3.1.1 only a client sends one, and a
// strict station would read it as a protocol error.
func TestKickedStationOn311GetsNoDisconnect(t *testing.T) {
	db := storetest.OpenSQLite(t)
	svc := mobilitytest.NewService(db.Mobility(), nil)
	ctx := context.Background()
	b, err := mqtt.StartSecureBroker(mqtt.BrokerOptions{Addr: testutil.FreeAddr(t), MoveIfTaken: true, Root: "cityhub/v1", Stations: svc})
	if err != nil {
		t.Fatal(err)
	}
	defer b.Close()
	svc.SetBrokerAccounts(b)
	const id = "st-311"
	if _, err := svc.CreateStation(ctx, identity.System(), mobility.Station{ID: id, NameIT: id, Lat: 41.1, Lon: 14.7, Capacity: 4, Open: true}); err != nil {
		t.Fatal(err)
	}
	cred, err := svc.IssueStationCredential(ctx, admin, id)
	if err != nil {
		t.Fatal(err)
	}
	conn, err := net.DialTimeout("tcp", strings.TrimPrefix(b.URL(), "tcp://"), 5*time.Second)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	if _, err := conn.Write(connect311(mqtt.StationClientID(id), id, cred.Secret)); err != nil {
		t.Fatal(err)
	}
	_ = conn.SetReadDeadline(time.Now().Add(10 * time.Second))
	r := bufio.NewReader(conn)
	ack := make([]byte, 4)
	if _, err := io.ReadFull(r, ack); err != nil || !bytes.Equal(ack, []byte{0x20, 0x02, 0x00, 0x00}) {
		t.Fatalf("CONNACK % x, %v", ack, err)
	}
	if _, err := svc.RotateStationCredential(ctx, admin, id); err != nil {
		t.Fatal(err)
	}
	rest, err := io.ReadAll(r)
	if ne, ok := err.(net.Error); ok && ne.Timeout() {
		t.Fatal("the rotated station stays connected")
	}
	if len(rest) > 0 && rest[0] == 0xE0 {
		t.Fatalf("the broker sent a 3.1.1 station a DISCONNECT: % x", rest)
	}
}

// connect311 is an MQTT 3.1.1 CONNECT with a clean session, a username
// and a password.
func connect311(clientID, user, pass string) []byte {
	str := func(s string) []byte { return append([]byte{byte(len(s) >> 8), byte(len(s))}, s...) }
	body := append(str("MQTT"), 4, 0xC2, 0, 60)
	body = append(body, str(clientID)...)
	body = append(body, str(user)...)
	body = append(body, str(pass)...)
	return append([]byte{0x10, byte(len(body))}, body...)
}
