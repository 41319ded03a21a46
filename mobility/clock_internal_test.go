package mobility

import (
	"encoding/json"
	"testing"
	"time"
)

// The clock's estimate follows the least delay of the last two windows:
// it falls at once, rises only when a whole window has passed without the
// smaller delay, and keeps the last window with messages across a silence.
func TestStationClockLearnsTheLeastDelay(t *testing.T) {
	t0 := time.Date(2026, 12, 5, 9, 0, 0, 0, time.UTC)
	var c StationClock
	if c.Known() || c.Lag() != 0 {
		t.Fatalf("a new clock: %+v, lag %s", c, c.Lag())
	}
	ts := t0.Add(-time.Hour)
	if got := c.HubTime(ts, t0); !got.Equal(ts) {
		t.Fatalf("unknown clock: a report stamped %s taken at %s", ts, got)
	}
	steps := []struct {
		at    time.Duration // after t0
		delay time.Duration
		lag   time.Duration // after the step
	}{
		{0, 5 * time.Minute, 5 * time.Minute},
		{time.Minute, 5*time.Minute + 300*time.Millisecond, 5 * time.Minute}, // a slower message
		{2 * time.Minute, 4 * time.Minute, 4 * time.Minute},                  // the least falls at once
		// A new window: its first message is late, the last window still counts.
		{11 * time.Minute, 30 * time.Minute, 4 * time.Minute},
		{12 * time.Minute, 4*time.Minute + time.Second, 4 * time.Minute},
		// The clock was set one minute back: learnt once the window of the
		// old least has passed.
		{21 * time.Minute, 5 * time.Minute, 4*time.Minute + time.Second},
		{32 * time.Minute, 5 * time.Minute, 5 * time.Minute},
		// Two hours of silence, then a backlog of reports queued meanwhile:
		// the window before the silence is still the previous one.
		{152 * time.Minute, 2 * time.Hour, 5 * time.Minute},
		// Set right by NTP, a little ahead: the least falls at once.
		{153 * time.Minute, -3 * time.Second, -3 * time.Second},
		// A replica whose clock is a minute behind the one that opened the
		// window adds to it instead of opening another.
		{151 * time.Minute, 10 * time.Second, -3 * time.Second},
	}
	for i, s := range steps {
		c.observe(s.delay, t0.Add(s.at))
		if got := c.Lag(); got != s.lag {
			t.Fatalf("step %d (+%s, delay %s): lag %s, want %s (%+v)", i, s.at, s.delay, got, s.lag, c)
		}
	}
	if c.observe(time.Hour, t0.Add(153*time.Minute)) {
		t.Fatalf("a larger delay in the same window changed the clock: %+v", c)
	}
	if c.Previous != 5*time.Minute || c.WindowAt != t0.Add(152*time.Minute) {
		t.Fatalf("windows %+v", c)
	}
}

// HubTime moves a stamp by the lag and never past the message's receipt;
// a lag within clockSlack moves nothing, and a message whose own delay is
// well below the lag (the clock was set forward since) is taken at its
// stamp.
func TestStationClockHubTime(t *testing.T) {
	t0 := time.Date(2026, 12, 5, 9, 0, 0, 0, time.UTC)
	c := StationClock{WindowAt: t0, Least: 5 * time.Minute, Previous: 6 * time.Minute}
	if got := c.HubTime(t0, t0.Add(time.Hour)); !got.Equal(t0.Add(5 * time.Minute)) {
		t.Errorf("behind: %s", got)
	}
	if got := c.HubTime(t0, t0.Add(5*time.Minute-time.Second)); !got.Equal(t0.Add(5*time.Minute - time.Second)) {
		t.Errorf("a delay a little below the lag: %s", got)
	}
	if got := c.HubTime(t0, t0.Add(time.Minute)); !got.Equal(t0) {
		t.Errorf("set forward since: %s", got)
	}
	quick := StationClock{WindowAt: t0, Least: 1500 * time.Millisecond, Previous: 1500 * time.Millisecond}
	if got := quick.HubTime(t0, t0.Add(time.Minute)); !got.Equal(t0) {
		t.Errorf("a lag within the slack: %s", got)
	}
	if got := quick.HubTime(t0.Add(time.Second), t0.Add(100*time.Millisecond)); !got.Equal(t0.Add(100 * time.Millisecond)) {
		t.Errorf("a stamp ahead of its receipt: %s", got)
	}
	if got := c.HubTime(t0, time.Time{}); !got.Equal(t0.Add(5 * time.Minute)) {
		t.Errorf("receipt unknown: %s", got)
	}
	if got := c.HubTime(time.Time{}, t0); !got.IsZero() {
		t.Errorf("no stamp: %s", got)
	}
}

// Retained messages, messages without a stamp or a receipt, and stamps a
// century away teach nothing; of the rest, each station keeps its least.
func TestDelaysOfABatch(t *testing.T) {
	t0 := time.Date(2026, 12, 5, 9, 0, 0, 0, time.UTC)
	status := func(station string, ts, received time.Time, retained bool) Telemetry {
		return Telemetry{StationID: station, Kind: KindStatus, Status: &StatusReport{TS: ts}, Received: received, Retained: retained}
	}
	d := delays{}
	d.add(status("a", t0.Add(-3*time.Hour), t0, true))
	d.add(status("a", t0.Add(-2*time.Second), t0, false))
	d.add(status("a", t0.Add(-time.Minute), t0, false))
	d.add(Telemetry{StationID: "a", Kind: KindEvents, Event: &Event{TS: t0.Add(-time.Second)}, Received: t0.Add(time.Second)})
	d.add(status("b", t0.Add(-time.Second), time.Time{}, false))
	d.add(status("c", time.Date(1900, 1, 1, 0, 0, 0, 0, time.UTC), t0, false))
	d.add(Telemetry{StationID: "e", Kind: KindOnline, Online: &OnlineReport{Online: true}, Received: t0})
	d.add(Telemetry{StationID: "f", Kind: KindOnline, Online: &OnlineReport{Online: true, TS: t0.Add(-time.Minute)}, Received: t0})
	want := delays{"a": 2 * time.Second, "f": time.Minute}
	if len(d) != len(want) {
		t.Fatalf("delays %v, want %v", d, want)
	}
	for id, v := range want {
		if d[id] != v {
			t.Errorf("delays %v, want %v", d, want)
		}
	}
}

// A command goes out in the station's clock: its ts and deadline moved back
// by the station's lag (forward for a clock ahead).
func TestUnlockGoesOutInTheStationsClock(t *testing.T) {
	now := time.Date(2026, 12, 5, 9, 0, 0, 0, time.UTC)
	for _, lag := range []time.Duration{0, 5 * time.Minute, -90 * time.Second} {
		cmd := UnlockCommand{RequestID: "cmd-1", StationID: "st-1", Dock: 2, Deadline: now.Add(10 * time.Second),
			ReplyTo: "cityhub/v1/stations/st-1/replies/hub-a", StationLag: lag}
		p, err := EncodeUnlock(cmd, now)
		if err != nil {
			t.Fatal(err)
		}
		got, err := DecodeCommand(p)
		if err != nil {
			t.Fatal(err)
		}
		var w struct {
			TS time.Time `json:"ts"`
		}
		if err := json.Unmarshal(p, &w); err != nil {
			t.Fatal(err)
		}
		if !got.Deadline.Equal(now.Add(10*time.Second-lag)) || !w.TS.Equal(now.Add(-lag)) {
			t.Errorf("lag %s: ts %s, deadline %s", lag, w.TS, got.Deadline)
		}
	}
}
