package mqtt

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"sync"
	"sync/atomic"
	"time"

	paho "github.com/eclipse/paho.mqtt.golang"
	"github.com/prometheus/client_golang/prometheus"

	"cityhub/apperr"
	"cityhub/identity"
	"cityhub/ids"
	"cityhub/mobility"
	"cityhub/mqtt/pahostore"
)

// Sink takes batches of decoded telemetry; mobility.Service is one. The
// client calls it as the hub itself (identity.System): telemetry is the
// hub's own process, never a request.
type Sink interface {
	Ingest(ctx context.Context, c identity.Caller, batch []mobility.Telemetry) error
}

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

// Options configure a Client. Zero values take the defaults noted.
type Options struct {
	URL      string // tcp://host:port, ssl://...
	Username string
	Password string
	// InstanceID names this hub: its command connection's client id is
	// "cityhub-"+InstanceID (its telemetry connection's that plus
	// "-telemetry") and its reply topic carries it. When set, the command
	// connection's session is persistent (CleanSession=false), so replies
	// to a restarting hub wait for it; set it in production, one per
	// replica. When empty, a random id with a clean session, since nobody
	// could ever resume it. Telemetry is always on a clean session.
	InstanceID string
	Root       string // topic root, DefaultRoot
	ShareGroup string // DefaultShareGroup

	QueueSize    int // most events waiting to be applied, 65536 (statuses wait at most one per station)
	BatchSize    int // most messages per Ingest call, 1000
	BacklogLimit int // backlog (messages not applied yet) over which IngestCheck fails, 20000
	// IngestLinger is how long the ingest worker, woken from idle, waits
	// for more telemetry before it takes a batch, 5 ms (see work).
	IngestLinger   time.Duration
	KeepAlive      time.Duration // 15s
	ConnectTimeout time.Duration // 5s
	MaxBackoff     time.Duration // longest wait between reconnect attempts, 2s

	Log      *slog.Logger
	Registry prometheus.Registerer // a private registry when nil
}

// Client is one hub instance's connection to the broker.
type Client struct {
	opts    Options
	topics  Topics
	log     *slog.Logger
	cli     paho.Client // commands and their replies
	tele    paho.Client // telemetry, on a clean session
	metrics metrics

	sink           Sink
	inbox          *inbox
	overloadLogged atomic.Int64

	mu      sync.Mutex
	pending map[string]waiter
	late    chan lateReply
	// strayLogged is when a stray reply was last logged (once a minute).
	strayLogged atomic.Int64

	malformedMu  sync.Mutex
	malformedLog map[string]time.Time

	connected     atomic.Bool // the command connection is up and subscribed
	teleConnected atomic.Bool // the telemetry connection is up and subscribed
	stop          chan struct{}
	wg            sync.WaitGroup
	closeOnce     sync.Once
}

// New builds a client; Start connects it.
func New(opts Options) (*Client, error) {
	if opts.URL == "" {
		return nil, errors.New("mqtt: no broker url")
	}
	// A persistent session is only worth having under a name the hub will
	// come back with: under a random name it could never be resumed. It
	// holds the reply subscription only: a session holding a share of the
	// telemetry would keep collecting its round-robin share (half of it,
	// with two replicas) after its hub died.
	persistent := opts.InstanceID != ""
	if opts.InstanceID == "" {
		opts.InstanceID = ids.New("hub")
	}
	if !mobility.ValidID(opts.InstanceID) {
		return nil, fmt.Errorf("mqtt: instance id %q: use lower-case letters, digits, '-' and '_'", opts.InstanceID)
	}
	def := func(v *int, d int) {
		if *v <= 0 {
			*v = d
		}
	}
	defD := func(v *time.Duration, d time.Duration) {
		if *v <= 0 {
			*v = d
		}
	}
	def(&opts.QueueSize, 65536)
	def(&opts.BatchSize, 1000)
	def(&opts.BacklogLimit, 20000)
	defD(&opts.KeepAlive, 15*time.Second)
	defD(&opts.ConnectTimeout, 5*time.Second)
	defD(&opts.MaxBackoff, 2*time.Second)
	defD(&opts.IngestLinger, 5*time.Millisecond)
	if opts.Root == "" {
		opts.Root = DefaultRoot
	}
	if opts.ShareGroup == "" {
		opts.ShareGroup = DefaultShareGroup
	}
	if opts.Log == nil {
		opts.Log = slog.New(slog.DiscardHandler)
	}
	if opts.Registry == nil {
		opts.Registry = prometheus.NewRegistry()
	}
	c := &Client{
		opts:         opts,
		topics:       Topics{Root: opts.Root},
		log:          opts.Log.With(slog.String("component", "mqtt"), slog.String("instance", opts.InstanceID)),
		inbox:        newInbox(),
		pending:      map[string]waiter{},
		late:         make(chan lateReply, lateQueue),
		malformedLog: map[string]time.Time{},
		stop:         make(chan struct{}),
	}
	m, err := newMetrics(opts.Registry)
	if err != nil {
		return nil, err
	}
	c.metrics = m

	po := c.pahoOptions("cityhub-" + opts.InstanceID).
		// A persistent session keeps QoS 1 replies queued at the broker
		// while this hub reconnects or restarts.
		SetCleanSession(!persistent).
		// Replies are handled on paho's delivery goroutine, in order: the
		// handler only routes a reply to its waiter, or queues an ok nobody
		// waits for to the late workers, so it never blocks. (With one
		// goroutine per reply, a flood of replies spawned them without
		// bound.)
		SetOrderMatters(true).
		SetOnConnectHandler(c.onConnect).
		SetConnectionLostHandler(c.onLost)
	c.cli = paho.NewClient(po)
	// The route lives on the client, not the subscription, so that replies
	// the persistent session delivers before the SUBACK reach it too.
	c.cli.AddRoute(c.ReplyTopic(), c.onReply)

	to := c.pahoOptions("cityhub-" + opts.InstanceID + "-telemetry").
		SetCleanSession(true).
		// In the broker's order, on one goroutine: the inbox keeps the
		// latest of each station, so it must see them in order; the
		// handler only parks the message.
		SetOrderMatters(true).
		SetOnConnectHandler(c.onTelemetryConnect).
		SetConnectionLostHandler(c.onTelemetryLost)
	c.tele = paho.NewClient(to)
	for _, f := range c.telemetryFilters() {
		c.tele.AddRoute(f, c.onTelemetry)
	}
	return c, nil
}

// pahoOptions are the settings both connections share.
func (c *Client) pahoOptions(clientID string) *paho.ClientOptions {
	opts := c.opts
	return paho.NewClientOptions().
		AddBroker(opts.URL).
		SetClientID(clientID).
		SetUsername(opts.Username).
		SetPassword(opts.Password).
		SetKeepAlive(opts.KeepAlive).
		SetPingTimeout(5 * time.Second).
		SetConnectTimeout(opts.ConnectTimeout).
		SetWriteTimeout(5 * time.Second).
		SetStore(pahostore.New()).
		SetAutoReconnect(true).
		SetConnectRetry(true).
		SetConnectRetryInterval(500 * time.Millisecond).
		SetMaxReconnectInterval(opts.MaxBackoff).
		SetDefaultPublishHandler(c.onUnexpected).
		SetReconnectingHandler(func(paho.Client, *paho.ClientOptions) { c.metrics.reconnects.Inc() })
}

// InstanceID is this hub's instance id.
func (c *Client) InstanceID() string { return c.opts.InstanceID }

// ReplyTopic is the filter of the topics on which stations answer this hub's
// commands, each under the answering station's own prefix.
func (c *Client) ReplyTopic() string { return c.topics.RepliesFilter(c.opts.InstanceID) }

// Start connects both connections (retrying in the background if the
// broker is not up yet) and starts the worker that feeds sink. It waits up
// to the connect timeout for the first connection and returns nil either
// way once retrying.
func (c *Client) Start(ctx context.Context, sink Sink) error {
	c.sink = sink
	c.wg.Add(1)
	go c.work()
	for range lateWorkers {
		c.wg.Add(1)
		go c.lateWorker()
	}
	deadline := time.After(c.opts.ConnectTimeout)
	for _, tok := range []paho.Token{c.cli.Connect(), c.tele.Connect()} {
		select {
		case <-tok.Done():
			if err := tok.Error(); err != nil {
				return fmt.Errorf("mqtt connect %s: %w", c.opts.URL, err)
			}
		case <-deadline:
			c.log.Warn("broker not reachable yet; retrying in the background", slog.String("url", c.opts.URL))
			return nil
		case <-ctx.Done():
			return ctx.Err()
		}
	}
	return nil
}

// Connected reports whether both connections to the broker are up now.
func (c *Client) Connected() bool {
	return c.connected.Load() && c.cli.IsConnectionOpen() && c.teleConnected.Load() && c.tele.IsConnectionOpen()
}

// Ping is the readiness check: nil while connected.
func (c *Client) Ping(context.Context) error {
	if !c.Connected() {
		return errors.New("not connected to the MQTT broker")
	}
	return nil
}

// Close disconnects both connections and stops the worker after it
// applied what is waiting.
func (c *Client) Close() {
	c.closeOnce.Do(func() {
		c.tele.Disconnect(250)
		c.teleConnected.Store(false)
		c.cli.Disconnect(250)
		c.connected.Store(false)
		c.metrics.connected.Set(0)
		close(c.stop)
		c.wg.Wait()
	})
}

// telemetryFilters are the shared subscriptions the replicas split.
func (c *Client) telemetryFilters() []string {
	return []string{
		c.topics.Shared(c.opts.ShareGroup, mobility.KindStatus),
		c.topics.Shared(c.opts.ShareGroup, mobility.KindEvents),
		c.topics.Shared(c.opts.ShareGroup, mobility.KindOnline),
	}
}

// onConnect subscribes to the reply topic on every (re)connect: with a lost
// session (a broker restart without persistence) the subscription would
// otherwise be gone.
func (c *Client) onConnect(cli paho.Client) {
	tok := cli.Subscribe(c.ReplyTopic(), 1, nil)
	// The handler runs on paho's connection goroutine; wait off it.
	go func() {
		if !tok.WaitTimeout(10 * time.Second) {
			c.log.Error("subscribe timed out")
			return
		}
		if err := tok.Error(); err != nil {
			c.log.Error("subscribe failed", slog.Any("error", err))
			return
		}
		// A persistent session from a hub version that took telemetry on
		// this connection still holds the shared subscriptions: drop them,
		// or the session would keep collecting telemetry.
		cli.Unsubscribe(c.telemetryFilters()...).WaitTimeout(10 * time.Second)
		c.connected.Store(true)
		c.setConnectedMetric()
		c.log.Info("command connection up", slog.String("url", c.opts.URL))
	}()
}

// onTelemetryConnect subscribes to the shared telemetry on every
// (re)connect (a clean session starts with none) and reads the stations'
// retained state.
func (c *Client) onTelemetryConnect(cli paho.Client) {
	subs := map[string]byte{}
	for _, f := range c.telemetryFilters() {
		subs[f] = 1
	}
	tok := cli.SubscribeMultiple(subs, nil)
	go func() {
		if !tok.WaitTimeout(10 * time.Second) {
			c.log.Error("telemetry subscribe timed out")
			return
		}
		if err := tok.Error(); err != nil {
			c.log.Error("telemetry subscribe failed", slog.Any("error", err))
			return
		}
		c.readRetained(cli)
		c.teleConnected.Store(true)
		c.setConnectedMetric()
		c.log.Info("telemetry connection up and subscribed", slog.String("url", c.opts.URL))
	}()
}

func (c *Client) onTelemetryLost(_ paho.Client, err error) {
	c.teleConnected.Store(false)
	c.metrics.connected.Set(0)
	c.log.Warn("telemetry connection to broker lost; reconnecting", slog.Any("error", err))
}

func (c *Client) setConnectedMetric() {
	if c.connected.Load() && c.teleConnected.Load() {
		c.metrics.connected.Set(1)
	}
}

// readRetained catches up on the stations' retained status and online
// flags, which a shared subscription never delivers: after a hub start, or a
// broker restart that the stations came back from before this hub did. A
// plain subscription gets them, and is dropped as soon as the broker
// acknowledged it: the broker queues the retained messages to this client
// when it handles the subscription, before the unsubscription, so they all
// still arrive, while live traffic comes through the shared subscription
// alone (a live message caught in between arrives twice, and the freshness
// rule ignores the copy). No route is added: the shared subscription's route
// matches the same topics.
//
// Statuses are read before online flags: the flag (the will, when a station
// vanished) is the broker's latest word on a station, and of a status and a
// flag the one that arrives last decides whether the station is online.
func (c *Client) readRetained(cli paho.Client) {
	var filters []string
	for _, kind := range []mobility.Kind{mobility.KindStatus, mobility.KindOnline} {
		filter := c.topics.Root + "/stations/+/" + string(kind)
		if err := subscribeOnce(cli, filter); err != nil {
			c.log.Warn("could not read retained station state", slog.String("kind", string(kind)), slog.Any("error", err))
			break
		}
		filters = append(filters, filter)
	}
	if len(filters) == 0 {
		return
	}
	if tok := cli.Unsubscribe(filters...); !tok.WaitTimeout(10*time.Second) || tok.Error() != nil {
		c.log.Warn("could not drop the retained-state subscription", slog.Any("error", tok.Error()))
	}
}

// subscribeOnce subscribes to filter, trying again when the broker refuses
// (a SUBACK code of 0x80 or more): the embedded broker (mochi-mqtt v2.7) refuses a SUBSCRIBE
// whose packet id equals one of its own publishes still in flight to this
// client, as the retained messages of the previous filter may be.
func subscribeOnce(cli paho.Client, filter string) error {
	var err error
	for range 5 {
		tok := cli.Subscribe(filter, 1, nil)
		if !tok.WaitTimeout(10 * time.Second) {
			return errors.New("subscribe timed out")
		}
		if err = tok.Error(); err != nil {
			return err
		}
		st, ok := tok.(*paho.SubscribeToken)
		if !ok || st.Result()[filter] < 0x80 {
			return nil
		}
		err = errors.New("the broker refused the subscription")
		time.Sleep(50 * time.Millisecond)
	}
	return err
}

func (c *Client) onLost(_ paho.Client, err error) {
	c.connected.Store(false)
	c.metrics.connected.Set(0)
	c.log.Warn("connection to broker lost; reconnecting", slog.Any("error", err))
}

func (c *Client) onUnexpected(_ paho.Client, m paho.Message) {
	c.metrics.in.WithLabelValues("unexpected").Inc()
	c.log.Debug("message on an unexpected topic", slog.String("topic", m.Topic()))
}

// logMalformed logs at most once per station per minute.
func (c *Client) logMalformed(station, topic string, err error) {
	now := time.Now()
	c.malformedMu.Lock()
	last, seen := c.malformedLog[station]
	if seen && now.Sub(last) < time.Minute {
		c.malformedMu.Unlock()
		return
	}
	if len(c.malformedLog) > 10_000 {
		clear(c.malformedLog)
	}
	c.malformedLog[station] = now
	c.malformedMu.Unlock()
	c.log.Warn("dropped malformed message (further ones from this station are counted, not logged, for a minute)",
		slog.String("station", station), slog.String("topic", topic), slog.Any("error", err))
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
	// A copy the broker sends again (DUP: this session had it before and
	// did not acknowledge it in time, as after a reconnect) of a reply
	// nobody waits for raises nothing: its first delivery was either a
	// retained replay, dropped above, or already judged below. The broker
	// may clear the retain flag on such a copy.
	if m.Duplicate() {
		c.metrics.replies.WithLabelValues("duplicate").Inc()
		return
	}
	// The request gave up (deadline), another run of this instance sent
	// it, or the hub never sent it.
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
		return mobility.Reply{}, apperr.R(apperr.Unavailable, "broker_unavailable", "The stations cannot be reached right now; nothing was charged. Try again in a minute.")
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

type metrics struct {
	in            *prometheus.CounterVec
	malformed     *prometheus.CounterVec
	dropped       *prometheus.CounterVec
	superseded    *prometheus.CounterVec
	refused       *prometheus.CounterVec
	backlog       prometheus.Gauge
	replies       *prometheus.CounterVec
	connected     prometheus.Gauge
	reconnects    prometheus.Counter
	ingestErrors  prometheus.Counter
	batches       prometheus.Histogram
	ingestSeconds prometheus.Histogram
	roundTrip     prometheus.Histogram
	lateOK        prometheus.Counter
}

func newMetrics(reg prometheus.Registerer) (metrics, error) {
	m := metrics{
		in: prometheus.NewCounterVec(prometheus.CounterOpts{Name: "cityhub_mqtt_messages_total",
			Help: "MQTT messages received, by kind (status, events, online, reply, unexpected)."}, []string{"kind"}),
		malformed: prometheus.NewCounterVec(prometheus.CounterOpts{Name: "cityhub_mqtt_malformed_total",
			Help: "Malformed MQTT messages dropped, by kind."}, []string{"kind"}),
		dropped: prometheus.NewCounterVec(prometheus.CounterOpts{Name: "cityhub_mqtt_dropped_total",
			Help: "Valid MQTT messages dropped: the inbox was full, or the store refused them three times, by kind."}, []string{"kind"}),
		superseded: prometheus.NewCounterVec(prometheus.CounterOpts{Name: "cityhub_mqtt_superseded_total",
			Help: "Status and online messages replaced, before they were applied, by a newer one of the same station (a burst coalesced), by kind."}, []string{"kind"}),
		refused: prometheus.NewCounterVec(prometheus.CounterOpts{Name: "cityhub_mqtt_refused_total",
			Help: "Well-formed station messages refused, by reason (future_ts: stamped more than the allowed clock skew ahead of the hub)."}, []string{"reason"}),
		backlog: prometheus.NewGauge(prometheus.GaugeOpts{Name: "cityhub_mqtt_ingest_backlog",
			Help: "Telemetry messages received and not applied to station state yet (replaced ones counted until their replacement is applied)."}),
		replies: prometheus.NewCounterVec(prometheus.CounterOpts{Name: "cityhub_mqtt_command_results_total",
			Help: "Outcomes of commands sent to stations (ok, error, timeout, publish_failed, unmatched, wrong_station), replies dropped as retained (retained) or as a copy sent again of a reply nobody waits for (duplicate), oks for a command the hub never sent that station (unknown), and oks nobody waited for dropped because too many queued (late_dropped)."}, []string{"result"}),
		lateOK: prometheus.NewCounter(prometheus.CounterOpts{Name: "cityhub_mqtt_unlock_ok_after_deadline_total",
			Help: "Unlocks a station confirmed after the hub stopped waiting that released a bike without a ride: one for each operator incident raised (repeats of the same confirmation, and of an ok whose ride started, are not counted)."}),
		connected: prometheus.NewGauge(prometheus.GaugeOpts{Name: "cityhub_mqtt_connected",
			Help: "1 while connected and subscribed to the broker."}),
		reconnects: prometheus.NewCounter(prometheus.CounterOpts{Name: "cityhub_mqtt_reconnects_total",
			Help: "Reconnect attempts to the broker."}),
		ingestErrors: prometheus.NewCounter(prometheus.CounterOpts{Name: "cityhub_mqtt_ingest_errors_total",
			Help: "Telemetry batches the store refused."}),
		batches: prometheus.NewHistogram(prometheus.HistogramOpts{Name: "cityhub_mqtt_ingest_batch_size",
			Help: "Messages per ingest batch.", Buckets: prometheus.ExponentialBuckets(1, 2, 10)}),
		ingestSeconds: prometheus.NewHistogram(prometheus.HistogramOpts{Name: "cityhub_mqtt_ingest_seconds",
			Help: "Time to write one ingest batch.", Buckets: prometheus.ExponentialBuckets(0.0005, 2, 14)}),
		roundTrip: prometheus.NewHistogram(prometheus.HistogramOpts{Name: "cityhub_mqtt_command_round_trip_seconds",
			Help: "Time from sending a command to the station's reply.", Buckets: prometheus.ExponentialBuckets(0.001, 2, 14)}),
	}
	for _, col := range []prometheus.Collector{m.in, m.malformed, m.dropped, m.superseded, m.refused, m.backlog, m.replies, m.connected, m.reconnects,
		m.ingestErrors, m.batches, m.ingestSeconds, m.roundTrip, m.lateOK} {
		if err := reg.Register(col); err != nil {
			return m, fmt.Errorf("mqtt metrics: %w", err)
		}
	}
	return m, nil
}
