// Command cityhub is the city's digital front office: one binary that serves
// the JSON API, the pages, the open-data feeds and the bike stations' MQTT
// traffic. main only parses, wires and runs; the rules live in the domain
// packages.
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"os"
	"os/signal"
	"strings"
	"sync"
	"syscall"
	"time"

	"cityhub/logwriter"
)

// version is set at build time with -ldflags "-X main.version=...".
var version = "dev"

func main() {
	runMain(os.Args[1:], os.Getenv, os.Stdout, os.Stderr, os.Exit)
}

// exitLogWait bounds how long an exit waits for the log to be written out.
const exitLogWait = 2 * time.Second

// runMain is main on its arguments, environment and streams, ending the
// process through exit when the command fails or a second signal comes.
func runMain(args []string, getenv func(string) string, stdout, stderr io.Writer, exit func(int)) {
	// --version alone asks what "version" answers, as most programs take
	// it; read otherwise it would be a flag of serve, the default command.
	if len(args) == 1 && (args[0] == "--version" || args[0] == "-version") {
		args = []string{"version"}
	}
	// The log leaves through one background writer (logwriter), so that a
	// request does not wait for standard error to take its line; what main
	// itself says goes the same way, after the lines before it, and all of
	// it is written out before the process exits.
	logs := logwriter.New(stderr, 0)
	exitAfterLog := func(code int) {
		// Bounded: a log reader that stopped reading (a full pipe) must
		// not keep a second Ctrl-C from stopping the hub at once.
		written := make(chan struct{})
		go func() {
			logs.Close()
			close(written)
		}()
		select {
		case <-written:
		case <-time.After(exitLogWait):
		}
		exit(code)
	}
	out := stderrFor(args, getenv, logs)
	ctx, stop := stopOnSignals(out, exitAfterLog)
	defer stop()
	if err := run(ctx, args, getenv, stdout, logs); err != nil {
		out.say(slog.LevelError, err.Error())
		stop()
		exitAfterLog(1)
	}
	logs.Close()
}

// stopOnSignals is a context that the first SIGINT or SIGTERM ends: the
// hub then stops taking work and finishes what it has, for up to
// CITYHUB_SHUTDOWN_TIMEOUT. A second one does not wait for that: it exits
// at once (status 1), as someone pressing Ctrl-C again expects. Nothing
// acknowledged is lost by it: a request's answer is sent only after its
// transaction committed, and one cut before that was never acknowledged.
func stopOnSignals(out stderrLines, exit func(int)) (context.Context, func()) {
	sigs := make(chan os.Signal, 2)
	signal.Notify(sigs, os.Interrupt, syscall.SIGTERM)
	ctx, stop := relaySignals(sigs, out, exit)
	return ctx, func() {
		signal.Stop(sigs)
		stop()
	}
}

// relaySignals is stopOnSignals for the signals received on sigs.
func relaySignals(sigs <-chan os.Signal, out stderrLines, exit func(int)) (context.Context, func()) {
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() {
		select {
		case s := <-sigs:
			out.say(slog.LevelInfo, fmt.Sprintf("%v: %s; %v again stops at once", s, out.stopping(), s))
			cancel()
		case <-done:
			return
		}
		select {
		case s := <-sigs:
			out.say(slog.LevelWarn, fmt.Sprintf("%v again: %s", s, out.stoppingAtOnce()))
			exit(1)
		case <-done:
		}
	}()
	var once sync.Once
	return ctx, func() {
		once.Do(func() {
			close(done)
			cancel()
		})
	}
}

// stderrLines writes what main itself says (a signal, the error the
// program stops with) as the hub logs: a JSON line when the configuration
// asks for JSON logs, so that a collector reading JSON lines gets the
// last one too, which says why the hub stopped.
type stderrLines struct {
	w    io.Writer
	json bool
	// cmd is the command, "serve" when none is named: what a signal
	// makes it do depends on it.
	cmd string
}

// stopping says what the first signal makes the command do.
func (o stderrLines) stopping() string {
	switch o.cmd {
	case "", "serve", "demo":
		return "stopping after the requests in flight"
	case "simulate":
		return "disconnecting the simulated stations from the broker"
	}
	return "stopping"
}

// stoppingAtOnce says what the second signal makes it do.
func (o stderrLines) stoppingAtOnce() string {
	if o.cmd == "" || o.cmd == "serve" || o.cmd == "demo" {
		return "stopping at once, without waiting for the requests in flight"
	}
	return "stopping at once"
}

func (o stderrLines) say(level slog.Level, msg string) {
	if !o.json {
		fmt.Fprintln(o.w, "cityhub: "+msg)
		return
	}
	slog.New(slog.NewJSONHandler(o.w, nil)).Log(context.Background(), level, msg)
}

// stderrFor reads the log format as config.Parse does (the -log-format
// flag, else CITYHUB_LOG_FORMAT) without the rest of the configuration,
// which may be what failed; a format that is not json, or not valid, is
// text. simulate, version and help do not log as the hub does.
func stderrFor(args []string, getenv func(string) string, w io.Writer) stderrLines {
	cmd := "serve"
	if len(args) > 0 && args[0] != "" && args[0][0] != '-' {
		cmd = args[0]
		switch args[0] {
		case "simulate", "version", "help":
			return stderrLines{w: w, cmd: cmd}
		}
		args = args[1:]
	}
	format := getenv("CITYHUB_LOG_FORMAT")
	for i := 0; i < len(args); i++ {
		a := args[i]
		if a == "--" {
			break
		}
		if a == "" || a[0] != '-' {
			continue // another flag's value, or an argument
		}
		name, value, hasValue := strings.Cut(strings.TrimLeft(a, "-"), "=")
		if name != "log-format" {
			continue
		}
		if !hasValue && i+1 < len(args) {
			i++
			value = args[i]
		}
		format = value
	}
	return stderrLines{w: w, json: format == "json", cmd: cmd}
}

const usage = `usage: cityhub [command] [flags]

commands:
  serve     run the hub (the default)
  demo      run the hub with demo data seeded on first start
  migrate   apply database migrations and exit
  create-admin -email E [-name N]
            create a city administrator, the first one or another
            (password from CITYHUB_ADMIN_PASSWORD, or generated and
            printed once)
  clear-login-limits [-email E] [-ip A]
            forget the failed logins counted against an email address,
            or those, the sign-ups and the e-mails asked for from a
            client address, so they can log in at once
  backup FILE
            copy the embedded database, while the hub runs, into FILE
  restore FILE
            put a backup into an empty data directory
  check     say whether the database, broker, SMTP, Stripe and public URL
            of the configuration are reachable and sane
  simulate  play bike stations against an MQTT broker (the station simulator)
  version   print the version

Run "cityhub serve -h" for flags, and any command's -h for the flags it
takes; every flag but -simulate-stations (demo only) has a CITYHUB_*
environment variable.
`

// run is the whole program; tests call it directly.
func run(ctx context.Context, args []string, getenv func(string) string, stdout, stderr io.Writer) (err error) {
	// -h (or -help) asked for the flags, which the flag set has printed:
	// that is what was asked, not a failure (exit 0, no error line).
	defer func() {
		if errors.Is(err, flag.ErrHelp) {
			err = nil
		}
	}()
	// Help alone asks what the program does: the command list, not the
	// flags of serve (the default command), which "serve -h" prints.
	if len(args) == 1 && isHelp(args[0]) {
		fmt.Fprint(stdout, usage)
		return nil
	}
	cmd := "serve"
	if len(args) > 0 && args[0] != "" && args[0][0] != '-' {
		cmd, args = args[0], args[1:]
	}
	switch cmd {
	case "serve":
		return untilStopped(ctx, serve(ctx, "serve", args, getenv, stdout, stderr, false))
	case "demo":
		return untilStopped(ctx, serve(ctx, "demo", args, getenv, stdout, stderr, true))
	case "migrate":
		return migrate(ctx, args, getenv, stderr)
	case "backup":
		return backup(ctx, args, getenv, stdout, stderr)
	case "restore":
		return restore(ctx, args, getenv, stdout, stderr)
	case "check":
		return check(ctx, args, getenv, stdout, stderr)
	case "simulate":
		return untilStopped(ctx, simulate(ctx, args, getenv, stdout, stderr))
	case "create-admin":
		return createAdmin(ctx, args, getenv, stdout, stderr)
	case "clear-login-limits":
		return clearLoginLimits(ctx, args, getenv, stdout, stderr)
	case "version":
		if len(args) > 0 {
			if isHelp(args[0]) && len(args) == 1 {
				fmt.Fprint(stdout, "usage: cityhub version\n\nprints the version of this binary.\n")
				return nil
			}
			return fmt.Errorf("version takes no arguments: %q", args)
		}
		fmt.Fprintln(stdout, "cityhub", version)
		return nil
	case "help":
		fmt.Fprint(stdout, usage)
		return nil
	}
	fmt.Fprint(stderr, usage)
	return errors.New("unknown command " + cmd)
}

// untilStopped is the result of a command that runs until it is stopped
// (serve, demo, simulate): one stopped (SIGTERM, Ctrl-C) while it was still
// starting, whichever step the stop cut short, stops cleanly as it does
// once running, instead of failing with the context's error. A command
// that finishes its work (migrate, backup, restore) keeps that error: cut
// short, it did not do what it was asked.
func untilStopped(ctx context.Context, err error) error {
	if err != nil && ctx.Err() != nil && errors.Is(err, context.Canceled) {
		return nil
	}
	return err
}

// isHelp reports whether arg asks for help, as the flag package reads it.
func isHelp(arg string) bool {
	switch arg {
	case "-h", "-help", "--h", "--help":
		return true
	}
	return false
}
