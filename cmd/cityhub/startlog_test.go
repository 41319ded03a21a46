package main

import (
	"bytes"
	"io"
	"log/slog"
	"strings"
	"testing"

	"cityhub/config"
	"cityhub/internal/gctune"
)

// The start log's lines say what the operator set: with no soft memory
// limit (AUTOMEMLIMIT=off) the collector's line says none, where it said
// memory_limit_bytes=0, which reads as a limit of nothing; and the
// settings' line names the log's level and format.
func TestStartLogSaysTheLimitAndTheLog(t *testing.T) {
	line := func(msg string, attrs ...any) string {
		var b bytes.Buffer
		slog.New(slog.NewTextHandler(&b, nil)).Info(msg, attrs...)
		return b.String()
	}
	none := line("garbage collector", gcLogAttrs(gctune.Settings{Percent: 400, Limit: 0, LimitByEnv: true})...)
	if strings.Contains(none, "memory_limit_bytes=0") || !strings.Contains(none, "memory_limit=none") {
		t.Errorf("no soft limit logged as %q, want memory_limit=none", none)
	}
	set := line("garbage collector", gcLogAttrs(gctune.Settings{Percent: 400, Limit: 1 << 30})...)
	if !strings.Contains(set, "memory_limit_bytes=1073741824") {
		t.Errorf("a soft limit of 1 GiB logged as %q", set)
	}
	cfg, err := config.Parse("serve", nil, testGetenv(map[string]string{"CITYHUB_LOG_LEVEL": "debug", "CITYHUB_LOG_FORMAT": "json"}), io.Discard)
	if err != nil {
		t.Fatal(err)
	}
	if start := line("starting cityhub", cfg.Summary()...); !strings.Contains(start, "log_level=debug") || !strings.Contains(start, "log_format=json") {
		t.Errorf("the start line %q does not name the log's level and format", start)
	}
}
