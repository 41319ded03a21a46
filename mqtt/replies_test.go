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
	"cityhub/internal/testutil"
	"cityhub/mobility"
	"cityhub/mqtt"
	"cityhub/mqtt/mqtttest"
)

// A forged reply published on another station's reply topic, or one whose
// payload names the station asked while coming from another, is not the
// answer: the unlock waits for the station it asked (issue 9: a forged
// error reply made the rider see dock_fault while the station released the
// bike).
func TestReplyOnlyFromTheStationAsked(t *testing.T) {
	for _, b := range brokers(t) {
		t.Run(b.Name(), func(t *testing.T) {
			root := mqtttest.Root(t)
			c, reg := startClient(t, b.URL(), root, &sink{})
			topics := mqtt.Topics{Root: root}
			forger := publisher(t, b.URL())
			// The real station answers ok only after the forger has spoken.
			forged := make(chan struct{})
			station := publisher(t, b.URL())
			station.Subscribe(topics.Commands("st-real"), 1, func(cl paho.Client, m paho.Message) {
				cmd, err := mobility.DecodeCommand(m.Payload())
				if err != nil {
					t.Errorf("command: %v", err)
					return
				}
				if want := topics.Replies("st-real", c.InstanceID()); cmd.ReplyTo != want {
					t.Errorf("reply_to %q, want %q", cmd.ReplyTo, want)
				}
				for _, f := range []struct{ topic, station string }{
					{topics.Replies("st-evil", c.InstanceID()), "st-evil"},
					{topics.Replies("st-evil", c.InstanceID()), "st-real"},
				} {
					p, _ := mobility.EncodeReply(mobility.Reply{RequestID: cmd.RequestID, StationID: f.station, Result: mobility.ReplyError, Error: mobility.ErrCodeDockFault, TS: time.Now()})
					forger.Publish(f.topic, 1, false, p).Wait()
				}
				close(forged)
				go func() {
					// Wait until the hub has read both forgeries before the real answer.
					deadline := time.Now().Add(25 * time.Second)
					for mqtttest.Counter(t, reg, "cityhub_mqtt_command_results_total", "wrong_station") < 2 && time.Now().Before(deadline) {
						time.Sleep(10 * time.Millisecond)
					}
					p, _ := mobility.EncodeReply(mobility.Reply{RequestID: cmd.RequestID, StationID: "st-real", Result: mobility.ReplyOK, TS: time.Now()})
					cl.Publish(cmd.ReplyTo, 1, false, p)
				}()
			}).Wait()
			ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
			defer cancel()
			r, err := c.Unlock(ctx, mobility.UnlockCommand{RequestID: "r1", StationID: "st-real", Dock: 1, Deadline: time.Now().Add(30 * time.Second)})
			if err != nil || r.Result != mobility.ReplyOK || r.StationID != "st-real" {
				t.Fatalf("unlock answered by %+v, %v; want the real station's ok", r, err)
			}
			<-forged
			if n := mqtttest.Counter(t, reg, "cityhub_mqtt_command_results_total", "wrong_station"); n != 2 {
				t.Errorf("wrong_station = %v, want 2", n)
			}
		})
	}
}

// lateSink records the late confirmations the client reports.
type lateSink struct {
	sink
	mu    sync.Mutex
	late  []string
	calls int
}

func (s *lateSink) UnlockConfirmedLate(_ context.Context, c identity.Caller, station, requestID string, _ time.Time) (bool, error) {
	if !c.IsSystem() {
		return false, fmt.Errorf("late unlock reported as %q, not as the hub", c.AccountID)
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	s.calls++
	for _, l := range s.late {
		if l == station+"/"+requestID {
			return false, nil // a repeat: reported already
		}
	}
	s.late = append(s.late, station+"/"+requestID)
	return true, nil
}

func (s *lateSink) lates() []string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]string(nil), s.late...)
}

// An ok that arrives after the hub stopped waiting is a bike out without a
// ride: it reaches the sink (which raises an incident) and a metric, not
// only a log line.
func TestLateOKIsReported(t *testing.T) {
	b := mqtttest.StartEmbedded(t)
	root := mqtttest.Root(t)
	s := &lateSink{}
	c, reg := startClient(t, b.URL(), root, s)
	release := make(chan struct{})
	// again sends the late ok once more, as a station repeating itself does.
	again := make(chan func(), 1)
	station := publisher(t, b.URL())
	station.Subscribe(mqtt.Topics{Root: root}.Commands("st-slow"), 1, func(cl paho.Client, m paho.Message) {
		cmd, _ := mobility.DecodeCommand(m.Payload())
		go func() {
			<-release
			p, _ := mobility.EncodeReply(mobility.Reply{RequestID: cmd.RequestID, StationID: "st-slow", Result: mobility.ReplyOK, TS: time.Now()})
			cl.Publish(cmd.ReplyTo, 1, false, p)
			again <- func() { cl.Publish(cmd.ReplyTo, 1, false, p).Wait() }
		}()
	}).Wait()
	ctx, cancel := context.WithTimeout(context.Background(), 200*time.Millisecond)
	defer cancel()
	_, err := c.Unlock(ctx, mobility.UnlockCommand{RequestID: "late-1", StationID: "st-slow", Dock: 1, Deadline: time.Now().Add(200 * time.Millisecond)})
	if !errors.Is(err, context.DeadlineExceeded) {
		t.Fatalf("unlock: %v, want a timeout", err)
	}
	close(release)
	testutil.Eventually(t, 5*time.Second, "late ok reported", func() bool { return len(s.lates()) == 1 })
	if got := s.lates()[0]; got != "st-slow/late-1" {
		t.Errorf("late ok reported as %q", got)
	}
	if n := mqtttest.Counter(t, reg, "cityhub_mqtt_unlock_ok_after_deadline_total", ""); n != 1 {
		t.Errorf("late ok metric = %v", n)
	}
	// The same ok again: reported to the sink, which raises nothing new,
	// so the metric of bikes released without a ride stays at one.
	testutil.Receive(t, 5*time.Second, "the late ok sent", again)()
	testutil.Eventually(t, 5*time.Second, "the repeat reported", func() bool {
		s.mu.Lock()
		defer s.mu.Unlock()
		return s.calls == 2
	})
	if n := mqtttest.Counter(t, reg, "cityhub_mqtt_unlock_ok_after_deadline_total", ""); n != 1 || len(s.lates()) != 1 {
		t.Errorf("after a repeat: late ok metric = %v, reported %v", n, s.lates())
	}
}
