package mqtt

import (
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/testutil"

	"cityhub/mobility"
)

// dupMessage is a reply as the broker delivers it.
type dupMessage struct {
	topic   string
	payload []byte
	dup     bool
}

func (m dupMessage) Duplicate() bool   { return m.dup }
func (m dupMessage) Qos() byte         { return 1 }
func (m dupMessage) Retained() bool    { return false }
func (m dupMessage) Topic() string     { return m.topic }
func (m dupMessage) MessageID() uint16 { return 7 }
func (m dupMessage) Payload() []byte   { return m.payload }
func (m dupMessage) Ack()              {}

// A reply the broker sends with DUP set, which no unlock waits for, is
// judged as a late ok like the same reply delivered without it: with a
// persistent session the broker resends a reply the hub never read (its
// connection dropped before it acknowledged it) with DUP set, and dropping
// it left a bike out without a ride and without an incident.
func TestDuplicateReplyIsJudged(t *testing.T) {
	reg := prometheus.NewRegistry()
	c, err := New(Options{URL: "tcp://127.0.0.1:1", Root: "cityhub/v1", InstanceID: "hub-a", Registry: reg})
	if err != nil {
		t.Fatal(err)
	}
	p, _ := mobility.EncodeReply(mobility.Reply{RequestID: "old-1", StationID: "st-1", Result: mobility.ReplyOK, TS: time.Now()})
	topic := Topics{Root: "cityhub/v1"}.Replies("st-1", "hub-a")
	c.onReply(nil, dupMessage{topic: topic, payload: p, dup: true})
	if len(c.late) != 1 {
		t.Fatal("a reply carrying DUP, never delivered before, was not judged as a late ok")
	}
	if l := <-c.late; l.station != "st-1" || l.requestID != "old-1" {
		t.Errorf("judged %+v, want st-1/old-1", l)
	}
	if got := testutil.ToFloat64(c.metrics.replies.WithLabelValues("unmatched")); got != 1 {
		t.Errorf("unmatched replies counted %v, want 1", got)
	}
	// Again, as the broker may send it once more: judged again (the
	// sink reports a repeat as such, and raises nothing twice).
	c.onReply(nil, dupMessage{topic: topic, payload: p, dup: true})
	if len(c.late) != 1 {
		t.Fatal("the reply sent once more was not judged")
	}
}
