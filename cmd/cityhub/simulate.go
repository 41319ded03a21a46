package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"time"

	"cityhub/config"
	"cityhub/mobility"
	"cityhub/simulator"
)

// simulate plays bike stations against a broker until ctx ends.
func simulate(ctx context.Context, args []string, getenv func(string) string, stdout, stderr io.Writer) error {
	fs := flag.NewFlagSet("simulate", flag.ContinueOnError)
	fs.SetOutput(stderr)
	url := getenv("CITYHUB_MQTT_URL")
	if url == "" {
		url = "tcp://127.0.0.1:1883"
	}
	fs.StringVar(&url, "mqtt-url", url, "broker to connect to (CITYHUB_MQTT_URL)")
	root := fs.String("root", "cityhub/v1", "topic root")
	prefix := fs.String("prefix", "bn", "station id prefix: stations are PREFIX-001, PREFIX-002, ...")
	n := fs.Int("stations", 10, "number of stations")
	docks := fs.Int("docks", 10, "docks per station (two thirds start with a bike, every third bike electric)")
	statusEvery := fs.Duration("status-every", 30*time.Second, "republish every station's status this often")
	events := fs.Float64("events-per-second", 0.2, "rebalancing moves per second across all stations (bike_undocked + bike_docked)")
	failure := fs.Float64("failure-rate", 0.05, "share of unlocks answered with an error")
	silent := fs.Float64("silent-rate", 0, "share of unlocks never answered")
	delay := fs.Duration("reply-delay", 500*time.Millisecond, "time to open a lock before answering")
	rideMin := fs.Duration("ride-min", 2*time.Minute, "shortest simulated ride")
	rideMax := fs.Duration("ride-max", 10*time.Minute, "longest simulated ride")
	clockBehind := fs.Duration("clock-behind", 0, "make the stations' clocks run this far behind (negative: ahead), as stations whose NTP failed")
	credFile := fs.String("credentials", "", "file of \"station-id secret\" lines: each station logs in as itself (the demo writes DATA_DIR/demo-stations.credentials)")
	if err := fs.Parse(args); err != nil {
		return err
	}
	if fs.NArg() > 0 {
		return fmt.Errorf("unexpected arguments: %q", fs.Args())
	}
	// The URL is named as the operator gave it: one read from the
	// environment was refused as "-mqtt-url", a flag never typed.
	urlName := "-mqtt-url"
	if getenv("CITYHUB_MQTT_URL") != "" {
		urlName = "CITYHUB_MQTT_URL"
	}
	fs.Visit(func(f *flag.Flag) {
		if f.Name == "mqtt-url" {
			urlName = "-mqtt-url"
		}
	})
	if err := simulateFlagsError(urlName, url, *n, *docks, *failure, *silent, *events, *statusEvery, *delay, *rideMin, *rideMax); err != nil {
		return err
	}
	// Its lines go where the hub's do, so they are written as the hub's
	// are: the level and format the hub's variables say (simulate reads
	// them, as its broker, without the rest of the configuration).
	log := newLogger(config.Config{LogLevel: getenv("CITYHUB_LOG_LEVEL"), LogFormat: getenv("CITYHUB_LOG_FORMAT")}, stderr)
	layout := simulator.Layout(*prefix, *n, *docks)
	var creds map[string]string
	if *credFile != "" {
		var err error
		if creds, err = simulator.ReadCredentials(*credFile); err != nil {
			return err
		}
		// A station without a line would log in with nothing and be
		// refused: it is not played, and said so by name (the demo's file
		// holds the stations it registered, 8 of the default 10, less any
		// an operator deleted); none at all is a mistake.
		var missing []string
		kept := layout[:0]
		for _, st := range layout {
			if _, ok := creds[st.ID]; ok {
				kept = append(kept, st)
			} else {
				missing = append(missing, st.ID)
			}
		}
		if len(kept) == 0 {
			return fmt.Errorf("%s has no secret for any of the %d stations (%s ...): pass the file the hub wrote for these stations, or -prefix and -stations naming those in the file",
				*credFile, len(layout), missing[0])
		}
		if len(missing) > 0 {
			log.Warn("stations without a secret in the credentials file are not played", slog.String("file", *credFile), slog.Int("stations", len(missing)), slog.String("first", missing[0]))
		}
		layout = kept
	}
	sim := simulator.New(simulator.Config{URL: url, Credentials: creds, Root: *root, Stations: layout, StatusEvery: *statusEvery,
		EventsPerSecond: *events, FailureRate: *failure, SilentRate: *silent, ReplyDelay: *delay,
		RideMin: *rideMin, RideMax: *rideMax, ClockBehind: *clockBehind, Log: log,
		// A broker not reached yet (the hub still starting) is retried,
		// each failed attempt logged, until the operator stops the command.
		ConnectWait: -1})
	log.Info("connecting the stations", slog.Int("stations", *n), slog.String("broker", config.Redact(url)))
	if err := sim.Start(ctx); err != nil {
		if errors.Is(err, simulator.ErrRefused) {
			if *credFile == "" {
				return fmt.Errorf("%w\nthe broker %s wants each station to log in with its own secret: pass -credentials FILE, a file of \"station-id secret\" lines (the demo writes DATA_DIR/demo-stations.credentials)", err, config.Redact(url))
			}
			return fmt.Errorf("%w\nthe broker %s did not take the secrets in %s: the hub gives its stations new ones (the demo at each start), so pass the file it wrote last, for the same stations (-prefix, -stations)", err, config.Redact(url), *credFile)
		}
		return err // stopped while connecting: a clean stop (untilStopped)
	}
	defer sim.Close()
	fmt.Fprintf(stdout, "simulating %d stations (%s ... ) on %s; Ctrl-C to stop\n", len(layout), layout[0].ID, config.Redact(url))
	fmt.Fprintln(stdout, "the hub must know these stations: `cityhub demo` registers the same layout (prefix bn, 10 docks)")
	<-ctx.Done()
	return nil
}

// simulateFlagsError says which of simulate's flags is out of bounds, all
// of them at once, or nil: each would otherwise play something other than
// asked (0 stations, a failure rate of 2) or retry for ever.
func simulateFlagsError(urlName, brokerURL string, stations, docks int, failure, silent, events float64, statusEvery, delay, rideMin, rideMax time.Duration) error {
	var errs []error
	if err := config.CheckBrokerURL(urlName, brokerURL); err != nil {
		errs = append(errs, err)
	}
	if stations < 1 || stations > 999 {
		errs = append(errs, fmt.Errorf("-stations %d: want 1 to 999 (ids PREFIX-001 to PREFIX-999)", stations))
	}
	if docks < 2 || docks > mobility.MaxCapacity {
		errs = append(errs, fmt.Errorf("-docks %d: want 2 to %d (a station plays at least one bike and one free dock)", docks, mobility.MaxCapacity))
	}
	if failure < 0 || failure > 1 || silent < 0 || silent > 1 || failure+silent > 1 {
		errs = append(errs, fmt.Errorf("-failure-rate %v and -silent-rate %v: want shares from 0 to 1, together at most 1", failure, silent))
	}
	if events < 0 {
		errs = append(errs, fmt.Errorf("-events-per-second %v: want 0 or more", events))
	}
	if statusEvery <= 0 {
		errs = append(errs, fmt.Errorf("-status-every %v: want more than 0", statusEvery))
	}
	if delay < 0 {
		errs = append(errs, fmt.Errorf("-reply-delay %v: want 0 or more", delay))
	}
	if rideMin <= 0 || rideMax < rideMin {
		errs = append(errs, fmt.Errorf("-ride-min %v and -ride-max %v: want a shortest ride above 0 and a longest no shorter", rideMin, rideMax))
	}
	return errors.Join(errs...)
}
