package main

import (
	"encoding/json"
	"io"
	"log/slog"
	"os"
	"strings"
	"syscall"
	"testing"

	"cityhub/internal/testutil"
)

// With JSON logs the error the hub stops with, and what a signal makes it
// do, were plain "cityhub: ..." lines among the JSON ones.
func TestFatalLineFollowsLogFormat(t *testing.T) {
	t.Parallel()
	env := map[string]string{
		"CITYHUB_DATA_DIR":         t.TempDir(),
		"CITYHUB_MQTT_BROKER_AUTH": "bogus", // fails, after the format is read
		"CITYHUB_LOG_FORMAT":       "json",
	}
	getenv := testGetenv(env)
	err := run(t.Context(), []string{"serve"}, getenv, io.Discard, io.Discard)
	if err == nil {
		t.Fatal("serve started with CITYHUB_MQTT_BROKER_AUTH=bogus")
	}
	for _, tc := range []struct {
		args []string
		json bool
	}{
		{[]string{"serve"}, true},
		{nil, true},
		{[]string{"migrate", "-data-dir", "x"}, true},
		{[]string{"serve", "-log-format=text"}, false},
		{[]string{"serve", "-log-format", "text"}, false},
		{[]string{"simulate"}, false},
	} {
		var buf testutil.Buffer
		stderrFor(tc.args, getenv, &buf).say(slog.LevelError, err.Error())
		var line struct{ Level, Msg string }
		jerr := json.Unmarshal([]byte(buf.String()), &line)
		switch {
		case tc.json && (jerr != nil || line.Level != "ERROR" || line.Msg != err.Error()):
			t.Errorf("%q: %s (%v), want a JSON line at ERROR saying %q", tc.args, buf.String(), jerr, err)
		case !tc.json && buf.String() != "cityhub: "+err.Error()+"\n":
			t.Errorf("%q: %s, want the plain line", tc.args, buf.String())
		}
	}
	var buf testutil.Buffer
	stderrFor([]string{"serve", "--log-format=json"}, testGetenv(nil), &buf).say(slog.LevelError, "x")
	if !strings.HasPrefix(buf.String(), "{") {
		t.Errorf("--log-format=json: %s", buf.String())
	}

	sigs := make(chan os.Signal, 2)
	var out testutil.Buffer
	exited := make(chan int, 1)
	ctx, stop := relaySignals(sigs, stderrFor(nil, getenv, &out), func(code int) { exited <- code })
	defer stop()
	sigs <- syscall.SIGTERM
	<-ctx.Done()
	sigs <- syscall.SIGTERM
	if code := <-exited; code != 1 {
		t.Errorf("exit %d", code)
	}
	lines := strings.Split(strings.TrimSpace(out.String()), "\n")
	for i, want := range []string{"INFO", "WARN"} {
		var line struct{ Level, Msg string }
		if i >= len(lines) || json.Unmarshal([]byte(lines[i]), &line) != nil || line.Level != want || !strings.Contains(line.Msg, "terminated") {
			t.Errorf("signal lines %q, want JSON at %s", lines, want)
		}
	}
}

// What a signal's line says the command does is what it does: simulate
// serves no requests, so it does not say it waits for them; it said
// "stopping after the requests in flight" as the hub does.
func TestSignalLineSaysWhatTheCommandDoes(t *testing.T) {
	for _, tc := range []struct {
		args        []string
		first, then string
	}{
		{nil, "terminated: stopping after the requests in flight; terminated again stops at once", "terminated again: stopping at once, without waiting for the requests in flight"},
		{[]string{"demo"}, "terminated: stopping after the requests in flight; terminated again stops at once", "terminated again: stopping at once, without waiting for the requests in flight"},
		{[]string{"simulate"}, "terminated: disconnecting the simulated stations from the broker; terminated again stops at once", "terminated again: stopping at once"},
		{[]string{"backup", "-o", "x"}, "terminated: stopping; terminated again stops at once", "terminated again: stopping at once"},
	} {
		sigs := make(chan os.Signal, 2)
		var out testutil.Buffer
		exited := make(chan int, 1)
		ctx, stop := relaySignals(sigs, stderrFor(tc.args, testGetenv(nil), &out), func(code int) { exited <- code })
		sigs <- syscall.SIGTERM
		<-ctx.Done()
		sigs <- syscall.SIGTERM
		<-exited
		stop()
		if want := "cityhub: " + tc.first + "\ncityhub: " + tc.then + "\n"; out.String() != want {
			t.Errorf("%q: said\n%s\nwant\n%s", tc.args, out.String(), want)
		}
	}
}
