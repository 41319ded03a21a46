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
			c.log.Warn("broker not reachable yet; retrying in the background", slog.String("url", c.opts.URL),
				slog.String("reason", unreachableReason(c.opts.URL, 2*time.Second)))
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
// flags, which a shared subscription does not deliver (Mosquitto before
// 2.0.13 does deliver them there too: the copy is applied twice, which
// changes nothing): after a hub start, or a broker restart that the stations came back from before this hub did. A
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

// logMalformed logs a message dropped as malformed, or refused for its
// stamp ahead of the hub's clock (a well-formed message: the words and
// the reason say so, as docs/mqtt.md and refused_total do), at most once
// per station, and per kind of fault, a minute; true when it logged.
func (c *Client) logMalformed(station, topic string, err error) bool {
	future := errors.Is(err, mobility.ErrFutureTS)
	key := station
	if future {
		key += "\x00future_ts"
	}
	now := time.Now()
	c.malformedMu.Lock()
	last, seen := c.malformedLog[key]
	if seen && now.Sub(last) < time.Minute {
		c.malformedMu.Unlock()
		return false
	}
	if len(c.malformedLog) > 10_000 {
		clear(c.malformedLog)
	}
	c.malformedLog[key] = now
	c.malformedMu.Unlock()
	if future {
		c.log.Warn(fmt.Sprintf("refused message stamped more than %d minutes ahead of the hub's clock (further ones from this station are counted, not logged, for a minute)", mobility.MaxClockSkew/time.Minute),
			slog.String("reason", "future_ts"), slog.String("station", station), slog.String("topic", topic), slog.Any("error", err))
		return true
	}
	c.log.Warn("dropped malformed message (further ones from this station are counted, not logged, for a minute)",
		slog.String("station", station), slog.String("topic", topic), slog.Any("error", err))
	return true
}

// ClockAheadSink is told, at most once a minute per station, that a
// station's message was refused for a stamp by ahead of the hub's clock,
// so that its operator sees why it looks silent. mobility.Service is one;
// a Sink that is not gets only the metric and the log.
type ClockAheadSink interface {
	StationClockAhead(ctx context.Context, c identity.Caller, station string, at time.Time, by time.Duration) error
}

// clockAhead is a station's message refused at received for a stamp by
// ahead of the hub's clock.
type clockAhead struct {
	station  string
	received time.Time
	by       time.Duration
}

// noteClockAhead tells the sink of a batch's refused stamps, all within
// one bound of 5 s; a failure is logged once and otherwise changes nothing
// (the metric and the log have it already), and the rest wait for the
// station's next refusal a minute on.
func (c *Client) noteClockAhead(notes []clockAhead) {
	sink, ok := c.sink.(ClockAheadSink)
	if !ok || len(notes) == 0 {
		return
	}
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	for _, n := range notes {
		if err := sink.StationClockAhead(ctx, identity.System(), n.station, n.received, n.by); err != nil {
			c.log.Warn("note a station's clock ahead", slog.String("station", n.station), slog.Int("notes", len(notes)), slog.Any("error", err))
			return
		}
	}
}
