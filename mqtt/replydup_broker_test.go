package mqtt_test

import (
	"fmt"
	"testing"
	"time"

	paho "github.com/eclipse/paho.mqtt.golang"

	"cityhub/internal/testutil"
	"cityhub/mobility"
	"cityhub/mqtt"
	"cityhub/mqtt/mqtttest"
)

// A hub with a persistent session (CITYHUB_INSTANCE_ID) whose connection
// dropped after the broker sent it a station's late ok, before the hub read
// and acknowledged it, gets the ok again at its next connection, with the
// DUP flag set (MQTT 3.1.1 §4.4). That ok was never judged: it is judged as
// any late ok and reaches the sink, which raises "bike released without a
// ride", where it was counted as a duplicate and dropped.
func TestResentLateOKIsJudged(t *testing.T) {
	for _, b := range brokers(t) {
		t.Run(b.Name(), func(t *testing.T) {
			root := mqtttest.Root(t)
			instance := fmt.Sprintf("dup-%d", time.Now().UnixNano())
			topics := mqtt.Topics{Root: root}
			// The hub's session, held by a connection that takes the reply
			// and never acknowledges it: the hub that lost its connection
			// before it read the reply.
			take := func(why string) paho.Message {
				t.Helper()
				got := make(chan paho.Message, 4)
				cl := paho.NewClient(paho.NewClientOptions().AddBroker(b.URL()).SetClientID("cityhub-" + instance).
					SetCleanSession(false).SetAutoAckDisabled(true).SetOrderMatters(true))
				cl.AddRoute(topics.RepliesFilter(instance), func(_ paho.Client, m paho.Message) { got <- m })
				if tok := cl.Connect(); !tok.WaitTimeout(10*time.Second) || tok.Error() != nil {
					t.Fatalf("connect as the hub: %v", tok.Error())
				}
				defer cl.Disconnect(100)
				if tok := cl.Subscribe(topics.RepliesFilter(instance), 1, nil); !tok.WaitTimeout(10*time.Second) || tok.Error() != nil {
					t.Fatalf("subscribe as the hub: %v", tok.Error())
				}
				if why == "the ok" {
					p, _ := mobility.EncodeReply(mobility.Reply{RequestID: "req-dup-1", StationID: "st-1", Result: mobility.ReplyOK, TS: time.Now()})
					if tok := publisher(t, b.URL()).Publish(topics.Replies("st-1", instance), 1, false, p); !tok.WaitTimeout(10*time.Second) || tok.Error() != nil {
						t.Fatalf("station's ok: %v", tok.Error())
					}
				}
				return testutil.Receive(t, 10*time.Second, why, got)
			}
			t.Cleanup(func() {
				cl := paho.NewClient(paho.NewClientOptions().AddBroker(b.URL()).SetClientID("cityhub-" + instance).SetCleanSession(true))
				if tok := cl.Connect(); tok.WaitTimeout(10*time.Second) && tok.Error() == nil {
					cl.Disconnect(50)
				}
			})
			if m := take("the ok"); m.Duplicate() {
				t.Fatal("the first delivery of the ok carries DUP")
			}
			// The broker sends it again, marked DUP, to the same session.
			if m := take("the ok sent again"); !m.Duplicate() {
				t.Fatal("the broker sent the unacknowledged ok again without DUP")
			}

			s := &lateSink{}
			_, reg := startClientWith(t, mqtt.Options{URL: b.URL(), Root: root, InstanceID: instance, MaxBackoff: time.Second}, s)
			testutil.Eventually(t, 10*time.Second, "the resent ok judged", func() bool { return len(s.lates()) == 1 })
			if got := s.lates(); len(got) != 1 || got[0] != "st-1/req-dup-1" {
				t.Fatalf("late oks reported %q, want st-1/req-dup-1", got)
			}
			if n := mqtttest.Counter(t, reg, "cityhub_mqtt_unlock_ok_after_deadline_total", ""); n != 1 {
				t.Errorf("late ok metric = %v, want 1", n)
			}
		})
	}
}
