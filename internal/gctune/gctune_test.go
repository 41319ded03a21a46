package gctune

import (
	"os"
	"path/filepath"
	"runtime/debug"
	"testing"
)

// restore puts the process's collector back as it was after a test that
// changed it (the settings are the process's, not the test's).
func restore(t *testing.T) {
	percent, limit := debug.SetGCPercent(100), debug.SetMemoryLimit(-1)
	debug.SetGCPercent(percent)
	t.Cleanup(func() {
		debug.SetGCPercent(percent)
		debug.SetMemoryLimit(limit)
	})
}

func env(vars map[string]string) func(string) string {
	return func(k string) string { return vars[k] }
}

// Without GOGC the hub collects at DefaultPercent, with a soft limit of
// half the memory it may use.
func TestDefaults(t *testing.T) {
	restore(t)
	s := Apply(env(nil))
	if s.Percent != DefaultPercent || s.PercentByEnv {
		t.Fatalf("settings %+v, want GOGC %d from the hub", s, DefaultPercent)
	}
	if got := debug.SetGCPercent(DefaultPercent); got != DefaultPercent {
		t.Fatalf("the runtime collects at %d, want %d", got, DefaultPercent)
	}
	if avail := availableMemory(); avail > 0 {
		if s.Limit != avail/2 || debug.SetMemoryLimit(-1) != avail/2 {
			t.Fatalf("limit %d (runtime %d), want half of %d", s.Limit, debug.SetMemoryLimit(-1), avail)
		}
	}
}

// GOGC and GOMEMLIMIT are Go's own settings: when an operator sets them,
// the hub keeps what the runtime read from them.
func TestEnvironmentWins(t *testing.T) {
	restore(t)
	debug.SetGCPercent(150) // as the runtime would have read GOGC=150
	debug.SetMemoryLimit(1 << 30)
	s := Apply(env(map[string]string{"GOGC": "150", "GOMEMLIMIT": "1GiB"}))
	if s.Percent != 150 || !s.PercentByEnv || s.Limit != 1<<30 || !s.LimitByEnv {
		t.Fatalf("settings %+v, want the environment's", s)
	}
	if got := debug.SetGCPercent(150); got != 150 {
		t.Fatalf("the runtime collects at %d, want 150", got)
	}
	if got := debug.SetMemoryLimit(-1); got != 1<<30 {
		t.Fatalf("the runtime's limit is %d, want 1 GiB", got)
	}
}

func TestMemoryFiles(t *testing.T) {
	dir := t.TempDir()
	write := func(name, text string) string {
		p := filepath.Join(dir, name)
		if err := os.WriteFile(p, []byte(text), 0o600); err != nil {
			t.Fatal(err)
		}
		return p
	}
	if got := memTotal(write("meminfo", "MemTotal:       24683744 kB\nMemFree:         1000 kB\n")); got != 24683744*1024 {
		t.Errorf("MemTotal read as %d", got)
	}
	for _, bad := range []string{"", "MemFree: 10 kB\n", "MemTotal: lots kB\n"} {
		if got := memTotal(write("meminfo", bad)); got != 0 {
			t.Errorf("meminfo %q read as %d, want 0", bad, got)
		}
	}
	if got := memTotal(filepath.Join(dir, "missing")); got != 0 {
		t.Errorf("a missing meminfo read as %d", got)
	}
	for text, want := range map[string]int64{
		"536870912\n":           536870912,
		"max\n":                 0, // cgroup v2: no limit
		"9223372036854771712\n": 0, // cgroup v1: no limit
		"":                      0,
		"-1":                    0,
	} {
		if got := cgroupLimit(write("memory.max", text)); got != want {
			t.Errorf("cgroup limit %q read as %d, want %d", text, got, want)
		}
	}
}
