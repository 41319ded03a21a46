package mqtt

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"time"

	paho "github.com/eclipse/paho.mqtt.golang"

	"cityhub/apperr"
	"cityhub/identity"
	"cityhub/mobility"
)

// The command side of a hub's connection: unlocks published to stations,
// their replies routed to the unlock that waits, and replies nobody waits
// for checked against the store as late unlocks.

// LateUnlockSink is told when a station confirms an unlock that nobody waits
// for any more (it came after the deadline, or another run of this hub sent
// it): the bike is out without a ride, which an operator must see.
// mobility.Service is one; a Sink that is not gets only the metric and a log.
type LateUnlockSink interface {
	// UnlockConfirmedLate reports whether the ok released a bike without
	// a ride that nothing had reported yet (not a repeat of an ok already
	// taken or already reported). It is NotFound when the hub never sent
	// that request to that station: a stray reply, counted and dropped.
	UnlockConfirmedLate(ctx context.Context, c identity.Caller, stationID, requestID string, at time.Time) (bool, error)
}

// Replies nobody waits for are checked against the store off the
// connection's delivery goroutine, by lateWorkers workers taking them from
// a queue of lateQueue: a station flooding made-up replies costs at most
// that much, never a goroutine and a store call each (one flood spawned
// thousands and grew the hub from 70 to 259 MB). A reply that finds the
// queue full is counted (result late_dropped) and dropped.
const (
	lateWorkers = 4
	lateQueue   = 1024
)

// lateReply is an ok nobody waited for, to check.
type lateReply struct {
	station, requestID string
	at                 time.Time
}

// waiter is an unlock waiting for its reply, and the station it asked.
type waiter struct {
	station string
	ch      chan mobility.Reply
}

// onReply routes a reply to the unlock that waits for it. The topic names
// the station that answered (the broker lets a station publish only under
// its own prefix), so a reply counts only from the station that was asked:
// another station, or a payload claiming another station, is dropped.
func (c *Client) onReply(_ paho.Client, m paho.Message) {
	c.metrics.in.WithLabelValues("reply").Inc()
	station, ok := c.topics.ParseReply(m.Topic(), c.opts.InstanceID)
	if !ok {
		c.metrics.malformed.WithLabelValues("reply").Inc()
		c.logMalformed("reply", m.Topic(), errors.New("not a reply topic of this hub"))
		return
	}
	// A reply with the retain flag is one the broker kept and hands to each
	// new subscription, this hub's included at every (re)connect: a replay
	// of an old answer, never the answer to a waiting unlock (an established
	// subscription gets live messages with the flag cleared). Mosquitto
	// cannot refuse the flag on a station's reply topic.
	if m.Retained() {
		c.metrics.replies.WithLabelValues("retained").Inc()
		c.log.Debug("retained reply dropped", slog.String("station", station), slog.String("topic", m.Topic()))
		return
	}
	r, err := mobility.DecodeReply(m.Payload())
	if err != nil {
		c.metrics.malformed.WithLabelValues("reply").Inc()
		c.logMalformed(station, m.Topic(), err)
		return
	}
	if r.StationID != "" && r.StationID != station {
		c.metrics.replies.WithLabelValues("wrong_station").Inc()
		c.logMalformed(station, m.Topic(), fmt.Errorf("reply names station %q", r.StationID))
		return
	}
	r.StationID = station
	c.mu.Lock()
	w, waiting := c.pending[r.RequestID]
	if waiting && w.station != station {
		c.mu.Unlock()
		c.metrics.replies.WithLabelValues("wrong_station").Inc()
		c.log.Warn("reply from a station that was not asked; dropped",
			slog.String("request_id", r.RequestID), slog.String("asked", w.station), slog.String("answered", station))
		return
	}
	if waiting {
		// Sent under the lock that Unlock takes to stop waiting, so a reply
		// is either seen by the waiter or treated as late, never lost.
		select {
		case w.ch <- r:
		default: // a duplicate delivery of the same reply
		}
	}
	c.mu.Unlock()
	if waiting {
		return
	}
	// The request gave up (deadline), another run of this instance sent
	// it, or the hub never sent it. A copy the broker sends again (DUP) is
	// judged the same: with a persistent session the broker resends at the
	// next connection every QoS 1 reply the hub did not acknowledge, one
	// that reached it just before its connection dropped included, which
	// the hub never read. Judging a reply twice raises nothing twice
	// (UnlockConfirmedLate reports a repeat as such).
	c.metrics.replies.WithLabelValues("unmatched").Inc()
	if r.Result != mobility.ReplyOK {
		return
	}
	select {
	case c.late <- lateReply{station: station, requestID: r.RequestID, at: time.Now()}:
	default:
		c.metrics.replies.WithLabelValues("late_dropped").Inc()
		c.logOverload("too many replies nobody waits for; dropping", slog.String("station", station))
	}
}

// lateWorker checks the oks nobody waited for until the client stops.
func (c *Client) lateWorker() {
	defer c.wg.Done()
	for {
		select {
		case l := <-c.late:
			c.lateOK(l)
		case <-c.stop:
			return
		}
	}
}

// lateOK reports an ok nobody waited for to the sink, which raises an
// incident when it was a command the hub sent that station; one it never
// sent is counted (result unknown) and dropped.
func (c *Client) lateOK(l lateReply) {
	// Without a sink to tell, or when it fails, every late ok counts: a
	// repeat is counted rather than a release missed.
	released := true
	if late, ok := c.sink.(LateUnlockSink); ok {
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		var err error
		released, err = late.UnlockConfirmedLate(ctx, identity.System(), l.station, l.requestID, l.at)
		switch {
		case apperr.Has(err, apperr.NotFound):
			c.metrics.replies.WithLabelValues("unknown").Inc()
			c.logStray("ok for an unlock the hub never sent this station; dropped",
				slog.String("request_id", l.requestID), slog.String("station", l.station))
			return
		case err != nil:
			released = true
			c.log.Error("record late unlock", slog.String("request_id", l.requestID), slog.Any("error", err))
		}
	}
	if !released {
		return
	}
	c.metrics.lateOK.Inc()
	c.log.Warn("station confirmed an unlock after the hub stopped waiting: bike released without a ride",
		slog.String("request_id", l.requestID), slog.String("station", l.station))
}

// logStray logs a stray reply at debug level, and at most once a minute
// at warn level: a station sending made-up replies must not flood the log.
func (c *Client) logStray(msg string, attrs ...any) {
	now := time.Now().UnixNano()
	last := c.strayLogged.Load()
	if now-last < int64(time.Minute) || !c.strayLogged.CompareAndSwap(last, now) {
		c.log.Debug(msg, attrs...)
		return
	}
	c.log.Warn(msg+" (further ones logged at debug level for a minute; see cityhub_mqtt_command_results_total{result=\"unknown\"})", attrs...)
}

// Unlock implements mobility.Commander: it publishes the command with QoS 1
// and waits for the station's reply on this instance's reply topic. When the
// broker is unreachable it fails at once with Unavailable.
func (c *Client) Unlock(ctx context.Context, cmd mobility.UnlockCommand) (mobility.Reply, error) {
	if !c.Connected() {
		return mobility.Reply{}, mobility.ErrBrokerUnavailable
	}
	cmd.ReplyTo = c.topics.Replies(cmd.StationID, c.opts.InstanceID)
	payload, err := mobility.EncodeUnlock(cmd, time.Now())
	if err != nil {
		return mobility.Reply{}, fmt.Errorf("encode unlock: %w", err)
	}
	ch := make(chan mobility.Reply, 1)
	c.mu.Lock()
	if _, dup := c.pending[cmd.RequestID]; dup {
		c.mu.Unlock()
		return mobility.Reply{}, apperr.R(apperr.Conflict, "request_in_flight", "This unlock is already in progress.")
	}
	c.pending[cmd.RequestID] = waiter{station: cmd.StationID, ch: ch}
	c.mu.Unlock()
	// stopWaiting ends the wait; a reply that got in before it still counts.
	stopWaiting := func() (mobility.Reply, bool) {
		c.mu.Lock()
		defer c.mu.Unlock()
		delete(c.pending, cmd.RequestID)
		select {
		case r := <-ch:
			return r, true
		default:
			return mobility.Reply{}, false
		}
	}
	defer stopWaiting()
	start := time.Now()
	tok := c.cli.Publish(c.topics.Commands(cmd.StationID), 1, false, payload)
	select {
	case <-tok.Done():
		if err := tok.Error(); err != nil {
			c.metrics.replies.WithLabelValues("publish_failed").Inc()
			return mobility.Reply{}, apperr.Wrap(err, apperr.Unavailable, "The command could not be sent to the station; nothing was charged.")
		}
	case <-ctx.Done():
		c.metrics.replies.WithLabelValues("timeout").Inc()
		return mobility.Reply{}, ctx.Err()
	}
	select {
	case r := <-ch:
		c.metrics.replies.WithLabelValues(r.Result).Inc()
		c.metrics.roundTrip.Observe(time.Since(start).Seconds())
		return r, nil
	case <-ctx.Done():
		if r, ok := stopWaiting(); ok {
			c.metrics.replies.WithLabelValues(r.Result).Inc()
			return r, nil
		}
		c.metrics.replies.WithLabelValues("timeout").Inc()
		return mobility.Reply{}, ctx.Err()
	}
}

var _ mobility.Commander = (*Client)(nil)
