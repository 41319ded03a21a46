package simulator_test

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"testing"
	"time"

	paho "github.com/eclipse/paho.mqtt.golang"

	"cityhub/internal/testutil"
	"cityhub/mobility"
	"cityhub/mqtt/mqtttest"
	"cityhub/simulator"
)

// docs/mqtt.md: a station publishes a retained "false" on its online topic
// before a clean shutdown (no will is sent then). The simulator used to
// leave its retained "true" behind, so a hub starting later saw a stopped
// station online.
func TestCleanStopLeavesStationsOffline(t *testing.T) {
	url, root := mqtttest.URL(), mqtttest.Root(t)
	layout := simulator.Layout("sim", 2, 4)
	sim := simulator.New(simulator.Config{URL: url, Root: root, Stations: layout, StatusEvery: time.Minute, Seed: 1})
	if err := sim.Start(context.Background()); err != nil {
		t.Fatal(err)
	}
	sim.Close()
	wantOffline(t, url, root, layout)
}

// endedContext has ended (Err) without its Done channel saying so yet: the
// moment after Start's waits chose the stations' readiness over a context
// that was cancelled meanwhile.
type endedContext struct{ context.Context }

func (endedContext) Err() error { return context.Canceled }

// A Start whose context ended while its stations connected does not start:
// it fails with the context's error and stops the stations it connected
// cleanly, each leaving a retained "false" (cityhub simulate and the demo
// take that failure for a clean stop).
func TestStartWhoseContextEndedStopsItsStations(t *testing.T) {
	url, root := mqtttest.URL(), mqtttest.Root(t)
	layout := simulator.Layout("ended", 2, 4)
	sim := simulator.New(simulator.Config{URL: url, Root: root, Stations: layout, StatusEvery: time.Minute, Seed: 1})
	t.Cleanup(sim.Close)
	if err := sim.Start(endedContext{context.Background()}); !errors.Is(err, context.Canceled) {
		t.Fatalf("Start with an ended context: %v, want context.Canceled", err)
	}
	wantOffline(t, url, root, layout)
}

// wantOffline asserts that every station of layout retains "false" on its
// online topic under root, and clears what they retained when t ends.
func wantOffline(t *testing.T, url, root string, layout []simulator.StationSpec) {
	t.Helper()
	got := make(chan string, 2*len(layout))
	c := paho.NewClient(paho.NewClientOptions().AddBroker(url).SetClientID("simtest-" + root[:10]))
	if tok := c.Connect(); !tok.WaitTimeout(30*time.Second) || tok.Error() != nil {
		t.Fatal(tok.Error())
	}
	defer c.Disconnect(50)
	t.Cleanup(func() { clearRetained(t, url, root, layout) })
	c.Subscribe(root+"/stations/+/online", 1, func(_ paho.Client, m paho.Message) { got <- m.Topic() + "=" + string(m.Payload()) }).Wait()
	seen := map[string]bool{}
	timeout := time.After(testutil.MinWait)
	for len(seen) < len(layout) {
		select {
		case m := <-got:
			seen[m] = true
		case <-timeout:
			t.Fatalf("retained online flags after a clean stop: %v", seen)
		}
	}
	for _, st := range layout {
		if !seen[root+"/stations/"+st.ID+"/online=false"] {
			t.Errorf("station %s: retained online flags %v, want false", st.ID, seen)
		}
	}
}

// docs/mqtt.md: a station ignores a command whose reply_to is outside its
// own prefix {root}/stations/{station}/replies/; it is not from a hub. The
// simulator used to answer (and unlock) whatever the topic.
func TestForeignReplyToIgnored(t *testing.T) {
	url, root := mqtttest.URL(), mqtttest.Root(t)
	tag := root[1:9] // unique: station client ids are global on the broker
	layout := simulator.Layout("rt"+tag, 2, 6)
	st, other := layout[0].ID, layout[1].ID
	sim := simulator.New(simulator.Config{URL: url, Root: root, Stations: layout, StatusEvery: time.Minute, Seed: 1})
	if err := sim.Start(context.Background()); err != nil {
		t.Fatal(err)
	}
	defer sim.Close()
	t.Cleanup(func() { clearRetained(t, url, root, layout) })

	c := paho.NewClient(paho.NewClientOptions().AddBroker(url).SetClientID("simtest-rt-" + tag))
	if tok := c.Connect(); !tok.WaitTimeout(30*time.Second) || tok.Error() != nil {
		t.Fatal(tok.Error())
	}
	defer c.Disconnect(50)
	replies := make(chan string, 16)
	// Everything under the root but the stations' telemetry.
	if tok := c.Subscribe(root+"/#", 1, func(_ paho.Client, m paho.Message) {
		switch {
		case strings.HasSuffix(m.Topic(), "/status"), strings.HasSuffix(m.Topic(), "/online"),
			strings.HasSuffix(m.Topic(), "/events"), strings.HasSuffix(m.Topic(), "/commands"):
			return
		}
		replies <- m.Topic()
	}); !tok.WaitTimeout(30*time.Second) || tok.Error() != nil {
		t.Fatal(tok.Error())
	}
	unlock := func(id string, dock int, replyTo string) {
		t.Helper()
		p, err := mobility.EncodeUnlock(mobility.UnlockCommand{RequestID: id, StationID: st, Dock: dock,
			BikeID: sim.BikesAt(st)[dock], Deadline: time.Now().Add(10 * time.Second), ReplyTo: replyTo}, time.Now())
		if err != nil {
			t.Fatal(err)
		}
		if tok := c.Publish(root+"/stations/"+st+"/commands", 1, false, p); !tok.WaitTimeout(30*time.Second) || tok.Error() != nil {
			t.Fatal(tok.Error())
		}
	}

	bike := sim.BikesAt(st)[1]
	for i, replyTo := range []string{
		root + "/stations/" + other + "/replies/hub-a", // another station's
		root + "/stations/" + st + "x/replies/hub-a",   // a station whose id starts with this one's
		root + "/stations/" + st + "/replies/",         // no instance
		root + "/replies/hub-a",                        // the old, shared reply topic
		"elsewhere/" + st + "/replies/hub-a",
	} {
		unlock(fmt.Sprintf("cmd_foreign_%d", i), 1, replyTo)
	}
	// The station has read all five (and answered none) before a command it
	// must answer; commands are handled concurrently, so it is waited for.
	testutil.Eventually(t, 5*time.Second, "the five foreign commands ignored", func() bool { return sim.ForeignCommands() == 5 })
	own := root + "/stations/" + st + "/replies/hub-a"
	unlock("cmd_own", 2, own)
	select {
	case got := <-replies:
		if got != own {
			t.Fatalf("a reply on %s, want only %s", got, own)
		}
	case <-time.After(5 * time.Second):
		t.Fatal("no reply to a command with the station's own reply_to")
	}
	// Every foreign command was handled (and returned) before the own one
	// was sent, so a reply to one would already be here.
	select {
	case got := <-replies:
		t.Fatalf("a reply on %s", got)
	default:
	}
	if got := sim.BikesAt(st)[1]; got != bike {
		t.Errorf("dock 1 holds %q, want %s: a foreign command released it", got, bike)
	}
	if n := sim.Unlocks(); n != 1 {
		t.Errorf("%d unlocks taken, want 1", n)
	}
}

// docs/mqtt.md: a station must not execute a command whose deadline has
// passed, however it got delayed, and checks again right before the lock
// opens: it answers error "deadline" and the bike stays. (The hub has
// stopped waiting by then, so a bike released would be out with no ride.)
func TestExpiredCommandNotExecuted(t *testing.T) {
	url, root := mqtttest.URL(), mqtttest.Root(t)
	tag := root[1:9]                           // unique: station client ids are global on the broker
	layout := simulator.Layout("dl"+tag, 1, 6) // bikes in docks 1 to 4
	st := layout[0].ID
	sim := simulator.New(simulator.Config{URL: url, Root: root, Stations: layout, StatusEvery: time.Minute, Seed: 1})
	if err := sim.Start(context.Background()); err != nil {
		t.Fatal(err)
	}
	defer sim.Close()
	t.Cleanup(func() { clearRetained(t, url, root, layout) })

	c := paho.NewClient(paho.NewClientOptions().AddBroker(url).SetClientID("simtest-dl-" + tag))
	if tok := c.Connect(); !tok.WaitTimeout(30*time.Second) || tok.Error() != nil {
		t.Fatal(tok.Error())
	}
	defer c.Disconnect(50)
	replyTo := root + "/stations/" + st + "/replies/hub-a"
	replies := make(chan mobility.Reply, 8)
	if tok := c.Subscribe(replyTo, 1, func(_ paho.Client, m paho.Message) {
		r, err := mobility.DecodeReply(m.Payload())
		if err != nil {
			t.Errorf("reply: %v", err)
			return
		}
		replies <- r
	}); !tok.WaitTimeout(30*time.Second) || tok.Error() != nil {
		t.Fatal(tok.Error())
	}
	bikes := sim.BikesAt(st)
	send := func(id string, dock int, deadline time.Time) {
		t.Helper()
		p, err := mobility.EncodeUnlock(mobility.UnlockCommand{RequestID: id, StationID: st, Dock: dock,
			BikeID: bikes[dock], Deadline: deadline, ReplyTo: replyTo}, time.Now())
		if err != nil {
			t.Fatal(err)
		}
		if tok := c.Publish(root+"/stations/"+st+"/commands", 1, false, p); !tok.WaitTimeout(30*time.Second) || tok.Error() != nil {
			t.Fatal(tok.Error())
		}
	}
	unlock := func(id string, dock int, deadline time.Time) mobility.Reply {
		t.Helper()
		send(id, dock, deadline)
		select {
		case r := <-replies:
			if r.RequestID != id {
				t.Fatalf("reply to %s, want %s", r.RequestID, id)
			}
			return r
		case <-time.After(5 * time.Second):
			t.Fatalf("no reply to %s", id)
		}
		return mobility.Reply{}
	}

	// Arrived after its deadline (queued at the broker, say).
	if r := unlock("cmd_expired", 1, time.Now().Add(-time.Second)); r.Result != mobility.ReplyError || r.Error != mobility.ErrCodeDeadline {
		t.Errorf("expired command answered %+v, want error deadline", r)
	}
	// In time on arrival, but the deadline passes while the lock is being
	// opened.
	sim.SetBehaviour(0, 0, 300*time.Millisecond)
	if r := unlock("cmd_expires_meanwhile", 2, time.Now().Add(50*time.Millisecond)); r.Result != mobility.ReplyError || r.Error != mobility.ErrCodeDeadline {
		t.Errorf("command that expired while opening answered %+v, want error deadline", r)
	}
	if got := sim.BikesAt(st); got[1] != bikes[1] || got[2] != bikes[2] {
		t.Fatalf("docks hold %v, want %v: an expired command released a bike", got, bikes)
	}
	// A command in time is executed.
	sim.SetBehaviour(0, 0, 0)
	if r := unlock("cmd_in_time", 3, time.Now().Add(10*time.Second)); r.Result != mobility.ReplyOK {
		t.Errorf("command in time answered %+v, want ok", r)
	}
	if got := sim.BikesAt(st); got[3] != "" {
		t.Errorf("dock 3 still holds %q after an ok", got[3])
	}
	// The same command twice while the lock opens (a redelivery, or the
	// rider's retry): carried out once, and both copies get its answer.
	sim.SetBehaviour(0, 0, 300*time.Millisecond)
	send("cmd_twice", 4, time.Now().Add(10*time.Second))
	if r := unlock("cmd_twice", 4, time.Now().Add(10*time.Second)); r.Result != mobility.ReplyOK {
		t.Errorf("the first answer to a repeated command: %+v, want ok", r)
	}
	select {
	case r := <-replies:
		if r.RequestID != "cmd_twice" || r.Result != mobility.ReplyOK {
			t.Errorf("the second answer to a repeated command: %+v, want ok again", r)
		}
	case <-time.After(5 * time.Second):
		t.Fatal("no second answer to a repeated command")
	}
	if n := sim.Unlocks(); n != 4 {
		t.Errorf("%d commands carried out, want 4 (the repeat is not one)", n)
	}
}

// clearRetained clears what the stations retained under root.
func clearRetained(t *testing.T, url, root string, layout []simulator.StationSpec) {
	c := paho.NewClient(paho.NewClientOptions().AddBroker(url).SetClientID("simtest-clear-" + root[1:13]))
	if tok := c.Connect(); !tok.WaitTimeout(30*time.Second) || tok.Error() != nil {
		t.Log(tok.Error())
		return
	}
	defer c.Disconnect(50)
	for _, st := range layout {
		for _, kind := range []string{"online", "status"} {
			c.Publish(root+"/stations/"+st.ID+"/"+kind, 1, true, []byte{}).Wait()
		}
	}
}
