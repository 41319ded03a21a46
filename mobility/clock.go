package mobility

import "time"

// A station's "ts" is its own clock, and station clocks go wrong: NTP that
// never reached a station on a mobile network, a real-time clock reset by a
// flat battery. Ordering one station's messages needs only its own clock,
// but two judgements compare a station's time with the hub's: whether a
// report of a bike in a dock was made after the ride started, and whether
// a station has been silent for too long. Taken as the hub's time, a clock
// running five minutes behind would keep every ride shorter than five
// minutes going past its return, and one an hour behind would show its
// station offline for good.
//
// So the hub learns each station's clock from the messages themselves. The
// delay of a message, the hub's receipt minus its "ts", is the station's
// lag behind the hub's clock plus the time the message took to arrive;
// the least delay over many messages comes close to the lag alone, since
// a station publishes at least once a minute and most messages arrive in
// a fraction of a second. It is the least over the last two windows of
// clockWindow, not over all time, so that a clock set back is learnt
// within two windows (one set forward at once: the least falls); and a
// window's least holds even when its other
// messages are late ones, so a backlog of reports queued while the
// network was down does not make the clock look further behind than it
// is. Only messages the hub applies are counted: retained ones, which the
// broker delivers again on every subscribe with their old "ts", teach
// nothing, and neither do those older than the station's state (a station
// whose clock was set back is ignored until its "ts" catches up, or an
// operator resets it; its lag must not make it look fresh meanwhile).

// clockWindow is how long one window of a station's delays lasts.
const clockWindow = 10 * time.Minute

// clockSlack is how far off a station's clock may be and still be taken at
// its word. The least delay is the lag plus the quickest transit, so it
// reads a report as made a little later than it was: for a clock that is
// right, later than its stamp says, and a report made just before a ride
// started could pass for one made after it. Within this slack nothing is
// moved, as before any clock was learnt; it is also how much smaller than
// the learnt lag a message's own delay may be before the hub concludes
// that the clock was set forward since (NTP came back).
const clockSlack = 2 * time.Second

// maxClockLag bounds the delays counted: beyond a century the stamp is
// garbage, not a clock (and the difference no longer fits a Duration).
const maxClockLag = 100 * 365 * 24 * time.Hour

// StationClock is what the hub has learnt of a station's clock.
type StationClock struct {
	// WindowAt is when, by the hub's clock, the current window began; zero
	// while no message has been counted.
	WindowAt time.Time `json:"window_at,omitzero"`
	// Least is the least delay of the current window's messages, Previous
	// that of the window before (Least again while there was none).
	Least    time.Duration `json:"least"`
	Previous time.Duration `json:"previous"`
}

// Known reports whether any message has been counted.
func (c StationClock) Known() bool { return !c.WindowAt.IsZero() }

// Lag is how far the station's clock runs behind the hub's (negative:
// ahead), messages' transit included; 0 while nothing is known, so that a
// station's first messages are taken at their word as they always were.
func (c StationClock) Lag() time.Duration {
	if !c.Known() {
		return 0
	}
	return min(c.Least, c.Previous)
}

// correction is how far a message's stamp is moved to read it by the
// hub's clock: the lag, or the message's own delay d where that is
// smaller (known is false when it is not); 0 within clockSlack, and 0 when
// d is so much smaller than the lag that the clock was evidently set
// forward since it was learnt: the stamp is then taken as it is until the
// next messages teach the clock again (they do at once: the least falls).
func (c StationClock) correction(d time.Duration, known bool) time.Duration {
	lag := c.Lag()
	if known {
		if d < lag-clockSlack {
			return 0
		}
		lag = min(lag, d)
	}
	if lag < clockSlack && lag > -clockSlack {
		return 0
	}
	return lag
}

// HubTime is when, by the hub's clock, a message stamped ts and received at
// received was made, as far as the station's clock is known: ts moved by
// its correction, and never later than its receipt (when that is known).
func (c StationClock) HubTime(ts, received time.Time) time.Time {
	if ts.IsZero() {
		return ts
	}
	d, known := delay(ts, received)
	at := ts.Add(c.correction(d, known))
	if !received.IsZero() && at.After(received) {
		return received
	}
	return at
}

// delay is a message's delay, or false when it teaches nothing: no stamp,
// no receipt, or a stamp a century away.
func delay(ts, received time.Time) (time.Duration, bool) {
	if ts.IsZero() || received.IsZero() {
		return 0, false
	}
	d := received.Sub(ts)
	if d >= maxClockLag || d <= -maxClockLag {
		return 0, false
	}
	return d, true
}

// observe counts the least delay of a batch's messages, at now by the
// hub's clock, and reports whether the clock changed.
func (c *StationClock) observe(least time.Duration, now time.Time) bool {
	before := *c
	switch {
	case !c.Known():
		c.WindowAt, c.Least, c.Previous = now, least, least
	case now.Sub(c.WindowAt) >= clockWindow || now.Before(c.WindowAt.Add(-clockWindow)):
		// A new window (or the hub's clock was set back a long way; hub
		// replicas a little apart share the window). The last window with
		// messages stays the previous one however long the station was
		// silent: after an outage, its queued reports are compared with the
		// clock as it was before.
		c.WindowAt, c.Previous, c.Least = now, c.Least, least
	default:
		c.Least = min(c.Least, least)
	}
	return *c != before
}

// delays collects the least delay of each station's messages in a batch.
type delays map[string]time.Duration

func (d delays) add(t Telemetry) {
	if t.Retained {
		return
	}
	v, ok := delay(t.TS(), t.Received)
	if !ok {
		return
	}
	if cur, seen := d[t.StationID]; !seen || v < cur {
		d[t.StationID] = v
	}
}
