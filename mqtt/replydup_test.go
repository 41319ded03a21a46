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

// A copy of a reply the broker sends again (DUP), which no unlock waits
// for, raises nothing: its first delivery was a retained replay (dropped)
// or was judged already, and the broker may clear the retain flag on the
// copy. The same reply delivered live is judged as a late ok.
func TestDuplicateReplyRaisesNothing(t *testing.T) {
	reg := prometheus.NewRegistry()
	c, err := New(Options{URL: "tcp://127.0.0.1:1", Root: "cityhub/v1", InstanceID: "hub-a", Registry: reg})
	if err != nil {
		t.Fatal(err)
	}
	p, _ := mobility.EncodeReply(mobility.Reply{RequestID: "old-1", StationID: "st-1", Result: mobility.ReplyOK, TS: time.Now()})
	topic := Topics{Root: "cityhub/v1"}.Replies("st-1", "hub-a")
	c.onReply(nil, dupMessage{topic: topic, payload: p, dup: true})
	if got := testutil.ToFloat64(c.metrics.replies.WithLabelValues("duplicate")); got != 1 {
		t.Fatalf("duplicate replies counted %v, want 1", got)
	}
	if len(c.late) != 0 {
		t.Fatal("a copy sent again was queued as a late ok")
	}
	c.onReply(nil, dupMessage{topic: topic, payload: p})
	if len(c.late) != 1 {
		t.Fatal("the reply delivered live was not judged as a late ok")
	}
}
