package main

import (
	"bytes"
	"encoding/json"
	"log/slog"
	"strings"
	"testing"
	"time"

	"cityhub/config"
	"cityhub/internal/testutil"
)

// duplicateKeys lists the keys a JSON object line has more than once, at
// any depth.
func duplicateKeys(t *testing.T, line string) []string {
	t.Helper()
	dec := json.NewDecoder(strings.NewReader(line))
	var dups []string
	var object func() // reads the object whose '{' was read
	var value func()
	object = func() {
		seen := map[string]bool{}
		for dec.More() {
			tok, err := dec.Token()
			if err != nil {
				t.Fatalf("%v in %s", err, line)
			}
			k := tok.(string)
			if seen[k] {
				dups = append(dups, k)
			}
			seen[k] = true
			value()
		}
		dec.Token() // '}'
	}
	value = func() {
		tok, err := dec.Token()
		if err != nil {
			t.Fatalf("%v in %s", err, line)
		}
		switch tok {
		case json.Delim('{'):
			object()
		case json.Delim('['):
			for dec.More() {
				value()
			}
			dec.Token() // ']'
		}
	}
	value()
	return dups
}

// A JSON line carried "component" twice ("mobility", then "mqtt"): the
// hub's logger keeps the innermost part's.
func TestJSONLogLinesOneComponent(t *testing.T) {
	t.Parallel()
	_, _, stderr := startHubWithLogs(t, []string{"serve"}, map[string]string{
		"CITYHUB_HTTP_ADDR":        "127.0.0.1:0",
		"CITYHUB_DATA_DIR":         t.TempDir(),
		"CITYHUB_MQTT_BROKER_ADDR": "127.0.0.1:0",
		"CITYHUB_LOG_FORMAT":       "json",
	})
	testutil.Eventually(t, 30*time.Second, "the command connection up", func() bool {
		return strings.Contains(stderr.String(), "command connection up")
	})
	for _, line := range strings.Split(strings.TrimSpace(stderr.String()), "\n") {
		if dups := duplicateKeys(t, line); len(dups) > 0 {
			t.Errorf("keys %v more than once in %s", dups, line)
		}
		if strings.Contains(line, "command connection up") {
			var l struct{ Component string }
			if err := json.Unmarshal([]byte(line), &l); err != nil || l.Component != "mqtt" {
				t.Errorf("component %q (%v) in %s", l.Component, err, line)
			}
		}
	}
}

func TestLoggerOneComponent(t *testing.T) {
	var buf bytes.Buffer
	log := newLogger(config.Config{LogFormat: "json"}, &buf)
	log = log.With("component", "mobility", "a", 1).With(slog.String("component", "mqtt"))
	log.Info("plain")
	log.Info("own", "component", "broker")
	log.WithGroup("g").With("component", "inner").Info("grouped")
	want := []string{"mqtt", "broker", "mqtt"}
	for i, line := range strings.Split(strings.TrimSpace(buf.String()), "\n") {
		if dups := duplicateKeys(t, line); len(dups) > 0 {
			t.Errorf("keys %v more than once in %s", dups, line)
		}
		var l struct{ Component string }
		if err := json.Unmarshal([]byte(line), &l); err != nil || l.Component != want[i] {
			t.Errorf("line %d: component %q (%v), want %q: %s", i, l.Component, err, want[i], line)
		}
	}
}

// A duration reads the same in JSON logs as in text ones, "20s": JSON
// wrote it in nanoseconds (the shutdown line's "timeout":20000000000).
func TestJSONLogDurations(t *testing.T) {
	var buf bytes.Buffer
	log := newLogger(config.Config{LogFormat: "json"}, &buf)
	log.With(slog.Duration("lease", 90*time.Second)).Info("shutting down", slog.Duration("timeout", 20*time.Second),
		slog.Group("g", slog.Duration("elapsed", 1500*time.Millisecond)))
	for _, want := range []string{`"timeout":"20s"`, `"lease":"1m30s"`, `"elapsed":"1.5s"`} {
		if !strings.Contains(buf.String(), want) {
			t.Errorf("the line lacks %s: %s", want, buf.String())
		}
	}
}
