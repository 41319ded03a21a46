package mobility

import (
	"bytes"
	"context"
	"log/slog"
	"strings"
	"testing"
	"time"
)

// A station may send refused dockings as fast as it likes; each was a
// warning line of its own. They are logged once a minute per station, the
// next line counting those left out.
func TestRefusedDockingsLoggedOnceAMinute(t *testing.T) {
	t.Parallel()
	var buf bytes.Buffer
	s := NewService(nil, nil, slog.New(slog.NewTextHandler(&buf, nil)))
	at := time.Date(2026, 12, 6, 22, 0, 0, 0, time.UTC)
	for i := range 30 {
		s.logRefusedDocking(context.Background(), "tb-003", 4, "tb-b9", at.Add(time.Duration(i)*time.Second))
	}
	s.logRefusedDocking(context.Background(), "tb-004", 1, "tb-b1", at)
	if n := strings.Count(buf.String(), "bike_docked refused"); n != 2 {
		t.Fatalf("%d lines for 31 refusals at two stations, want 2:\n%s", n, buf.String())
	}
	s.logRefusedDocking(context.Background(), "tb-003", 4, "tb-b9", at.Add(61*time.Second))
	if !strings.Contains(buf.String(), "unlogged_since_last=29") {
		t.Fatalf("the line after a minute does not count the 29 left out:\n%s", buf.String())
	}
}
