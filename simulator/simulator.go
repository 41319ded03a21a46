// Package simulator plays bike stations against any MQTT broker, speaking the
// station protocol of docs/mqtt.md exactly as a vendor's station would: it
// publishes retained status and online flags (with a will), events, answers
// unlock commands (with a configurable failure rate and delay) and docks
// bikes again after a random ride. The demo, the tests and the benchmarks use
// it; it never touches the hub's database (SeedCatalogue goes through the
// mobility service).
package simulator

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"math"
	"math/rand/v2"
	"sync"
	"time"

	paho "github.com/eclipse/paho.mqtt.golang"

	"github.com/eclipse/paho.mqtt.golang/packets"

	"cityhub/config"
	"cityhub/mobility"
	"cityhub/mqtt/pahostore"
)

// StationSpec is one simulated station and the bikes it starts with.
type StationSpec struct {
	ID       string
	NameIT   string
	NameEN   string
	Address  string // optional: the street address riders see
	Lat, Lon float64
	Docks    int
	Bikes    []BikeSpec
}

// BikeSpec is one simulated bike.
type BikeSpec struct {
	ID       string
	Electric bool
	Dock     int
	// Battery is an e-bike's charge in percent; 0 draws one from 60 to 100.
	Battery int
}

// Layout makes n stations around the centre of Benevento, each with docks
// docks about two-thirds full, every third bike electric. The same prefix and
// n give the same layout, so the hub's catalogue and the simulator agree.
func Layout(prefix string, n, docks int) []StationSpec {
	if docks < 2 {
		docks = 2
	}
	out := make([]StationSpec, 0, n)
	for i := range n {
		id := fmt.Sprintf("%s-%03d", prefix, i+1)
		angle := float64(i) * 2.399963 // golden angle: evenly spread
		r := 0.004 * math.Sqrt(float64(i+1))
		st := StationSpec{ID: id, NameIT: fmt.Sprintf("Stazione %d", i+1), NameEN: fmt.Sprintf("Station %d", i+1),
			Lat: 41.1298 + r*math.Cos(angle), Lon: 14.7826 + r*math.Sin(angle)*1.3, Docks: docks}
		for d := 1; d <= docks*2/3; d++ {
			st.Bikes = append(st.Bikes, BikeSpec{ID: fmt.Sprintf("%s-b%02d", id, d), Electric: d%3 == 0, Dock: d})
		}
		out = append(out, st)
	}
	return out
}

// Config tells the simulator what to play.
type Config struct {
	URL string
	// Credentials are the stations' broker secrets by station id: a station
	// listed logs in as itself (username: its id), as a real one does.
	// Stations not listed use Username and Password (an open broker).
	Credentials map[string]string
	Username    string
	Password    string
	Root        string // topic root, "cityhub/v1"
	Stations    []StationSpec

	StatusEvery time.Duration // status republished this often (and on every change); 30s
	// EventsPerSecond is the rate of rebalancing moves (a bike taken from one
	// station to another by the operator's van: bike_undocked then
	// bike_docked) across all stations; 0 for none.
	EventsPerSecond float64
	// FailureRate is the share of unlocks answered with an error (dock_fault).
	FailureRate float64
	// SilentRate is the share of unlocks never answered (the hub times out).
	SilentRate float64
	// ReplyDelay is how long a station takes to open its lock.
	ReplyDelay time.Duration
	// RideMin and RideMax bound a simulated ride; after it the bike docks at
	// a random station with a free dock. Both zero: bikes stay out until Dock.
	RideMin, RideMax time.Duration
	// Riding are bikes out on a ride when the simulator starts (their Dock
	// is not read): a simulator taking over from one that stopped mid-ride
	// docks each after a ride time, as a ride it began ends.
	Riding []BikeSpec
	// ClockBehind makes every station's clock run this far behind the
	// real one (negative: ahead), as a station whose NTP failed: its "ts"
	// and the deadlines it checks are by that clock.
	ClockBehind time.Duration
	// StuckReader makes every station's tag reader stick on the bike it
	// releases: the station sends no bike_undocked, and its statuses go on
	// listing that bike, locked, in the dock it left, until another bike
	// docks there (docs/mqtt.md says what the hub makes of it).
	StuckReader bool
	Seed        uint64
	Log         *slog.Logger
	// ConnectWait is how long Start keeps retrying a broker it cannot
	// reach (each failed attempt logged, at most every RetryLogEvery):
	// 0 for 10 s, negative for until Start's context ends. A broker that
	// refuses a station's login fails Start at once (ErrRefused).
	ConnectWait time.Duration
}

// ErrRefused is in the error of a Start whose broker refused a station's
// CONNECT for its credentials (missing or wrong username and password):
// retrying cannot help.
var ErrRefused = errors.New("the broker refused the station's login")

// RetryLogEvery bounds how often Start logs the attempts that failed to
// reach the broker: the first at once, then one at most this often.
const RetryLogEvery = 5 * time.Second

// defaultConnectWait is Start's wait for a broker it cannot reach.
const defaultConnectWait = 10 * time.Second

// Sim is a running set of simulated stations.
type Sim struct {
	cfg  Config
	log  *slog.Logger
	root string

	mu       sync.Mutex
	rng      *rand.Rand
	stations map[string]*station
	order    []string
	out      map[string]outBike // bikes on a ride, by id
	answered map[string][]byte  // replies by request id, for redelivered commands
	// deciding holds the commands being answered (closed once answered, or
	// left silent), so a copy that arrives meanwhile waits for the first
	// answer instead of being carried out again.
	deciding map[string]chan struct{}
	unlocks  int
	foreign  int // commands ignored for a reply_to outside the station's prefix

	stop chan struct{}
	wg   sync.WaitGroup
	// hello tracks each connect's "online" and status publishing, so that
	// Close says "false" after them.
	hello sync.WaitGroup

	retryMu     sync.Mutex
	retryLogged time.Time // when a failed attempt was last logged
	retries     int       // failed attempts not logged since
}

type outBike struct {
	electric bool
	battery  int
}

type station struct {
	spec   StationSpec
	cli    paho.Client
	docks  []dock // index 0 is dock 1
	faults []string
	// ready is closed once the station's first session has subscribed to
	// its commands and said hello, which is when Start may return.
	ready     chan struct{}
	readyOnce sync.Once
}

type dock struct {
	bike string
	// stuck is the tag the dock's reader still reads after its bike left
	// (Config.StuckReader).
	stuck    string
	electric bool
	battery  int
	fault    string
}

// New prepares the stations; Start connects them.
func New(cfg Config) *Sim {
	if cfg.Root == "" {
		cfg.Root = "cityhub/v1"
	}
	if cfg.StatusEvery <= 0 {
		cfg.StatusEvery = 30 * time.Second
	}
	if cfg.Log == nil {
		cfg.Log = slog.New(slog.DiscardHandler)
	}
	seed := cfg.Seed
	if seed == 0 {
		seed = uint64(time.Now().UnixNano())
	}
	s := &Sim{cfg: cfg, log: cfg.Log.With(slog.String("component", "simulator")), root: cfg.Root,
		rng: rand.New(rand.NewPCG(seed, seed^0x9e3779b97f4a7c15)), stations: map[string]*station{},
		out: map[string]outBike{}, answered: map[string][]byte{}, deciding: map[string]chan struct{}{}, stop: make(chan struct{})}
	for _, spec := range cfg.Stations {
		st := &station{spec: spec, docks: make([]dock, spec.Docks), ready: make(chan struct{})}
		for _, b := range spec.Bikes {
			if b.Dock >= 1 && b.Dock <= spec.Docks {
				st.docks[b.Dock-1] = dock{bike: b.ID, electric: b.Electric, battery: s.battery(b)}
			}
		}
		s.stations[spec.ID] = st
		s.order = append(s.order, spec.ID)
	}
	for _, b := range cfg.Riding {
		s.out[b.ID] = outBike{electric: b.Electric, battery: s.battery(b)}
	}
	return s
}

// battery is the charge b starts with: its own, or one drawn for an e-bike
// without (0 for a bike without a battery). The caller holds s.mu or has
// not shared s yet.
func (s *Sim) battery(b BikeSpec) int {
	switch {
	case !b.Electric:
		return 0
	case b.Battery > 0:
		return min(b.Battery, 100)
	}
	return 60 + s.rng.IntN(41)
}

func (s *Sim) topic(station, kind string) string { return s.root + "/stations/" + station + "/" + kind }

// Start connects every station and starts the timers. It returns once every
// station has connected and published its status, or with an error.
func (s *Sim) Start(ctx context.Context) error {
	errc := make(chan error, len(s.order))
	var wg sync.WaitGroup
	sem := make(chan struct{}, 32)
	for _, id := range s.order {
		st := s.stations[id]
		wg.Add(1)
		go func() {
			defer wg.Done()
			sem <- struct{}{}
			defer func() { <-sem }()
			if err := s.connect(ctx, st); err != nil {
				errc <- err
			}
		}()
	}
	wg.Wait()
	close(errc)
	if err := <-errc; err != nil {
		s.Close()
		return err
	}
	// connect's selects may pick a station's readiness over a context
	// that ended meanwhile: a Start whose context ended does not start.
	if err := ctx.Err(); err != nil {
		s.Close()
		return err
	}
	s.wg.Add(1)
	go s.loop()
	for _, b := range s.cfg.Riding {
		s.rideThenDock(b.ID)
	}
	return nil
}

func (s *Sim) connect(ctx context.Context, st *station) error {
	id := st.spec.ID
	user, pass := s.cfg.Username, s.cfg.Password
	if secret, ok := s.cfg.Credentials[id]; ok {
		user, pass = id, secret
	}
	o := paho.NewClientOptions().AddBroker(s.cfg.URL).SetClientID("station-"+id).
		SetUsername(user).SetPassword(pass).
		SetCleanSession(true).SetOrderMatters(false).SetKeepAlive(10*time.Second).SetStore(pahostore.New()).
		// Start retries the first connection itself, to tell a refused
		// login (fail at once) from a broker not reached (retry, logged);
		// paho reconnects a connection lost later.
		SetAutoReconnect(true).SetConnectRetry(false).SetConnectTimeout(5*time.Second).
		SetMaxReconnectInterval(2*time.Second).
		// The broker says "false" for the station when its connection dies.
		SetWill(s.topic(id, "online"), "false", 1, true).
		SetOnConnectHandler(func(c paho.Client) {
			sub := c.Subscribe(s.root+"/stations/"+id+"/commands", 1, func(_ paho.Client, m paho.Message) {
				go s.onCommand(st, m.Payload())
			})
			// Not once Close began: its "false" must be the last word.
			s.mu.Lock()
			select {
			case <-s.stop:
				s.mu.Unlock()
				return
			default:
			}
			s.hello.Add(1)
			s.mu.Unlock()
			go func() {
				defer s.hello.Done()
				// A command sent before the broker has the subscription
				// would be lost, so the station is ready only after it.
				if !sub.WaitTimeout(5*time.Second) || sub.Error() != nil {
					s.log.Warn("subscribe to commands failed", slog.String("station", id), slog.Any("error", sub.Error()))
				}
				s.publish(st, "online", []byte("true"), true)
				s.publishStatus(st)
				st.readyOnce.Do(func() { close(st.ready) })
			}()
		})
	st.cli = paho.NewClient(o)
	broker := config.Redact(s.cfg.URL)
	var gaveUp <-chan time.Time // nil: retry until ctx ends
	if wait := s.cfg.ConnectWait; wait >= 0 {
		if wait == 0 {
			wait = defaultConnectWait
		}
		gaveUp = time.After(wait)
	}
	for attempt := 1; ; attempt++ {
		tok := st.cli.Connect()
		select {
		case <-tok.Done():
		case <-gaveUp:
			return fmt.Errorf("station %s: broker %s did not answer", id, broker)
		case <-ctx.Done():
			return ctx.Err()
		}
		err := tok.Error()
		if err == nil {
			break
		}
		if refusedLogin(err) {
			as := "with no username and password"
			if user != "" {
				as = fmt.Sprintf("as user %q", user)
			}
			return fmt.Errorf("station %s: %w: %s answered %q to its CONNECT %s", id, ErrRefused, broker, err.Error(), as)
		}
		if refusedForGood(err) {
			return fmt.Errorf("station %s: broker %s refused the connection: %w", id, broker, err)
		}
		s.logRetry(id, broker, attempt, err)
		select {
		case <-time.After(500 * time.Millisecond):
		case <-gaveUp:
			return fmt.Errorf("station %s: broker %s did not answer: %w", id, broker, err)
		case <-ctx.Done():
			return ctx.Err()
		}
	}
	deadline := time.After(10 * time.Second)
	select {
	case <-st.ready:
	case <-deadline:
		return fmt.Errorf("station %s: broker %s did not confirm the commands subscription", id, config.Redact(s.cfg.URL))
	case <-ctx.Done():
		return ctx.Err()
	}
	return nil
}

// refusedLogin says whether a CONNECT was refused for its credentials.
func refusedLogin(err error) bool {
	return errors.Is(err, packets.ErrorRefusedNotAuthorised) || errors.Is(err, packets.ErrorRefusedBadUsernameOrPassword)
}

// refusedForGood says whether a CONNECT was refused for a reason that
// another attempt does not change (a busy broker, "server unavailable",
// may take the next).
func refusedForGood(err error) bool {
	return errors.Is(err, packets.ErrorRefusedBadProtocolVersion) || errors.Is(err, packets.ErrorRefusedIDRejected)
}

// logRetry logs a failed attempt to reach the broker, the first at once
// and then at most one every RetryLogEvery across all stations, counting
// those it did not log.
func (s *Sim) logRetry(station, broker string, attempt int, err error) {
	s.retryMu.Lock()
	defer s.retryMu.Unlock()
	now := time.Now()
	if !s.retryLogged.IsZero() && now.Sub(s.retryLogged) < RetryLogEvery {
		s.retries++
		return
	}
	s.log.Warn("cannot reach the MQTT broker; retrying", slog.String("broker", broker), slog.String("station", station),
		slog.Int("attempt", attempt), slog.Int("other_failed_attempts", s.retries), slog.String("error", config.Redact(err.Error())))
	s.retryLogged, s.retries = now, 0
}

// Close stops every station cleanly: as docs/mqtt.md asks, each says
// "false" (retained) on its online topic before it disconnects, since a
// clean disconnect sends no will and the retained "true" would otherwise
// outlive the station.
func (s *Sim) Close() {
	s.mu.Lock()
	select {
	case <-s.stop:
		s.mu.Unlock()
		return
	default:
		close(s.stop)
	}
	s.mu.Unlock()
	s.wg.Wait()
	s.hello.Wait()
	var wg sync.WaitGroup
	for _, st := range s.stations {
		if st.cli != nil && st.cli.IsConnectionOpen() {
			wg.Go(func() { s.publish(st, "online", []byte("false"), true) })
		}
	}
	wg.Wait()
	for _, st := range s.stations {
		if st.cli != nil {
			st.cli.Disconnect(100)
		}
	}
}

func (s *Sim) loop() {
	defer s.wg.Done()
	status := time.NewTicker(s.cfg.StatusEvery)
	defer status.Stop()
	var events <-chan time.Time
	if s.cfg.EventsPerSecond > 0 {
		t := time.NewTicker(time.Duration(float64(time.Second) / s.cfg.EventsPerSecond))
		defer t.Stop()
		events = t.C
	}
	for {
		select {
		case <-s.stop:
			return
		case <-status.C:
			for _, id := range s.order {
				s.publishStatus(s.stations[id])
			}
		case <-events:
			s.rebalance()
		}
	}
}

func (s *Sim) publish(st *station, kind string, payload []byte, retained bool) {
	tok := st.cli.Publish(s.topic(st.spec.ID, kind), 1, retained, payload)
	if !tok.WaitTimeout(5 * time.Second) {
		s.log.Debug("publish not acknowledged within 5 s", slog.String("station", st.spec.ID), slog.String("kind", kind))
	} else if err := tok.Error(); err != nil {
		s.log.Debug("publish failed", slog.String("station", st.spec.ID), slog.String("kind", kind), slog.Any("error", err))
	}
}

// now is the stations' clock (Config.ClockBehind).
func (s *Sim) now() time.Time { return time.Now().Add(-s.cfg.ClockBehind) }

// statusOf renders a station's status; the caller holds s.mu.
func (s *Sim) statusOf(st *station) []byte {
	r := mobility.StatusReport{TS: s.now(), Online: true, Faults: st.faults}
	for i, d := range st.docks {
		ds := mobility.DockState{Dock: i + 1, BikeID: d.bike, Locked: d.bike != "", Fault: d.fault}
		if d.bike == "" && d.stuck != "" {
			ds.BikeID, ds.Locked = d.stuck, true
		}
		if d.bike != "" && d.electric {
			b := d.battery
			ds.Battery = &b
		}
		r.Docks = append(r.Docks, ds)
	}
	p, _ := mobility.EncodeStatus(st.spec.ID, r)
	return p
}

func (s *Sim) publishStatus(st *station) {
	s.mu.Lock()
	p := s.statusOf(st)
	s.mu.Unlock()
	s.publish(st, "status", p, true)
}

func (s *Sim) publishEvent(st *station, e mobility.Event) {
	e.TS = s.now()
	if e.ID == "" {
		e.ID = fmt.Sprintf("%s-%d", st.spec.ID, e.TS.UnixNano())
	}
	p, _ := mobility.EncodeEvent(st.spec.ID, e)
	s.publish(st, "events", p, false)
}

// ErrNoFreeDock is returned by Dock when no station has room.
var ErrNoFreeDock = errors.New("no free dock")

// Dock returns a bike that is out on a ride: at stationID ("" for a random
// station with a free dock), publishing bike_docked and the new status. It
// returns where the bike went.
func (s *Sim) Dock(bikeID, stationID string) (string, int, error) {
	return s.dock(bikeID, stationID, true)
}

// DockEventOnly is Dock publishing only the bike_docked event, not the new
// status, as a station whose status is late or lost: the event alone must
// end the ride (a status would end it too, and so hide an event the hub
// never got).
func (s *Sim) DockEventOnly(bikeID, stationID string) (string, int, error) {
	return s.dock(bikeID, stationID, false)
}

func (s *Sim) dock(bikeID, stationID string, withStatus bool) (string, int, error) {
	s.mu.Lock()
	b, ok := s.out[bikeID]
	if !ok {
		s.mu.Unlock()
		return "", 0, fmt.Errorf("bike %s is not out on a ride", bikeID)
	}
	var st *station
	n := 0
	candidates := s.order
	if stationID != "" {
		candidates = []string{stationID}
	}
	if len(candidates) == 0 {
		s.mu.Unlock()
		return "", 0, ErrNoFreeDock
	}
	start := s.rng.IntN(len(candidates))
	for i := range candidates {
		c := s.stations[candidates[(start+i)%len(candidates)]]
		if c == nil {
			continue
		}
		for j, d := range c.docks {
			if d.bike == "" && d.fault == "" {
				st, n = c, j+1
				break
			}
		}
		if st != nil {
			break
		}
	}
	if st == nil {
		s.mu.Unlock()
		return "", 0, ErrNoFreeDock
	}
	if b.electric {
		b.battery = max(5, b.battery-s.rng.IntN(15))
	}
	st.docks[n-1] = dock{bike: bikeID, electric: b.electric, battery: b.battery}
	delete(s.out, bikeID)
	s.mu.Unlock()
	e := mobility.Event{Type: mobility.EventBikeDocked, Dock: n, BikeID: bikeID}
	if b.electric {
		bat := b.battery
		e.Battery = &bat
	}
	s.publishEvent(st, e)
	if withStatus {
		s.publishStatus(st)
	}
	return st.spec.ID, n, nil
}

// PublishEvent publishes an event for a station, stamped now (and given an
// id when it has none), without changing the simulated station: tests use
// it to send events the hub must count.
func (s *Sim) PublishEvent(stationID string, e mobility.Event) error {
	s.mu.Lock()
	st := s.stations[stationID]
	s.mu.Unlock()
	if st == nil {
		return fmt.Errorf("no simulated station %s", stationID)
	}
	s.publishEvent(st, e)
	return nil
}

// rebalance moves one bike from the fullest station to the emptiest.
func (s *Sim) rebalance() {
	s.mu.Lock()
	if len(s.order) < 2 {
		s.mu.Unlock()
		return
	}
	from := s.stations[s.order[s.rng.IntN(len(s.order))]]
	to := s.stations[s.order[s.rng.IntN(len(s.order))]]
	fd, td := -1, -1
	for i, d := range from.docks {
		if d.bike != "" {
			fd = i
		}
	}
	for i, d := range to.docks {
		if d.bike == "" && d.fault == "" {
			td = i
			break
		}
	}
	if from == to || fd < 0 || td < 0 {
		s.mu.Unlock()
		return
	}
	d := from.docks[fd]
	from.docks[fd] = dock{}
	to.docks[td] = d
	s.mu.Unlock()
	s.publishEvent(from, mobility.Event{Type: mobility.EventBikeUndocked, Dock: fd + 1, BikeID: d.bike})
	s.publishStatus(from)
	s.publishEvent(to, mobility.Event{Type: mobility.EventBikeDocked, Dock: td + 1, BikeID: d.bike})
	s.publishStatus(to)
}

// PublishStatus republishes a station's status now.
func (s *Sim) PublishStatus(stationID string) error {
	s.mu.Lock()
	st := s.stations[stationID]
	s.mu.Unlock()
	if st == nil {
		return fmt.Errorf("no simulated station %s", stationID)
	}
	s.publishStatus(st)
	return nil
}

// BikesAt lists the bikes docked at a station by dock number.
func (s *Sim) BikesAt(stationID string) map[int]string {
	s.mu.Lock()
	defer s.mu.Unlock()
	out := map[int]string{}
	if st := s.stations[stationID]; st != nil {
		for i, d := range st.docks {
			if d.bike != "" {
				out[i+1] = d.bike
			}
		}
	}
	return out
}

// Unlocks counts the unlock commands received.
func (s *Sim) Unlocks() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.unlocks
}

// Answered is the reply the stations gave to the command requestID, once
// they have.
func (s *Sim) Answered(requestID string) (mobility.Reply, bool) {
	s.mu.Lock()
	p, ok := s.answered[requestID]
	s.mu.Unlock()
	if !ok {
		return mobility.Reply{}, false
	}
	r, err := mobility.DecodeReply(p)
	return r, err == nil
}

// ForeignCommands counts the commands ignored because they asked for the
// reply outside the station's own prefix (not from a hub).
func (s *Sim) ForeignCommands() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.foreign
}

// SetBehaviour changes the failure rates and reply delay while running.
func (s *Sim) SetBehaviour(failureRate, silentRate float64, replyDelay time.Duration) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.cfg.FailureRate, s.cfg.SilentRate, s.cfg.ReplyDelay = failureRate, silentRate, replyDelay
}
