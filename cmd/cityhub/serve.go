package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"syscall"

	"cityhub/config"
	"cityhub/demo"
	"cityhub/internal/gctune"
	"cityhub/keyring"
	"cityhub/mobility"
	"cityhub/store"
	"cityhub/web"
)

func newLogger(cfg config.Config, w io.Writer) *slog.Logger {
	var level slog.Level
	if err := level.UnmarshalText([]byte(cfg.LogLevel)); err != nil {
		level = slog.LevelInfo
	}
	opts := &slog.HandlerOptions{Level: level}
	if cfg.LogFormat == "json" {
		// JSON would write a duration in nanoseconds (20000000000) where
		// text writes 20s: a reader of either sees the same value.
		jsonOpts := *opts
		jsonOpts.ReplaceAttr = func(_ []string, a slog.Attr) slog.Attr {
			if a.Value.Kind() == slog.KindDuration {
				a.Value = slog.StringValue(a.Value.Duration().String())
			}
			return a
		}
		return slog.New(oneComponent{h: slog.NewJSONHandler(w, &jsonOpts)})
	}
	return slog.New(oneComponent{h: slog.NewTextHandler(w, opts)})
}

func migrate(ctx context.Context, args []string, getenv func(string) string, stderr io.Writer) error {
	cfg, err := config.Parse("migrate", args, getenv, stderr)
	if err != nil {
		return err
	}
	// The hub's own database, never a new one, as clear-login-limits:
	// run without the hub's environment, or on a data directory that holds
	// none (empty, or not the hub's), migrate would make a new database,
	// call it current, and an upgrade step would seem done. A fresh
	// embedded database is made by the hub's first start, which migrates
	// it; migrate has nothing to do before that.
	if err := hubDatabase(cfg); err != nil {
		return err
	}
	log := newLogger(cfg, stderr)
	db, err := store.Open(ctx, cfg.DatabaseURL, cfg.DataDir, log)
	if err != nil {
		return err
	}
	// Each migration applied was logged as it went ("applied
	// migration"); none is logged when the schema was current already.
	// Which database it was is said too, the embedded file by its full
	// path: a relative data directory is the one where the command ran.
	where := config.Redact(cfg.DatabaseURL)
	if cfg.DatabaseURL == "" {
		where = filepath.Join(cfg.DataDir, store.SQLiteFile)
		if abs, err := filepath.Abs(where); err == nil {
			where = abs
		}
	}
	log.Info("schema is current", slog.String("engine", db.Engine()), slog.String("database", where))
	return db.Close()
}

// warnMetricsOpen says at start that, without CITYHUB_METRICS_TOKEN,
// /metrics answers every request from this machine that no proxy says it
// forwarded: a reverse proxy on the same machine that adds no forwarding
// header (nginx's proxy_pass adds none unless told) hands it to anyone.
func warnMetricsOpen(cfg config.Config, log *slog.Logger) {
	if cfg.MetricsToken == "" {
		log.Warn("CITYHUB_METRICS_TOKEN is not set: /metrics answers any request from this machine without X-Forwarded-For, Forwarded or X-Real-IP, " +
			"so a reverse proxy on this machine must set one of them (nginx's proxy_pass sets none unless told), or set the token")
	}
}

// serve runs the hub until ctx ends, then drains in-flight requests.
func serve(ctx context.Context, name string, args []string, getenv func(string) string, stdout, stderr io.Writer, demo bool) error {
	if demo {
		getenv = demoDefaults(getenv)
	}
	cfg, err := config.Parse(name, args, getenv, stderr)
	if err != nil {
		return err
	}
	cfg.Demo = demo
	// What the settings name is read before anything is done or logged: a
	// start refused for a bad setting says only that, and changes nothing
	// (the store is not opened, and perhaps migrated).
	if err := preflight(cfg); err != nil {
		return err
	}
	log := newLogger(cfg, stderr)
	// Private: it holds the embedded database and the demo's passwords.
	if err := os.MkdirAll(cfg.DataDir, 0o700); err != nil {
		return fmt.Errorf("create data directory: %w", err)
	}

	ln, err := net.Listen("tcp", cfg.HTTPAddr)
	if err != nil {
		return listenError(cfg.NameOf("CITYHUB_HTTP_ADDR"), cfg.HTTPAddr, err)
	}
	defer ln.Close()
	// Serving HTTPS itself, the hub answers on plain HTTP only with ACME
	// challenges and redirects.
	var https *httpsSide
	if cfg.TLS.Enabled() {
		if https, err = listenHTTPS(&cfg, log); err != nil {
			return err
		}
		defer https.ln.Close()
	}
	if cfg.PublicURL == "" {
		cfg.PublicURL = publicURL(ln.Addr().String())
	}
	log.Info("starting cityhub", append([]any{slog.String("version", version)}, cfg.Summary()...)...)
	warnMetricsOpen(cfg, log)
	gc, err := gctune.Apply()
	if err != nil {
		log.Warn("garbage collector: no soft memory limit", slog.Any("error", err))
	}
	log.Info("garbage collector", gcLogAttrs(gc)...)
	// The demo's refusal of a city's database comes before the store is
	// opened: opening migrates it, and wiring makes keys and starts work.
	if cfg.Demo {
		if err := demoDatabase(ctx, cfg); err != nil {
			return fmt.Errorf("seed demo data: %w", err)
		}
	}

	db, err := store.Open(ctx, cfg.DatabaseURL, cfg.DataDir, log)
	if err != nil {
		return fmt.Errorf("open store: %w", err)
	}
	defer db.Close()
	// After the store: the ACME cache goes into the data directory, which
	// the embedded store makes private only while it is empty.
	if https != nil {
		if err := https.loadCertificates(cfg); err != nil {
			return err
		}
	}

	hub, err := wire(ctx, cfg, db, log)
	if err != nil {
		return err
	}
	defer hub.close()

	if cfg.Demo {
		logins, err := hub.seedDemo(ctx, stdout)
		if err != nil {
			return fmt.Errorf("seed demo data: %w", err)
		}
		printDemo(stdout, cfg, logins)
	}

	srv := web.HTTPServer(hub.server, log)
	servers := []*http.Server{srv}
	errc := make(chan error, 2)
	if https != nil {
		srv.Handler = https.certs.PlainHandler()
		servers = append(servers, https.serve(ctx, hub.server, errc))
	}
	go func() {
		err := srv.Serve(ln)
		if errors.Is(err, http.ErrServerClosed) {
			err = nil
		}
		errc <- err
	}()
	if https != nil {
		log.Info("listening", slog.String("https_addr", https.ln.Addr().String()), slog.String("redirect_addr", ln.Addr().String()),
			slog.String("url", cfg.PublicURL))
		fmt.Fprintf(stdout, "cityhub is listening on %s (HTTPS on %s; plain HTTP on %s redirects to it)\n",
			cfg.PublicURL, https.ln.Addr(), ln.Addr())
	} else {
		log.Info("listening", slog.String("addr", ln.Addr().String()), slog.String("url", cfg.PublicURL))
		fmt.Fprintf(stdout, "cityhub is listening on %s\n", cfg.PublicURL)
	}

	select {
	case err := <-errc:
		for _, s := range servers {
			s.Close()
		}
		if err != nil {
			return fmt.Errorf("http server: %w", err)
		}
		return nil
	case <-ctx.Done():
	}
	log.Info("shutting down: finishing in-flight requests", slog.Duration("timeout", cfg.ShutdownTimeout))
	shutCtx, cancel := context.WithTimeout(context.WithoutCancel(ctx), cfg.ShutdownTimeout)
	defer cancel()
	shut := make(chan error, len(servers))
	for _, s := range servers {
		go func() { shut <- s.Shutdown(shutCtx) }()
	}
	var errs []error
	for range servers {
		if err := <-shut; err != nil {
			errs = append(errs, err)
		}
	}
	if err := errors.Join(errs...); err != nil {
		// Shutdown leaves the connections of the requests still running
		// open; they are closed here rather than by the process's exit,
		// and the exit says what happened to them, non-zero: a request
		// was answered with a broken connection.
		for _, s := range servers {
			s.Close()
		}
		if errors.Is(err, context.DeadlineExceeded) {
			return fmt.Errorf("shutdown: requests still running after CITYHUB_SHUTDOWN_TIMEOUT (%s) were cut", cfg.ShutdownTimeout)
		}
		return fmt.Errorf("shutdown: %w", err)
	}
	log.Info("stopped")
	return nil
}

// publicURL derives a URL people can open from a listen address.
func publicURL(addr string) string {
	host, port, err := net.SplitHostPort(addr)
	if err != nil {
		return "http://" + addr
	}
	if host == "" || host == "0.0.0.0" || host == "::" {
		host = "localhost"
	}
	if strings.Contains(host, ":") {
		host = "[" + host + "]"
	}
	return "http://" + host + ":" + port
}

// demoLogin is one demo account printed at start.
type demoLogin struct {
	Role, Email, Password string
}

// demoDefaults makes the demo take wallet top-ups without a card, so
// every page can be tried, unless CITYHUB_TEST_PAYMENTS says otherwise or
// Stripe is configured (then the demo takes real test cards), and publish
// the open data catalogue of its Benevento.
func demoDefaults(getenv func(string) string) func(string) string {
	return func(key string) string {
		v := getenv(key)
		if key == "CITYHUB_TEST_PAYMENTS" && v == "" && getenv("CITYHUB_STRIPE_SECRET_KEY") == "" {
			return "true"
		}
		// The demo's city is Benevento, whose IPA code this is: its open
		// data catalogue is shown too.
		if name := strings.TrimSpace(getenv("CITYHUB_CITY_NAME")); key == "CITYHUB_CITY_IPA_CODE" && v == "" && (name == "" || strings.EqualFold(name, config.DefaultCityName)) {
			return "c_a783"
		}
		return v
	}
}

func printDemo(w io.Writer, cfg config.Config, logins []demoLogin) {
	fmt.Fprintf(w, "\ncityhub demo: open %s\n", cfg.PublicURL)
	if len(logins) > 0 {
		fmt.Fprintln(w, "demo logins:")
		unknown := false
		for _, l := range logins {
			pw := l.Password
			if pw == "" {
				pw, unknown = "not known on this copy", true
			}
			fmt.Fprintf(w, "  %-18s %-32s password: %s\n", l.Role, l.Email, pw)
		}
		if unknown {
			// A data directory restored from a demo's backup: the accounts
			// came back, their passwords' file (kept beside the database,
			// never in it) did not.
			fmt.Fprintf(w, "The demo accounts' passwords are not known on this copy of the data (%s is not in this data directory: cityhub restore does not bring it back).\n", demo.LoginsFile)
			fmt.Fprintln(w, "To get in: make an administrator with `cityhub create-admin -email you@example.org` with this demo's CITYHUB_DATA_DIR (or CITYHUB_DATABASE_URL), sign in,")
			fmt.Fprintln(w, "and ask a password reset for a demo account on the sign-in page: its e-mail waits in the outbox at /admin/outbox (or leaves by CITYHUB_SMTP_URL).")
		}
	}
	if cfg.TestPayments {
		fmt.Fprintln(w, "TEST PAYMENTS ARE ON: payments succeed without a card. Never use this in production.")
	}
	fmt.Fprintln(w)
}

// gcLogAttrs is the start log's line on the garbage collector. No soft
// limit (AUTOMEMLIMIT=off) is said as none: memory_limit_bytes=0 would
// read as a limit of nothing.
func gcLogAttrs(gc gctune.Settings) []any {
	limit := slog.Int64("memory_limit_bytes", gc.Limit)
	if gc.Limit == 0 {
		limit = slog.String("memory_limit", "none")
	}
	return []any{slog.Int("gogc", gc.Percent), slog.Bool("gogc_from_env", gc.PercentByEnv),
		limit, slog.Bool("memory_limit_from_env", gc.LimitByEnv)}
}

// listenError says why the hub could not listen on addr, the value of
// setting: taken, which setting to change, as the embedded broker says of
// its own address.
func listenError(setting, addr string, err error) error {
	if errors.Is(err, syscall.EADDRINUSE) {
		return fmt.Errorf("%s is taken (by another program, or this hub already running): stop it or set %s to a free address: %w", addr, setting, err)
	}
	return fmt.Errorf("listen on %s (%s): %w", addr, setting, err)
}

// checkInstanceID refuses an instance id the broker client would refuse;
// serve and check both say it with these words. Empty is a random one.
func checkInstanceID(cfg config.Config) error {
	if cfg.InstanceID != "" && !mobility.ValidID(cfg.InstanceID) {
		return fmt.Errorf("%s %q: want 1 to %d lower-case letters, digits, - and _, starting with a letter or digit", cfg.NameOf("CITYHUB_INSTANCE_ID"), cfg.InstanceID, mobility.MaxID)
	}
	return nil
}

// preflight refuses settings that parse but that the hub could not start
// with, which only the parts that use them would otherwise find, after the
// store is opened: the configured signing keys and the instance id, which
// the broker client would refuse. (cityhub check reports the instance id
// on a line of its own.)
func preflight(cfg config.Config) error {
	if err := checkInstanceID(cfg); err != nil {
		return err
	}
	if err := keyring.CheckPEM(cfg.SigningKeys); err != nil {
		return fmt.Errorf("CITYHUB_SIGNING_KEYS: %w", err)
	}
	return nil
}
