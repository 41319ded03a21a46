package mobility

import (
	"log/slog"
	"sync"
	"sync/atomic"
	"time"

	"cityhub/logpace"
)

// Service holds mobility's rules. It is safe for concurrent use, and keeps no
// state that another hub replica would need: what matters is in the store.
type Service struct {
	store Store
	log   *slog.Logger
	clock atomic.Pointer[func() time.Time]

	mu  sync.RWMutex
	cmd Commander

	// UnlockTimeout is how long a station has to answer an unlock.
	UnlockTimeout time.Duration
	// StaleAfter is how old a status may be before the station counts as
	// offline even if its online flag says otherwise.
	StaleAfter time.Duration
	// LongRide is when an operator sees a ride as long.
	LongRide time.Duration

	version atomic.Int64 // bumped on every change riders or feeds can see
	applied atomic.Int64 // telemetry messages that reached station state
	ignored struct {
		unregistered, stale, unknown, refused atomic.Int64
	}

	pruneMu   sync.Mutex
	lastPrune time.Time

	// refusedLog paces the log of refused dockings (logRefusedDocking).
	refusedLog logpace.Pace

	creds credentials // station broker credentials (credentials.go)
}

// NewService returns the mobility service on store. cmd may be nil until the
// transport is up (SetCommander); unlocks fail as Unavailable meanwhile.
func NewService(store Store, cmd Commander, log *slog.Logger) *Service {
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	s := &Service{store: store, cmd: cmd, log: log,
		UnlockTimeout: 10 * time.Second, StaleAfter: 10 * time.Minute, LongRide: 2 * time.Hour}
	s.SetClock(time.Now)
	return s
}

// SetCommander sets the transport that carries commands to stations.
func (s *Service) SetCommander(c Commander) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.cmd = c
}

// SetClock replaces the clock (tests).
func (s *Service) SetClock(now func() time.Time) { s.clock.Store(&now) }

// now is the time the service reads and stamps on its records: the
// clock's, in UTC and to the microsecond, as both stores keep it, so that
// the time an answer gives for a record is the one every later read of it
// gives.
func (s *Service) now() time.Time { return (*s.clock.Load())().UTC().Truncate(time.Microsecond) }

func (s *Service) commander() Commander {
	s.mu.RLock()
	defer s.mu.RUnlock()
	return s.cmd
}

// Version changes whenever stations, their state or rides change, so that
// feeds rendered from them (GBFS) know when to render again.
func (s *Service) Version() int64 { return s.version.Load() }

// Applied counts telemetry messages Ingest has handled: applied to station
// state, or ignored for a reason IngestCounts counts.
func (s *Service) Applied() int64 { return s.applied.Load() }

func (s *Service) changed() { s.version.Add(1) }
