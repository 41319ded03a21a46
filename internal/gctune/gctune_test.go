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

// A service's own cgroup is found from /proc/self/cgroup, v2 or v1; the
// root's limit (a container's) is the fallback.
func TestCgroupMemoryLimit(t *testing.T) {
	write := func(path, text string) {
		if err := os.MkdirAll(filepath.Dir(path), 0o700); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(path, []byte(text), 0o600); err != nil {
			t.Fatal(err)
		}
	}
	v2 := t.TempDir()
	write(filepath.Join(v2, "self"), "0::/system.slice/cityhub.service\n")
	write(filepath.Join(v2, "fs/system.slice/cityhub.service/memory.max"), "1073741824\n")
	write(filepath.Join(v2, "fs/memory.max"), "max\n")
	if got := cgroupMemoryLimit(filepath.Join(v2, "self"), filepath.Join(v2, "fs")); got != 1<<30 {
		t.Errorf("v2 service limit read as %d, want 1 GiB", got)
	}

	v1 := t.TempDir()
	write(filepath.Join(v1, "self"), "4:memory:/cityhub\n3:cpu,cpuacct:/\n")
	write(filepath.Join(v1, "fs/memory/cityhub/memory.limit_in_bytes"), "536870912\n")
	if got := cgroupMemoryLimit(filepath.Join(v1, "self"), filepath.Join(v1, "fs")); got != 1<<29 {
		t.Errorf("v1 limit read as %d, want 512 MiB", got)
	}

	root := t.TempDir()
	write(filepath.Join(root, "self"), "0::/\n")
	write(filepath.Join(root, "fs/memory.max"), "268435456\n")
	if got := cgroupMemoryLimit(filepath.Join(root, "self"), filepath.Join(root, "fs")); got != 1<<28 {
		t.Errorf("a container's root limit read as %d, want 256 MiB", got)
	}

	none := t.TempDir()
	write(filepath.Join(none, "self"), "0::/user.slice\n")
	write(filepath.Join(none, "fs/user.slice/memory.max"), "max\n")
	if got := cgroupMemoryLimit(filepath.Join(none, "self"), filepath.Join(none, "fs")); got != 0 {
		t.Errorf("no limit read as %d", got)
	}
	if got := cgroupMemoryLimit(filepath.Join(none, "missing"), filepath.Join(none, "nowhere")); got != 0 {
		t.Errorf("nothing readable read as %d", got)
	}
}
