package mqtt

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"log/slog"
	"runtime"
	"slices"
	"sync"
	"sync/atomic"
	"time"

	paho "github.com/eclipse/paho.mqtt.golang"

	"cityhub/identity"
	"cityhub/mobility"
)

// The telemetry side of a hub: its own MQTT connection, always on a clean
// session, holding the shared subscriptions. When a hub dies the broker
// drops that session with the connection, so no telemetry ever queues for a
// dead replica: the live ones get all of it. (The command side keeps a
// persistent session of its own for replies, see client.go.) Messages a
// session had in flight when its hub died are lost with it; the stations'
// next status, which the hubs also read retained on every connect, carries
// the state again, and a ride whose bike_docked was lost ends when that
// status shows the bike in its dock.
//
// Arriving messages are only parked, without decoding, in an inbox that
// keeps the latest status and online flag of each station and every event.
// The connection delivers in the broker's order and the handler runs on
// paho's one delivery goroutine (SetOrderMatters(true)), so the latest to
// arrive is the latest the broker took; a burst therefore costs at most one
// pending status per station, however long it is, and each station ends on
// its newest status. A worker drains the inbox in batches, decodes, and
// hands them to the sink.

// maxPendingStations bounds the stations with a status or flag waiting, so
// that telemetry under made-up station ids cannot grow the inbox without
// end; the city's stations are far fewer.
const maxPendingStations = 100_000

// parked is one message waiting in the inbox, not decoded yet.
type parked struct {
	seq      uint64
	station  string
	kind     mobility.Kind
	payload  []byte
	received time.Time
	// retained: the broker delivered it again because the hub subscribed.
	retained bool
	// weight is how many received messages this one stands for: itself and
	// the older ones of its station it replaced.
	weight int64
	tries  int
}

type inbox struct {
	mu     sync.Mutex
	seq    uint64
	status map[string]*parked
	online map[string]*parked
	events []*parked
	wake   chan struct{}
	// waiting counts received messages not applied yet, replaced ones
	// included until what replaced them is applied: the backlog.
	waiting atomic.Int64
	// superseded counts messages replaced by a newer one of their station.
	superseded atomic.Int64
}

func newInbox() *inbox {
	return &inbox{status: map[string]*parked{}, online: map[string]*parked{}, wake: make(chan struct{}, 1)}
}

// onTelemetry parks a message; it never blocks and never decodes.
func (c *Client) onTelemetry(_ paho.Client, m paho.Message) {
	station, kind, ok := c.topics.ParseStation(m.Topic())
	if !ok {
		c.metrics.in.WithLabelValues("unexpected").Inc()
		c.metrics.malformed.WithLabelValues("topic").Inc()
		c.logMalformed(station, m.Topic(), errors.New("not a station telemetry topic"))
		return
	}
	c.metrics.in.WithLabelValues(string(kind)).Inc()
	p := &parked{station: station, kind: kind, payload: m.Payload(), received: time.Now(), retained: m.Retained(), weight: 1}

	in := c.inbox
	in.mu.Lock()
	in.seq++
	p.seq = in.seq
	var dropped bool
	switch kind {
	case mobility.KindEvents:
		// Events are never coalesced: each may end a ride.
		if len(in.events) >= c.opts.QueueSize {
			dropped = true
		} else {
			in.events = append(in.events, p)
		}
	default:
		slot := in.status
		if kind == mobility.KindOnline {
			slot = in.online
		}
		if old := slot[station]; old != nil {
			p.weight += old.weight
			in.superseded.Add(1)
			c.metrics.superseded.WithLabelValues(string(kind)).Inc()
			slot[station] = p
		} else if len(slot) >= maxPendingStations {
			dropped = true
		} else {
			slot[station] = p
		}
	}
	in.mu.Unlock()
	if dropped {
		c.metrics.dropped.WithLabelValues(string(kind)).Inc()
		c.logOverload("telemetry inbox full; dropping", slog.String("kind", string(kind)))
		return
	}
	n := in.waiting.Add(1)
	c.metrics.backlog.Set(float64(n))
	if n > int64(c.opts.BacklogLimit) {
		// Said here too: a store that stopped answering holds the worker.
		c.checkBacklog()
	}
	select {
	case in.wake <- struct{}{}:
	default:
	}
}

// take removes up to max parked messages, oldest first.
func (in *inbox) take(max int) []*parked {
	in.mu.Lock()
	defer in.mu.Unlock()
	n := len(in.events) + len(in.status) + len(in.online)
	if n == 0 {
		return nil
	}
	all := make([]*parked, 0, n)
	all = append(all, in.events...)
	for _, p := range in.status {
		all = append(all, p)
	}
	for _, p := range in.online {
		all = append(all, p)
	}
	slices.SortFunc(all, func(a, b *parked) int { return cmp.Compare(a.seq, b.seq) })
	if len(all) > max {
		all = all[:max]
	}
	events := 0
	for _, p := range all {
		switch p.kind {
		case mobility.KindEvents:
			events++
		case mobility.KindStatus:
			delete(in.status, p.station)
		case mobility.KindOnline:
			delete(in.online, p.station)
		}
	}
	// Events are parked in arrival order, so the oldest events taken are a
	// prefix of the slice.
	in.events = slices.Delete(in.events, 0, events)
	return all
}

// putBack returns messages whose batch the sink refused, unless a newer
// message of the same station and kind arrived meanwhile (which then stands
// for them too).
func (in *inbox) putBack(batch []*parked) {
	in.mu.Lock()
	defer in.mu.Unlock()
	var events []*parked
	for _, p := range batch {
		switch p.kind {
		case mobility.KindEvents:
			events = append(events, p)
		default:
			slot := in.status
			if p.kind == mobility.KindOnline {
				slot = in.online
			}
			if newer := slot[p.station]; newer != nil {
				newer.weight += p.weight
			} else {
				slot[p.station] = p
			}
		}
	}
	in.events = append(events, in.events...)
}

// work drains the inbox until the client stops, then drains what is left.
func (c *Client) work() {
	defer c.wg.Done()
	for {
		select {
		case <-c.inbox.wake:
			// Woken from idle by the first message: let more arrive before
			// taking a batch. A worker that took each message as it came
			// wrote a batch of one or two per store transaction, and on
			// SQLite, which runs in the hub's own process, those
			// transactions took the CPU the hub needed to receive: in a
			// burst of 200,000 statuses the hub received them at 0.53–0.79
			// of a bare subscriber's rate, and at 0.81–0.97 with this pause.
			// A status or event waits at most this much longer.
			select {
			case <-time.After(c.opts.IngestLinger):
			case <-c.stop:
			}
		case <-c.stop:
			for c.ingestOnce() {
			}
			return
		}
		for c.ingestOnce() {
			select {
			case <-c.stop:
			default:
				continue
			}
			break
		}
		c.checkBacklog()
	}
}

// maxTries is how often a message the store refused is offered again.
// Only a refusal while the store took other messages counts: a store that
// is down (the database away, a full disk) refuses everything, and its
// messages wait, however long, for it to come back (the inbox bounds what
// waits) instead of being dropped after a few seconds; a lost bike_docked
// would end its ride at a later status, and its rider would pay the
// difference.
const maxTries = 3

// When the store refuses a batch, the worker looks for the messages it
// refuses by splitting the batch in halves, and the halves again, applying
// each part in order: one station's message the store cannot take (a value
// its engine refuses) must not take every other station's statuses and
// events down with it, as it did when the whole batch was offered again
// and dropped after maxTries. A store that is down refuses every part: the
// search stops after maxBlindRefusals single messages refused before any
// part was taken, or after isolateBudget, and what was not applied waits
// as a whole, as before.
const (
	maxBlindRefusals = 8
	isolateBudget    = 30 * time.Second
)

// ingest hands one batch to the sink, timing it.
func (c *Client) ingest(ctx context.Context, batch []mobility.Telemetry) error {
	start := time.Now()
	err := c.sink.Ingest(ctx, identity.System(), batch)
	if err == nil {
		c.metrics.batches.Observe(float64(len(batch)))
		c.metrics.ingestSeconds.Observe(time.Since(start).Seconds())
	}
	return err
}

// apply hands the decoded messages to the sink. When the sink refuses them
// it finds the ones it refuses (see maxBlindRefusals), and returns those
// not applied, in order, and the weight of those applied.
// storeUp says whether the store took some of the batch: only then are
// the messages it refused judged refused on their own (maxTries).
func (c *Client) apply(ps []*parked, batch []mobility.Telemetry) (failed []*parked, applied int64, storeUp bool) {
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	err := c.ingest(ctx, batch)
	cancel()
	if err == nil {
		for _, p := range ps {
			applied += p.weight
		}
		return nil, applied, true
	}
	c.metrics.ingestErrors.Inc()
	if len(ps) == 1 || errors.Is(err, context.DeadlineExceeded) {
		// A store that does not answer is not asked again at once. A
		// message refused alone counts against its tries only if the
		// store answers otherwise (a sink that cannot say: it counts).
		c.log.Error("ingest telemetry batch", slog.Int("messages", len(batch)), slog.Any("error", err))
		up := false
		if r, ok := c.sink.(reachable); ok && len(ps) == 1 {
			ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
			up = r.Reachable(ctx) == nil
			cancel()
		} else if !ok && len(ps) == 1 {
			up = true
		}
		return ps, 0, up
	}
	ctx, cancel = context.WithTimeout(context.Background(), isolateBudget)
	defer cancel()
	iso := &isolation{c: c, ctx: ctx}
	mid := len(ps) / 2
	iso.run(ps[:mid], batch[:mid])
	iso.run(ps[mid:], batch[mid:])
	var stations []string
	for _, p := range iso.failed {
		if len(stations) < 10 && !slices.Contains(stations, p.station) {
			stations = append(stations, p.station)
		}
	}
	c.log.Error("ingest telemetry batch", slog.Int("messages", len(batch)), slog.Any("error", err),
		slog.Int("applied_in_parts", len(batch)-len(iso.failed)), slog.Int("refused", len(iso.failed)),
		slog.Bool("store_down", iso.aborted), slog.Any("stations_refused", stations))
	return iso.failed, iso.applied, iso.taken
}

// reachable is a sink that can say whether its store answers
// (mobility.Service.Reachable).
type reachable interface {
	Reachable(ctx context.Context) error
}

// isolation is one search for the messages of a batch the store refuses.
type isolation struct {
	c       *Client
	ctx     context.Context
	taken   bool // some part was applied: the store is up
	blind   int  // single messages refused while no part was applied
	aborted bool // the store looks down: stop asking
	failed  []*parked
	applied int64
}

func (iso *isolation) run(ps []*parked, batch []mobility.Telemetry) {
	if iso.aborted || iso.ctx.Err() != nil {
		iso.aborted = true
		iso.failed = append(iso.failed, ps...)
		return
	}
	if err := iso.c.ingest(iso.ctx, batch); err == nil {
		iso.taken = true
		for _, p := range ps {
			iso.applied += p.weight
		}
		return
	}
	if len(ps) == 1 {
		iso.failed = append(iso.failed, ps[0])
		if !iso.taken {
			if iso.blind++; iso.blind >= maxBlindRefusals {
				iso.aborted = true
			}
		}
		return
	}
	mid := len(ps) / 2
	iso.run(ps[:mid], batch[:mid])
	iso.run(ps[mid:], batch[mid:])
}

// ingestOnce decodes and applies one batch; false when the inbox was empty
// or the store refused (it retries after a pause).
func (c *Client) ingestOnce() bool {
	batch := c.inbox.take(c.opts.BatchSize)
	if len(batch) == 0 {
		return false
	}
	decoded := make([]mobility.Telemetry, len(batch))
	errs := make([]error, len(batch))
	decode := func(from, to int) {
		for i := from; i < to; i++ {
			p := batch[i]
			decoded[i], errs[i] = mobility.DecodeTelemetry(p.station, p.kind, p.payload, p.received)
			decoded[i].Retained = p.retained
		}
	}
	// Decoding is most of the work; spread it over the cores.
	if workers := min(runtime.GOMAXPROCS(0), len(batch)/64); workers > 1 {
		var wg sync.WaitGroup
		per := (len(batch) + workers - 1) / workers
		for from := 0; from < len(batch); from += per {
			wg.Go(func() { decode(from, min(from+per, len(batch))) })
		}
		wg.Wait()
	} else {
		decode(0, len(batch))
	}
	good := make([]mobility.Telemetry, 0, len(batch))
	var settled int64
	var keep []*parked
	var ahead []clockAhead
	var refused int
	// Recorded once the batch's telemetry is applied: a database that is
	// slow or down must not hold that up for a station's clock. Counted
	// after, so that a count read says its refusals were recorded too.
	defer func() {
		c.noteClockAhead(ahead)
		c.metrics.refused.WithLabelValues("future_ts").Add(float64(refused))
	}()
	for i, p := range batch {
		switch err := errs[i]; {
		case errors.Is(err, mobility.ErrFutureTS):
			refused++
			if c.logMalformed(p.station, c.topics.Station(p.station, p.kind), err) {
				ahead = append(ahead, clockAhead{p.station, p.received, decoded[i].TS().Sub(p.received)})
			}
			settled += p.weight
		case err != nil:
			c.metrics.malformed.WithLabelValues(string(p.kind)).Inc()
			c.logMalformed(p.station, c.topics.Station(p.station, p.kind), err)
			settled += p.weight
		default:
			good = append(good, decoded[i])
			keep = append(keep, p)
		}
	}
	ok := true
	if len(good) > 0 && c.sink != nil {
		failed, applied, storeUp := c.apply(keep, good)
		settled += applied
		if len(failed) > 0 {
			ok = false
			var again []*parked
			for _, p := range failed {
				if storeUp {
					p.tries++
				}
				if p.tries < maxTries {
					again = append(again, p)
				} else {
					c.metrics.dropped.WithLabelValues(string(p.kind)).Inc()
					settled += p.weight
					c.log.Error("store refused a telemetry message "+fmt.Sprint(maxTries)+" times; dropped",
						slog.String("station", p.station), slog.String("kind", string(p.kind)))
				}
			}
			c.inbox.putBack(again)
		}
	} else {
		for _, p := range keep {
			settled += p.weight
		}
	}
	c.metrics.backlog.Set(float64(c.inbox.waiting.Add(-settled)))
	if !ok {
		select {
		case <-time.After(time.Second):
		case <-c.stop:
		}
		select { // what was put back is waiting
		case c.inbox.wake <- struct{}{}:
		default:
		}
	}
	return ok
}

// Backlog is how many received telemetry messages are not applied yet
// (counting each replaced status until its replacement is applied).
func (c *Client) Backlog() int64 { return c.inbox.waiting.Load() }

// Superseded is how many status and online messages were replaced, before
// they were applied, by a newer one of the same station: with the sink's
// count of messages it took, it accounts for every message received.
func (c *Client) Superseded() int64 { return c.inbox.superseded.Load() }

// IngestCheck is /readyz's degradation check: an error while the backlog is
// over Options.BacklogLimit, when stations' state lags behind what they said.
func (c *Client) IngestCheck(context.Context) error {
	if n := c.Backlog(); n > int64(c.opts.BacklogLimit) {
		return &BacklogError{Backlog: n, Limit: c.opts.BacklogLimit}
	}
	return nil
}

// BacklogError says the telemetry backlog is over its limit.
type BacklogError struct {
	Backlog int64
	Limit   int
}

func (e *BacklogError) Error() string {
	return fmt.Sprintf("telemetry backlog of %d messages, over %d: station state lags", e.Backlog, e.Limit)
}

// checkBacklog logs (at most once a minute) while the backlog is over the limit.
func (c *Client) checkBacklog() {
	if n := c.Backlog(); n > int64(c.opts.BacklogLimit) {
		c.logOverload("telemetry backlog over its limit; station state lags behind the stations",
			slog.Int64("backlog", n), slog.Int("limit", c.opts.BacklogLimit))
	}
}

// logOverload logs an overload warning at most once a minute.
func (c *Client) logOverload(msg string, attrs ...any) {
	now := time.Now().UnixNano()
	last := c.overloadLogged.Load()
	if now-last < int64(time.Minute) || !c.overloadLogged.CompareAndSwap(last, now) {
		return
	}
	c.log.Warn(msg+" (logged at most once a minute; see cityhub_mqtt_ingest_backlog)", attrs...)
}
