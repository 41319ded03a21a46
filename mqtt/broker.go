package mqtt

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"syscall"

	mochi "github.com/mochi-mqtt/server/v2"
	"github.com/mochi-mqtt/server/v2/hooks/auth"
	"github.com/mochi-mqtt/server/v2/listeners"
)

// Broker is the embedded MQTT broker a hub starts when no external broker is
// configured, so a newcomer runs everything from one binary. It honours
// $share/ subscriptions like Mosquitto, keeps retained messages and wills in
// memory only, and lets anyone connect: it is meant for one machine, bound to
// 127.0.0.1 by default.
type Broker struct {
	srv  *mochi.Server
	addr string
}

// StartBroker listens on addr; if that address is taken it listens on a free
// port of the same host instead and logs it.
func StartBroker(addr string, log *slog.Logger) (*Broker, error) {
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	quiet := slog.New(quietHandler{log.Handler()})
	srv := mochi.New(&mochi.Options{Logger: quiet})
	if err := srv.AddHook(new(auth.AllowHook), nil); err != nil {
		return nil, fmt.Errorf("embedded broker: %w", err)
	}
	l := listeners.NewTCP(listeners.Config{Type: "tcp", ID: "stations", Address: addr})
	err := srv.AddListener(l)
	if err != nil && errors.Is(err, syscall.EADDRINUSE) {
		host, _, splitErr := net.SplitHostPort(addr)
		if splitErr != nil {
			return nil, fmt.Errorf("embedded broker address %q: %w", addr, splitErr)
		}
		wanted := addr
		l = listeners.NewTCP(listeners.Config{Type: "tcp", ID: "stations", Address: net.JoinHostPort(host, "0")})
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
	b := &Broker{srv: srv, addr: l.Address()}
	log.Info("embedded MQTT broker listening", slog.String("addr", b.addr))
	return b, nil
}

// Addr is where the broker listens (host:port).
func (b *Broker) Addr() string { return b.addr }

// URL is the broker's address as a client URL.
func (b *Broker) URL() string { return "tcp://" + b.addr }

// Close disconnects every client and stops listening.
func (b *Broker) Close() error { return b.srv.Close() }

// quietHandler keeps the broker's chatty info logs at debug level.
type quietHandler struct{ slog.Handler }

func (h quietHandler) Handle(ctx context.Context, r slog.Record) error {
	// mochi reports each connection that ends with a read error, with no
	// message: that is a station going away, not a problem of the broker.
	if r.Level < slog.LevelWarn || r.Message == "" {
		r.Level = slog.LevelDebug
	}
	return h.Handler.Handle(ctx, r)
}

func (h quietHandler) Enabled(ctx context.Context, l slog.Level) bool {
	// Decided per record in Handle, which may lower a warning to debug.
	return h.Handler.Enabled(ctx, min(l, slog.LevelDebug)) || h.Handler.Enabled(ctx, l)
}

func (h quietHandler) WithAttrs(as []slog.Attr) slog.Handler {
	return quietHandler{h.Handler.WithAttrs(as)}
}
func (h quietHandler) WithGroup(g string) slog.Handler { return quietHandler{h.Handler.WithGroup(g)} }
