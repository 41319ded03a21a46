package main

import (
	"context"
	"log/slog"

	"cityhub/config"
	"cityhub/store"
	"cityhub/web"
)

// hub is the wired application: services built on the store, and the HTTP
// server over them.
type hub struct {
	cfg     config.Config
	db      store.DB
	log     *slog.Logger
	server  *web.Server
	closers []func()
}

// wire builds every service from the configuration. It holds no rules.
func wire(ctx context.Context, cfg config.Config, db store.DB, log *slog.Logger) (*hub, error) {
	h := &hub{cfg: cfg, db: db, log: log}
	h.server = web.New(web.Deps{
		Log:       log,
		PublicURL: cfg.PublicURL,
		Version:   version,
		Ready: map[string]func(context.Context) error{
			"database": db.Ping,
		},
	})
	return h, nil
}

func (h *hub) close() {
	for i := len(h.closers) - 1; i >= 0; i-- {
		h.closers[i]()
	}
}

// seedDemo loads the demo data (idempotent) and returns the logins to print.
func (h *hub) seedDemo(ctx context.Context) ([]demoLogin, error) {
	return nil, nil
}
