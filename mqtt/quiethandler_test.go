package mqtt

import (
	"bytes"
	"log/slog"
	"strings"
	"testing"
)

// At info level the broker's info records, lowered to debug, are not
// shown; its warnings are, and at debug level everything is.
func TestQuietHandlerDropsLoweredRecords(t *testing.T) {
	var buf bytes.Buffer
	log := slog.New(quietHandler{slog.NewTextHandler(&buf, &slog.HandlerOptions{Level: slog.LevelInfo})})
	log.Info("client connected")
	log.Warn("", "error", "read: connection reset")
	log.Warn("listener failed")
	out := buf.String()
	if strings.Contains(out, "client connected") || strings.Contains(out, "connection reset") {
		t.Errorf("lowered records shown at info level:\n%s", out)
	}
	if !strings.Contains(out, "listener failed") {
		t.Errorf("warning not shown at info level:\n%s", out)
	}
	buf.Reset()
	log = slog.New(quietHandler{slog.NewTextHandler(&buf, &slog.HandlerOptions{Level: slog.LevelDebug})})
	log.Info("client connected")
	if !strings.Contains(buf.String(), "level=DEBUG") || !strings.Contains(buf.String(), "client connected") {
		t.Errorf("info record not shown at debug level as debug:\n%s", buf.String())
	}
}
