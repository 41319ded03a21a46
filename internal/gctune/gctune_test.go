package gctune

import (
	"runtime/debug"
	"testing"

	"github.com/KimMachineGun/automemlimit/memlimit"
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

// Without GOGC or GOMEMLIMIT the hub collects at DefaultPercent, with a
// soft limit of LimitRatio of the memory it may use: set in the runtime,
// above nothing and below all of the machine's memory.
func TestDefaults(t *testing.T) {
	restore(t)
	t.Setenv("GOGC", "")
	t.Setenv("GOMEMLIMIT", "")
	s, err := Apply()
	if err != nil {
		t.Fatal(err)
	}
	if s.Percent != DefaultPercent || s.PercentByEnv || s.LimitByEnv {
		t.Fatalf("settings %+v, want GOGC %d and a limit from the hub", s, DefaultPercent)
	}
	if got := debug.SetGCPercent(DefaultPercent); got != DefaultPercent {
		t.Fatalf("the runtime collects at %d, want %d", got, DefaultPercent)
	}
	machine, err := memlimit.FromSystem()
	if err != nil {
		t.Fatal(err)
	}
	if s.Limit <= 0 || uint64(s.Limit) > uint64(float64(machine)*LimitRatio) || debug.SetMemoryLimit(-1) != s.Limit {
		t.Fatalf("limit %d (runtime %d), want at most %.0f %% of the machine's %d", s.Limit, debug.SetMemoryLimit(-1), LimitRatio*100, machine)
	}
}

// GOGC and GOMEMLIMIT are Go's own settings: when an operator sets them,
// the hub keeps what the runtime read from them.
func TestEnvironmentWins(t *testing.T) {
	restore(t)
	t.Setenv("GOGC", "150")
	t.Setenv("GOMEMLIMIT", "1GiB")
	debug.SetGCPercent(150) // as the runtime read them at start
	debug.SetMemoryLimit(1 << 30)
	s, err := Apply()
	if err != nil {
		t.Fatal(err)
	}
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
