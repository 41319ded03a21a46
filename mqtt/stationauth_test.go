package mqtt_test

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"testing"
	"time"

	paho "github.com/eclipse/paho.mqtt.golang"

	"cityhub/identity"
	"cityhub/ids"
	"cityhub/internal/testutil"
	"cityhub/mobility"
	"cityhub/mobility/mobilitytest"
	"cityhub/mqtt"
	"cityhub/mqtt/mqtttest"
	"cityhub/store/storetest"
)

var admin = identity.Caller{AccountID: "acc_admin", Grants: []identity.Grant{{Role: identity.RoleAdmin}}}

// securedBroker is a broker that enforces station credentials, with the
// hub's account on it and the hub's way of telling it about stations.
type securedBroker struct {
	name              string
	url, user, pass   string
	accounts          mobility.BrokerAccounts
	stationsAreUnique bool
}

// securedBrokers are the embedded broker (backed by svc's store) and the
// authenticated Mosquitto (driven through its dynamic-security plugin).
func securedBrokers(t *testing.T, root string, svc *mobility.Service) []func(t *testing.T) securedBroker {
	return []func(t *testing.T) securedBroker{
		func(t *testing.T) securedBroker {
			b, err := mqtt.StartSecureBroker(mqtt.BrokerOptions{Addr: testutil.FreeAddr(t), MoveIfTaken: true, Root: root, Stations: svc})
			if err != nil {
				t.Fatal(err)
			}
			t.Cleanup(func() { b.Close() })
			user, pass := b.HubCredentials()
			return securedBroker{name: "embedded", url: b.URL(), user: user, pass: pass, accounts: b}
		},
		func(t *testing.T) securedBroker {
			url, user, pass := mqtttest.AuthURL(t)
			d, err := mqtt.StartDynsec(context.Background(), mqtt.DynsecOptions{URL: url, Username: user, Password: pass, Root: root})
			if err != nil {
				t.Fatal(err)
			}
			t.Cleanup(d.Close)
			return securedBroker{name: "mosquitto-dynsec", url: url, user: user, pass: pass, accounts: d}
		},
	}
}

// station is a device client logged in as user.
type station struct {
	cli  paho.Client
	lost chan struct{}
	mu   sync.Mutex
	cmds []string // request ids of commands received
}

func connectStation(url, user, secret string) (*station, error) {
	return connectAs(url, mqtt.StationClientID(user), user, secret)
}

func connectAs(url, clientID, user, secret string) (*station, error) {
	s := &station{lost: make(chan struct{}, 1)}
	o := paho.NewClientOptions().AddBroker(url).SetClientID(clientID).
		SetUsername(user).SetPassword(secret).SetAutoReconnect(false).SetConnectTimeout(5 * time.Second).
		SetConnectionLostHandler(func(paho.Client, error) {
			select {
			case s.lost <- struct{}{}:
			default:
			}
		})
	s.cli = paho.NewClient(o)
	tok := s.cli.Connect()
	if !tok.WaitTimeout(30 * time.Second) {
		return nil, errors.New("connect timed out")
	}
	return s, tok.Error()
}

// subscribe returns the granted QoS (0x80: refused).
func (s *station) subscribe(t *testing.T, topic string, answerAs string) byte {
	t.Helper()
	tok := s.cli.Subscribe(topic, 1, func(c paho.Client, m paho.Message) {
		cmd, err := mobility.DecodeCommand(m.Payload())
		if err != nil {
			t.Errorf("command: %v", err)
			return
		}
		s.mu.Lock()
		s.cmds = append(s.cmds, cmd.RequestID)
		s.mu.Unlock()
		if answerAs != "" {
			p, _ := mobility.EncodeReply(mobility.Reply{RequestID: cmd.RequestID, StationID: answerAs, Result: mobility.ReplyOK, TS: time.Now()})
			go c.Publish(cmd.ReplyTo, 1, false, p)
		}
	})
	if !tok.WaitTimeout(30*time.Second) || tok.Error() != nil {
		t.Fatalf("subscribe %s: %v", topic, tok.Error())
	}
	return tok.(*paho.SubscribeToken).Result()[topic]
}

func (s *station) commands() []string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]string(nil), s.cmds...)
}

// The broker decides who may publish what (issue 9, item 1): anonymous and
// wrong-secret clients are refused at CONNECT; a station publishing as
// another station, publishing a command (to another station or to itself),
// or subscribing to another's commands is refused by the broker itself;
// revocation disconnects and rotation leaves only the new secret valid. Run against the embedded
// broker and against Mosquitto with the configuration scripts/services
// starts (deploy/mosquitto/test-auth.conf).
func TestBrokerEnforcesStationCredentials(t *testing.T) {
	root := mqtttest.Root(t)
	db := storetest.OpenSQLite(t)
	svc := mobilitytest.NewService(db.Mobility(), nil)
	ctx := context.Background()
	for _, start := range securedBrokers(t, root, svc) {
		b := start(t)
		t.Run(b.name, func(t *testing.T) {
			svc.SetBrokerAccounts(b.accounts)
			// Station ids are broker usernames: unique per run on a shared broker.
			tag := ids.Token(8)[:8]
			a, bb := "sa-"+tag, "sb-"+tag
			secrets := map[string]string{}
			for _, id := range []string{a, bb} {
				if _, err := svc.CreateStation(ctx, identity.System(), mobility.Station{ID: id, NameIT: id, NameEN: id, Lat: 41.1, Lon: 14.7, Capacity: 4, Open: true}); err != nil {
					t.Fatal(err)
				}
				c, err := svc.IssueStationCredential(ctx, admin, id)
				if err != nil {
					t.Fatal(err)
				}
				secrets[id] = c.Secret
				t.Cleanup(func() { _ = svc.DeleteStation(ctx, identity.System(), id) })
			}
			topics := mqtt.Topics{Root: root}

			if _, err := connectStation(b.url, "", ""); err == nil {
				t.Error("an anonymous client was let in")
			}
			if _, err := connectStation(b.url, a, secrets[bb]); err == nil {
				t.Error("a station was let in with another station's secret")
			}
			if _, err := connectStation(b.url, "nobody", secrets[a]); err == nil {
				t.Error("an unknown username was let in")
			}
			if _, err := connectAs(b.url, mqtt.StationClientID(bb), a, secrets[a]); err == nil {
				t.Error("a station was let in under another station's client id (it would take over its session)")
			}

			s := &sink{}
			hub, err := mqtt.New(mqtt.Options{URL: b.url, Username: b.user, Password: b.pass, Root: root, MaxBackoff: time.Second})
			if err != nil {
				t.Fatal(err)
			}
			if err := hub.Start(ctx, s); err != nil {
				t.Fatal(err)
			}
			defer hub.Close()
			testutil.Eventually(t, 5*time.Second, "hub connected", hub.Connected)

			sa, err := connectStation(b.url, a, secrets[a])
			if err != nil {
				t.Fatalf("station %s with its own secret: %v", a, err)
			}
			defer sa.cli.Disconnect(50)
			sb, err := connectStation(b.url, bb, secrets[bb])
			if err != nil {
				t.Fatalf("station %s with its own secret: %v", bb, err)
			}
			if got := sb.subscribe(t, topics.Commands(bb), bb); got != 1 {
				t.Fatalf("station %s may not read its own commands: granted %#x", bb, got)
			}
			if got := sa.subscribe(t, topics.Commands(bb), ""); got != 0x80 {
				t.Errorf("station %s subscribed to %s's commands: granted %#x", a, bb, got)
			}
			if got := sa.subscribe(t, topics.Root+"/stations/+/status", ""); got != 0x80 {
				t.Errorf("station %s subscribed to every status: granted %#x", a, got)
			}

			// Forgeries by a (QoS 0: refused silently), then a's own status:
			// messages of one connection are handled in order, so once the
			// hub has a's status, any forgery would have arrived before it.
			sa.cli.Publish(topics.Station(bb, mobility.KindStatus), 0, false, status(bb, time.Now(), "forged-bike"))
			unlock, _ := mobility.EncodeUnlock(mobility.UnlockCommand{RequestID: "forged-cmd", StationID: bb, Dock: 1, Deadline: time.Now().Add(time.Minute),
				ReplyTo: topics.Replies(bb, "x")}, time.Now())
			sa.cli.Publish(topics.Commands(bb), 0, false, unlock)
			if tok := sa.cli.Publish(topics.Station(a, mobility.KindStatus), 1, false, status(a, time.Now(), "own-bike")); !tok.WaitTimeout(30*time.Second) || tok.Error() != nil {
				t.Fatalf("own status: %v", tok.Error())
			}
			testutil.Eventually(t, 5*time.Second, "a's own status reaches the hub", func() bool {
				return s.count(func(m mobility.Telemetry) bool { return m.StationID == a && m.Status != nil }) == 1
			})
			// Nor may b command itself: a command b publishes on its own
			// commands topic is refused (subscribed there, b would receive it
			// before the hub's). Its online flag after it, on the same
			// connection, says when the broker has handled the forgery.
			self, _ := mobility.EncodeUnlock(mobility.UnlockCommand{RequestID: "self-cmd", StationID: bb, Dock: 1, Deadline: time.Now().Add(time.Minute),
				ReplyTo: topics.Replies(bb, "x")}, time.Now())
			sb.cli.Publish(topics.Commands(bb), 0, false, self)
			if tok := sb.cli.Publish(topics.Station(bb, mobility.KindOnline), 1, false, []byte("true")); !tok.WaitTimeout(30*time.Second) || tok.Error() != nil {
				t.Fatalf("own online flag: %v", tok.Error())
			}
			testutil.Eventually(t, 5*time.Second, "b's own online flag reaches the hub", func() bool {
				return s.count(func(m mobility.Telemetry) bool { return m.StationID == bb && m.Online != nil }) == 1
			})
			// The hub may command b, and b's reply under its own prefix counts.
			uctx, cancel := context.WithTimeout(ctx, 30*time.Second)
			defer cancel()
			r, err := hub.Unlock(uctx, mobility.UnlockCommand{RequestID: "real-cmd", StationID: bb, Dock: 1, Deadline: time.Now().Add(30 * time.Second)})
			if err != nil || r.Result != mobility.ReplyOK {
				t.Fatalf("hub unlock through the secured broker: %+v %v", r, err)
			}
			if got := sb.commands(); fmt.Sprint(got) != "[real-cmd]" {
				t.Errorf("station %s received commands %v, want only the hub's", bb, got)
			}
			if n := s.count(func(m mobility.Telemetry) bool {
				return m.StationID == bb && m.Status != nil
			}); n != 0 {
				t.Errorf("a status published by %s as %s reached the hub", a, bb)
			}

			// Revocation disconnects, and the secret no longer opens.
			if _, err := svc.RevokeStationCredential(ctx, admin, a); err != nil {
				t.Fatal(err)
			}
			select {
			case <-sa.lost:
			case <-time.After(5 * time.Second):
				t.Error("a revoked station stays connected")
			}
			if _, err := connectStation(b.url, a, secrets[a]); err == nil {
				t.Error("a revoked secret still opens")
			}
			// Rotation: the old secret stops working, the new one works.
			rotated, err := svc.RotateStationCredential(ctx, admin, bb)
			if err != nil {
				t.Fatal(err)
			}
			select {
			case <-sb.lost:
			case <-time.After(5 * time.Second):
				t.Error("a station connected with a rotated secret stays connected")
			}
			if _, err := connectStation(b.url, bb, secrets[bb]); err == nil {
				t.Error("the secret before the rotation still opens")
			}
			again, err := connectStation(b.url, bb, rotated.Secret)
			if err != nil {
				t.Fatalf("the rotated secret: %v", err)
			}
			again.cli.Disconnect(50)
		})
	}
}

// The embedded broker never runs open to a network (issue 9, item 7).
func TestOpenBrokerOnlyOnLoopback(t *testing.T) {
	for _, addr := range []string{"0.0.0.0:0", ":0", "[::]:0"} {
		if b, err := mqtt.StartBroker(addr, nil); err == nil {
			b.Close()
			t.Errorf("an open broker listened on %s", addr)
		}
	}
	b, err := mqtt.StartBroker("127.0.0.1:0", nil)
	if err != nil {
		t.Fatalf("open broker on loopback: %v", err)
	}
	b.Close()
}
