package simulator_test

import (
	"context"
	"testing"
	"time"

	paho "github.com/eclipse/paho.mqtt.golang"

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

	got := make(chan string, 2*len(layout))
	c := paho.NewClient(paho.NewClientOptions().AddBroker(url).SetClientID("simtest-" + root[:10]))
	if tok := c.Connect(); !tok.WaitTimeout(5*time.Second) || tok.Error() != nil {
		t.Fatal(tok.Error())
	}
	defer c.Disconnect(50)
	t.Cleanup(func() { // clear what the stations retained
		for _, st := range layout {
			for _, kind := range []string{"online", "status"} {
				c.Publish(root+"/stations/"+st.ID+"/"+kind, 1, true, []byte{}).Wait()
			}
		}
	})
	c.Subscribe(root+"/stations/+/online", 1, func(_ paho.Client, m paho.Message) { got <- m.Topic() + "=" + string(m.Payload()) }).Wait()
	seen := map[string]bool{}
	timeout := time.After(5 * time.Second)
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
