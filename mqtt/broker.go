package mqtt

import (
	"context"
	"crypto/rand"
	"encoding/base64"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"sync"
	"syscall"
	"time"

	mochi "github.com/mochi-mqtt/server/v2"
	"github.com/mochi-mqtt/server/v2/hooks/auth"
	"github.com/mochi-mqtt/server/v2/listeners"
	"github.com/mochi-mqtt/server/v2/packets"
	"github.com/prometheus/client_golang/prometheus"

	"cityhub/logpace"
	"cityhub/mobility"
)

// Broker is the embedded MQTT broker a hub starts when no external broker is
// configured, so a newcomer runs everything from one binary. It honours
// $share/ subscriptions like Mosquitto and keeps retained messages and wills
// in memory only. A hub runs it secured (StartSecureBroker): stations log in
// with their own credentials and are confined to their own topics. Tests may
// run it open (StartBroker), which it allows on a loopback address only.
type Broker struct {
	srv  *mochi.Server
	addr string
	auth *authHook // nil when open
	conn *connections
}

// connections tracks the broker's connections from their acceptance to
// their end: mochi's Close does not wait for a connection it is still
// setting up (its fields are read there unsynchronized, which the race
// detector saw), so Broker.Close waits for them itself.
type connections struct {
	listeners.Listener
	mu     sync.RWMutex
	closed bool
}

// Serve runs each accepted connection under the read lock, and refuses one
// accepted after drain.
func (c *connections) Serve(establish listeners.EstablishFn) {
	c.Listener.Serve(func(id string, conn net.Conn) error {
		c.mu.RLock()
		defer c.mu.RUnlock()
		if c.closed {
			return conn.Close()
		}
		return establish(id, conn)
	})
}

// drain waits, up to wait, for the connections in hand to end.
func (c *connections) drain(wait time.Duration) {
	done := make(chan struct{})
	go func() {
		c.mu.Lock() // once every connection in hand has ended
		c.closed = true
		c.mu.Unlock()
		close(done)
	}()
	select {
	case <-done:
	case <-time.After(wait):
	}
}

// BrokerOptions configure a secured embedded broker.
type BrokerOptions struct {
	// Addr is where to listen.
	Addr string
	// MoveIfTaken listens on a free port of Addr's host when Addr is
	// taken (the demo, which must start beside a broker already on 1883).
	// Otherwise a taken Addr stops the start: stations are configured
	// with the broker's address and could not follow it elsewhere.
	MoveIfTaken bool
	// Root is the topic root stations are confined under (DefaultRoot).
	Root string
	// Stations checks station credentials. Nil runs the broker open: anyone
	// may connect and publish anything, so only a loopback address is
	// allowed then.
	Stations StationAuthenticator
	Log      *slog.Logger
	// Registry takes the broker's metrics (a private registry when nil):
	// cityhub_mqtt_broker_logins_refused_total.
	Registry prometheus.Registerer
}

// StartBroker starts an open broker (no authentication) on a loopback
// address, for tests and tools on one machine.
func StartBroker(addr string, log *slog.Logger) (*Broker, error) {
	return StartSecureBroker(BrokerOptions{Addr: addr, Log: log, MoveIfTaken: true})
}

// StartSecureBroker listens on opts.Addr; if that address is taken and
// opts.MoveIfTaken, it listens on a free port of the same host instead and
// logs it. It refuses a
// non-loopback address without opts.Stations: it never runs open to a network.
func StartSecureBroker(opts BrokerOptions) (*Broker, error) {
	log := opts.Log
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	addr := opts.Addr
	host, _, err := net.SplitHostPort(addr)
	if err != nil {
		return nil, fmt.Errorf("embedded broker address %q: %w", addr, err)
	}
	if opts.Stations == nil && !loopback(host) {
		return nil, fmt.Errorf("embedded broker: refusing to listen on %s without station authentication; use a loopback address", addr)
	}
	if opts.Root == "" {
		opts.Root = DefaultRoot
	}
	quiet := slog.New(quietHandler{Handler: log.Handler(), packets: &packetErrors{}})
	caps := mochi.NewDefaultServerCapabilities()
	caps.MaximumPacketSize = MaxPacketSize
	srv := mochi.New(&mochi.Options{Logger: quiet, Capabilities: caps})
	b := &Broker{srv: srv}
	if opts.Stations == nil {
		err = srv.AddHook(new(auth.AllowHook), nil)
	} else {
		reg := opts.Registry
		if reg == nil {
			reg = prometheus.NewRegistry()
		}
		b.auth, err = newAuthHook(opts.Root, opts.Stations, log, reg)
		if err == nil {
			err = srv.AddHook(b.auth, nil)
		}
	}
	if err != nil {
		return nil, fmt.Errorf("embedded broker: %w", err)
	}
	l := &connections{Listener: listeners.NewTCP(listeners.Config{Type: "tcp", ID: listenerID, Address: addr})}
	err = srv.AddListener(l)
	if err != nil && errors.Is(err, syscall.EADDRINUSE) && !opts.MoveIfTaken {
		return nil, fmt.Errorf("embedded broker: %s is taken (by another MQTT broker? Point CITYHUB_MQTT_URL at it, or set CITYHUB_MQTT_BROKER_ADDR to a free address): %w", addr, err)
	}
	if err != nil && errors.Is(err, syscall.EADDRINUSE) {
		wanted := addr
		l = &connections{Listener: listeners.NewTCP(listeners.Config{Type: "tcp", ID: listenerID, Address: net.JoinHostPort(host, "0")})}
		err = srv.AddListener(l)
		if err == nil {
			log.Warn("embedded MQTT broker: address taken, using a free port instead", slog.String("wanted", wanted), slog.String("addr", l.Address()))
		}
	}
	if err != nil {
		return nil, fmt.Errorf("embedded broker listen on %s: %w", addr, err)
	}
	if err := srv.Serve(); err != nil {
		return nil, fmt.Errorf("embedded broker: %w", err)
	}
	b.addr, b.conn = l.Address(), l
	log.Info("embedded MQTT broker listening", slog.String("addr", b.addr), slog.Bool("station_auth", b.auth != nil))
	if !loopback(host) {
		log.Warn("embedded MQTT broker: listening beyond this machine without TLS, so station secrets cross the network in clear text; "+
			"in production, run Mosquitto with TLS (deploy/mosquitto/mosquitto.conf, docs/mqtt.md) and point CITYHUB_MQTT_URL at it",
			slog.String("addr", b.addr))
	}
	return b, nil
}

// MaxPacketSize bounds one MQTT packet, fixed header included, on the
// embedded broker and (max_packet_size) in deploy/mosquitto: the largest
// payload the hub reads (mobility.MaxPayload), plus room for the longest
// topic (a 64-character station and instance id under the root) and the
// headers. Without a bound, a client announcing 256 MB (the most MQTT can
// encode) in a CONNECT made the broker allocate it before any login; over
// the bound the broker reads only the fixed header and drops the connection.
const MaxPacketSize = mobility.MaxPayload + 4<<10

// listenerID names the broker's one TCP listener.
const listenerID = "stations"

// loopback reports whether host names only this machine.
func loopback(host string) bool {
	if host == "localhost" {
		return true
	}
	ip := net.ParseIP(host)
	return ip != nil && ip.IsLoopback()
}

// HubCredentials are the username and password of the hub's own account on
// a secured broker (made up at each start, never written anywhere); empty
// on an open one.
func (b *Broker) HubCredentials() (username, password string) {
	if b.auth == nil {
		return "", ""
	}
	return hubUsername, string(b.auth.hubPass)
}

// SetStationSecret implements mobility.BrokerAccounts: the broker reads
// secrets from the hub's store, so it only forgets what it remembered and
// disconnects a station logged in with the old secret. The hub calls it
// inside the transaction that stores the new secret: a login checked before
// the commit still sees the old one, hence StationCredentialCommitted.
func (b *Broker) SetStationSecret(_ context.Context, stationID, _ string) error {
	b.kick(stationID)
	return nil
}

// RemoveStation implements mobility.BrokerAccounts: it disconnects the
// station. Inside a transaction, as SetStationSecret.
func (b *Broker) RemoveStation(_ context.Context, stationID string) error {
	b.kick(stationID)
	return nil
}

// StationCredentialCommitted is for the hub to call once a change of the
// station's credential (issue, rotation, revocation) is committed: a
// login verified against the credential before the change, between the
// in-transaction call and the commit, is forgotten and its connection
// dropped, so that after this returns no connection made with the old
// secret survives and none is let in from the cache.
func (b *Broker) StationCredentialCommitted(_ context.Context, stationID string) {
	b.kick(stationID)
}

// kick makes the station's logins so far stale, then disconnects its
// connections: one admitted before the first step is listed by the
// second, or finds itself stale when its session is established.
func (b *Broker) kick(stationID string) {
	if b.auth != nil {
		b.auth.changed(stationID)
	}
	for _, cl := range b.srv.Clients.GetAll() {
		if string(cl.Properties.Username) == stationID && !cl.Net.Inline {
			b.disconnect(cl, packets.ErrNotAuthorized)
		}
	}
}

// disconnect ends a client's connection. MQTT 5 lets the server say why
// with a DISCONNECT; in MQTT 3.1.1 only a client sends one, and a strict
// station would take the broker's for a protocol error, so the connection
// is just closed.
func (b *Broker) disconnect(cl *mochi.Client, code packets.Code) {
	if cl.Properties.ProtocolVersion >= 5 {
		_ = b.srv.DisconnectClient(cl, code)
	}
	cl.Stop(code)
}

// randomSecret is 24 random bytes, URL-safe base64.
func randomSecret() string {
	p := make([]byte, 24)
	if _, err := rand.Read(p); err != nil {
		panic("crypto/rand failed: " + err.Error())
	}
	return base64.RawURLEncoding.EncodeToString(p)
}

// Addr is where the broker listens (host:port).
func (b *Broker) Addr() string { return b.addr }

// URL is the broker's address as a client URL.
func (b *Broker) URL() string { return "tcp://" + b.addr }

// Close stops listening, then disconnects every client.
//
// The order and the client list are ours, not mochi-mqtt v2.7.9's: its own
// close path disconnects the clients before it closes the listener, so a
// client reconnecting at once lands on a socket nobody serves and waits out
// its connect timeout; and it takes the client map's read lock twice
// (GetByListener calls Len), so a client disconnecting at that moment (its
// Delete waiting for the write lock) deadlocks the broker for good.
// Server.Close then finds the listener closed and no client left.
func (b *Broker) Close() error {
	b.srv.Listeners.Close(listenerID, func(string) {})
	for _, cl := range b.srv.Clients.GetAll() {
		if !cl.Net.Inline && !cl.Closed() {
			b.disconnect(cl, packets.ErrServerShuttingDown)
		}
	}
	// The connections disconnected end at once; one still logging in
	// (a password check) is given a few seconds.
	if b.conn != nil {
		b.conn.drain(5 * time.Second)
	}
	return b.srv.Close()
}

// quietHandler keeps the broker's chatty info logs at debug level, and its
// packet errors to a line a minute per client and error, without the packet.
type quietHandler struct {
	slog.Handler
	packets *packetErrors
}

// packetErrors decides which of the broker's packet errors are logged. A
// client with valid credentials (a station's) can make one a packet: a
// publish to a topic not its own ends its connection, and it may connect
// again at once. mochi logs each with the whole packet, payload included
// as decimal bytes, so that a station could write 64 KiB of its choice
// into the hub's log per publish, as fast as it reconnects.
type packetErrors struct{ log logpace.Pace }

// mochiPacketError is the message of mochi's record of a packet it refused.
const mochiPacketError = "error processing packet"

// packetError rewrites a packet error's record: without its packet, and
// with the count of those not logged since; ok is false for one not to log.
func (h quietHandler) packetError(r slog.Record) (slog.Record, bool) {
	var client, cause string
	attrs := make([]slog.Attr, 0, r.NumAttrs())
	r.Attrs(func(a slog.Attr) bool {
		switch a.Key {
		case "pk":
			return true
		case "client":
			client = a.Value.String()
		case "error":
			cause = a.Value.String()
		}
		attrs = append(attrs, a)
		return true
	})
	logIt, suppressed := h.packets.log.Note(client+"\x00"+cause, r.Time)
	if !logIt {
		return r, false
	}
	out := slog.NewRecord(r.Time, r.Level, r.Message+" (logged at most once a minute per client and error, without the packet)", r.PC)
	out.AddAttrs(attrs...)
	out.AddAttrs(slog.Int("unlogged_since_last", suppressed))
	return out, true
}

func (h quietHandler) Handle(ctx context.Context, r slog.Record) error {
	if r.Message == mochiPacketError && h.packets != nil {
		var ok bool
		if r, ok = h.packetError(r); !ok {
			return nil
		}
	}
	// mochi reports each connection that ends with a read error, with no
	// message: that is a station going away, not a problem of the broker.
	if r.Level < slog.LevelWarn || r.Message == "" {
		r.Level = slog.LevelDebug
	}
	// Enabled let the record through at its own level; lowered, it is
	// dropped unless the logger shows debug.
	if !h.Handler.Enabled(ctx, r.Level) {
		return nil
	}
	return h.Handler.Handle(ctx, r)
}

func (h quietHandler) Enabled(ctx context.Context, l slog.Level) bool {
	// Decided per record in Handle, which may lower a warning to debug.
	return h.Handler.Enabled(ctx, min(l, slog.LevelDebug)) || h.Handler.Enabled(ctx, l)
}

func (h quietHandler) WithAttrs(as []slog.Attr) slog.Handler {
	return quietHandler{h.Handler.WithAttrs(as), h.packets}
}
func (h quietHandler) WithGroup(g string) slog.Handler {
	return quietHandler{h.Handler.WithGroup(g), h.packets}
}
