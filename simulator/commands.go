package simulator

// How a station answers the hub's unlock commands: a command whose reply
// topic is not the station's own is ignored, a repeated request gets its
// first reply again, and otherwise the reply (on the topic the command
// names) follows the failure rates and delay the simulator was given and the
// station's own rules: past its deadline, an empty dock or another bike than
// the one named is refused. A released bike rides and docks again when the
// simulator plays rides.

import (
	"log/slog"
	"strings"
	"time"

	"cityhub/mobility"
)

func (s *Sim) onCommand(st *station, payload []byte) {
	cmd, err := mobility.DecodeCommand(payload)
	if err != nil {
		s.log.Warn("malformed command", slog.String("station", st.spec.ID), slog.Any("error", err))
		return
	}
	if !s.ownReplyTopic(st.spec.ID, cmd.ReplyTo) {
		// docs/mqtt.md: a hub always asks for the reply under the station's
		// own prefix; a command asking for it elsewhere is not from a hub
		// (and answering would publish wherever a forger points).
		s.log.Warn("command with a reply_to outside the station's prefix ignored",
			slog.String("station", st.spec.ID), slog.String("reply_to", cmd.ReplyTo))
		s.mu.Lock()
		s.foreign++
		s.mu.Unlock()
		return
	}
	s.mu.Lock()
	if wait, ok := s.deciding[cmd.RequestID]; ok {
		// A copy of a command still being answered: the first answer,
		// once there, and nothing else.
		s.mu.Unlock()
		select {
		case <-wait:
		case <-s.stop:
			return
		}
		s.mu.Lock()
	}
	if prev, ok := s.answered[cmd.RequestID]; ok {
		s.mu.Unlock()
		st.cli.Publish(cmd.ReplyTo, 1, false, prev)
		return
	}
	if _, ok := s.deciding[cmd.RequestID]; ok {
		s.mu.Unlock() // the first was left silent: so is its copy
		return
	}
	done := make(chan struct{})
	s.deciding[cmd.RequestID] = done
	// Closed, not deleted: a later copy of a silent command stays silent.
	defer close(done)
	roll := s.rng.Float64()
	s.unlocks++
	silent, failure, delay := s.cfg.SilentRate, s.cfg.FailureRate, s.cfg.ReplyDelay
	s.mu.Unlock()
	if roll < silent {
		return
	}
	if delay > 0 {
		select {
		case <-time.After(delay):
		case <-s.stop:
			return
		}
	}
	reply := mobility.Reply{RequestID: cmd.RequestID, StationID: st.spec.ID, Result: mobility.ReplyOK}
	var released *dock
	s.mu.Lock()
	switch {
	case s.now().After(cmd.Deadline):
		reply.Result, reply.Error = mobility.ReplyError, mobility.ErrCodeDeadline
	case roll < silent+failure:
		reply.Result, reply.Error = mobility.ReplyError, mobility.ErrCodeDockFault
	case cmd.Dock < 1 || cmd.Dock > len(st.docks) || st.docks[cmd.Dock-1].bike == "" ||
		(cmd.BikeID != "" && st.docks[cmd.Dock-1].bike != cmd.BikeID):
		reply.Result, reply.Error = mobility.ReplyError, mobility.ErrCodeNoBike
	default:
		d := st.docks[cmd.Dock-1]
		released = &d
		st.docks[cmd.Dock-1] = dock{}
		if s.cfg.StuckReader {
			st.docks[cmd.Dock-1].stuck = d.bike
		}
		s.out[d.bike] = outBike{electric: d.electric, battery: d.battery}
	}
	s.mu.Unlock()
	reply.TS = s.now()
	p, _ := mobility.EncodeReply(reply)
	s.mu.Lock()
	s.answered[cmd.RequestID] = p
	s.mu.Unlock()
	if tok := st.cli.Publish(cmd.ReplyTo, 1, false, p); !tok.WaitTimeout(5 * time.Second) {
		s.log.Debug("reply publish timed out", slog.String("station", st.spec.ID))
	}
	if released == nil {
		return
	}
	if !s.cfg.StuckReader {
		s.publishEvent(st, mobility.Event{Type: mobility.EventBikeUndocked, Dock: cmd.Dock, BikeID: released.bike})
	}
	s.publishStatus(st)
	s.rideThenDock(released.bike)
}

// rideThenDock docks bike, out on a ride, at a random station with a free
// dock after a ride time from RideMin to RideMax, when rides are played.
func (s *Sim) rideThenDock(bike string) {
	if s.cfg.RideMax <= 0 {
		return
	}
	d := s.cfg.RideMin
	s.mu.Lock()
	if s.cfg.RideMax > s.cfg.RideMin {
		d += time.Duration(s.rng.Int64N(int64(s.cfg.RideMax - s.cfg.RideMin)))
	}
	s.mu.Unlock()
	s.wg.Add(1)
	go func() {
		defer s.wg.Done()
		select {
		case <-time.After(d):
			if _, _, err := s.Dock(bike, ""); err != nil {
				s.log.Warn("dock after ride", slog.String("bike", bike), slog.Any("error", err))
			}
		case <-s.stop:
		}
	}()
}

// ownReplyTopic says whether topic is one of station's reply topics,
// {root}/stations/{station}/replies/{instance}.
func (s *Sim) ownReplyTopic(station, topic string) bool {
	instance, ok := strings.CutPrefix(topic, s.root+"/stations/"+station+"/replies/")
	return ok && instance != "" && !strings.ContainsAny(instance, "+#")
}
