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
	log := slog.New(quietHandler{Handler: slog.NewTextHandler(&buf, &slog.HandlerOptions{Level: slog.LevelInfo})})
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
	log = slog.New(quietHandler{Handler: slog.NewTextHandler(&buf, &slog.HandlerOptions{Level: slog.LevelDebug})})
	log.Info("client connected")
	if !strings.Contains(buf.String(), "level=DEBUG") || !strings.Contains(buf.String(), "client connected") {
		t.Errorf("info record not shown at debug level as debug:\n%s", buf.String())
	}
}

// A station can make the broker refuse a packet (a publish to another
// station's topic) as fast as it reconnects: the broker's record of each
// held the whole packet, payload and all. A client's packet errors are
// logged once a minute per error, without the packet, with the count of
// those left out.
func TestPacketErrorsLoggedWithoutThePacketOnceAMinute(t *testing.T) {
	var buf bytes.Buffer
	log := slog.New(quietHandler{Handler: slog.NewTextHandler(&buf, &slog.HandlerOptions{Level: slog.LevelInfo}), packets: &packetErrors{}})
	payload := []byte(strings.Repeat("SECRET-PAYLOAD", 100))
	for range 20 {
		log.Warn(mochiPacketError, "error", "not authorized", "client", "tb-003", "listener", "t1", "pk", struct{ Payload []byte }{payload})
	}
	log.Warn(mochiPacketError, "error", "not authorized", "client", "tb-004", "listener", "t1", "pk", struct{ Payload []byte }{payload})
	out := buf.String()
	if n := strings.Count(out, "error processing packet"); n != 2 {
		t.Errorf("%d lines for 21 packet errors of two clients, want 2:\n%s", n, out)
	}
	if strings.Contains(out, "SECRET") || strings.Contains(out, "83 69 67") || strings.Contains(out, "pk=") {
		t.Errorf("the packet is in the log:\n%s", out)
	}
	if !strings.Contains(out, "client=tb-003") || !strings.Contains(out, "client=tb-004") {
		t.Errorf("the clients are not named:\n%s", out)
	}
}
