package simulator_test

import (
	"context"
	"strings"
	"testing"
	"time"

	paho "github.com/eclipse/paho.mqtt.golang"

	"cityhub/internal/testutil"
	"cityhub/mobility"
	"cityhub/mqtt/mqtttest"
	"cityhub/simulator"
)

// A simulator started where a hub left its bikes (the demo starting again)
// plays each station's bikes in the docks and with the charge given, and a
// bike given as out on a ride stays out of every dock until its ride ends
// as rides do, docking at a station with a free dock: a restart ended
// every ride, each bike put back in its home dock.
func TestStartsWithBikesWhereGivenAndRidesGoingOn(t *testing.T) {
	url, root := mqtttest.URL(), mqtttest.Root(t)
	tag := root[1:9]
	layout := simulator.Layout("rd"+tag, 2, 4)
	st := layout[0].ID
	layout[0].Bikes = []simulator.BikeSpec{{ID: "rd-e", Electric: true, Battery: 42, Dock: 3}}
	layout[1].Bikes = nil

	c := paho.NewClient(paho.NewClientOptions().AddBroker(url).SetClientID("simtest-rd-" + tag))
	if tok := c.Connect(); !tok.WaitTimeout(30*time.Second) || tok.Error() != nil {
		t.Fatal(tok.Error())
	}
	defer c.Disconnect(50)
	got := make(chan mobility.Telemetry, 64)
	if tok := c.Subscribe(root+"/stations/+/+", 1, func(_ paho.Client, m paho.Message) {
		parts := strings.Split(m.Topic(), "/")
		station, kind := parts[len(parts)-2], mobility.Kind(parts[len(parts)-1])
		if kind != mobility.KindStatus && kind != mobility.KindEvents {
			return
		}
		if tm, err := mobility.DecodeTelemetry(station, kind, m.Payload(), time.Now()); err == nil {
			got <- tm
		}
	}); !tok.WaitTimeout(30*time.Second) || tok.Error() != nil {
		t.Fatal(tok.Error())
	}

	sim := simulator.New(simulator.Config{URL: url, Root: root, Stations: layout, StatusEvery: time.Minute, Seed: 1,
		Riding:  []simulator.BikeSpec{{ID: "rd-out", Electric: true, Battery: 70}},
		RideMin: 300 * time.Millisecond, RideMax: 400 * time.Millisecond})
	if err := sim.Start(context.Background()); err != nil {
		t.Fatal(err)
	}
	defer sim.Close()
	t.Cleanup(func() { clearRetained(t, url, root, layout) })

	timeout := time.After(testutil.MinWait)
	sawFirst := false
	for {
		var tm mobility.Telemetry
		select {
		case tm = <-got:
		case <-timeout:
			t.Fatal("the bike out on a ride never docked")
		}
		if s := tm.Status; s != nil {
			for _, d := range s.Docks {
				if d.BikeID == "rd-out" {
					return // docked after its ride; its event came first
				}
				if tm.StationID == st && d.BikeID == "rd-e" {
					if d.Dock != 3 || d.Battery == nil || *d.Battery != 42 {
						t.Errorf("rd-e reported %+v, want dock 3 at 42%%", d)
					}
					sawFirst = true
				}
			}
			continue
		}
		if e := tm.Event; e != nil && e.Type == mobility.EventBikeDocked && e.BikeID == "rd-out" {
			if !sawFirst {
				t.Error("the bike out on a ride docked before the stations said where the others are")
			}
			if e.Battery == nil || *e.Battery > 70 {
				t.Errorf("rd-out docked with battery %v, want its own charge or less", e.Battery)
			}
			return
		}
	}
}
