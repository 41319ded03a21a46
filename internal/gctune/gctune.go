// Package gctune sets the hub's garbage collector for a server: collect
// less often than Go's default, bounded by a soft memory limit.
//
// The hub's live heap is small (some 27 MB while redeeming thousands of
// vouchers a second) and what it allocates per request dies at once, so
// with Go's default (GOGC=100: collect when the heap doubles) it collected
// every 170 ms under load, and its collector took a sixth of the process's
// CPU on two cores shared with the database. Collecting when the heap is
// five times the live one (GOGC=400) raised redemptions a second by a
// fifth in alternated runs and the heap to about 135 MB (bench/README.md,
// "The collector"). A soft limit keeps a burst of live memory (a large
// export) from growing the heap five times over: near the limit the
// collector runs as often as it must.
package gctune

import (
	"bufio"
	"os"
	"runtime/debug"
	"slices"
	"strconv"
	"strings"
)

// DefaultPercent is the GOGC the hub runs with unless GOGC is set.
const DefaultPercent = 400

// Settings is what Apply set: the collector's percent (-1: off) and the
// soft memory limit in bytes (0: none), and whether each came from the
// environment rather than the hub's defaults.
type Settings struct {
	Percent      int
	PercentByEnv bool
	Limit        int64
	LimitByEnv   bool
}

// Apply sets the collector unless the environment does: GOGC, when set,
// is Go's own and wins; otherwise DefaultPercent. GOMEMLIMIT, when set,
// is Go's own too; otherwise the soft limit is half of the memory the
// hub may use (the cgroup's limit, or the machine's memory), so that the
// larger heap never crowds out the database on the same machine. Where
// neither can be read, no limit is set.
func Apply(getenv func(string) string) Settings {
	var s Settings
	if getenv("GOGC") != "" {
		s.Percent, s.PercentByEnv = debug.SetGCPercent(-1), true
		debug.SetGCPercent(s.Percent)
	} else {
		debug.SetGCPercent(DefaultPercent)
		s.Percent = DefaultPercent
	}
	if getenv("GOMEMLIMIT") != "" {
		s.Limit, s.LimitByEnv = debug.SetMemoryLimit(-1), true
	} else if avail := availableMemory(); avail > 0 {
		s.Limit = avail / 2
		debug.SetMemoryLimit(s.Limit)
	}
	return s
}

// availableMemory is the memory this process may use: its cgroup's limit
// when there is one below the machine's, else the machine's; 0 when
// neither can be read.
func availableMemory() int64 {
	total := memTotal("/proc/meminfo")
	if n := cgroupMemoryLimit("/proc/self/cgroup", "/sys/fs/cgroup"); n > 0 && (total == 0 || n < total) {
		return n
	}
	return total
}

// cgroupMemoryLimit is the memory limit of the cgroup that procCgroup (a
// /proc/self/cgroup file) names, under the cgroup file system at root: a
// service's own (systemd's MemoryMax= puts it in
// /sys/fs/cgroup/system.slice/NAME.service/memory.max), else the root's,
// which is a container's own under a cgroup namespace. cgroup v2 first,
// then v1's memory controller; 0 when no limit is found.
func cgroupMemoryLimit(procCgroup, root string) int64 {
	var files []string
	if b, err := os.ReadFile(procCgroup); err == nil {
		for line := range strings.Lines(string(b)) {
			id, rest, _ := strings.Cut(strings.TrimSpace(line), ":")
			controllers, path, ok := strings.Cut(rest, ":")
			if !ok || !strings.HasPrefix(path, "/") || strings.Contains(path, "..") {
				continue
			}
			switch {
			case id == "0" && controllers == "":
				files = append(files, root+path+"/memory.max")
			case slices.Contains(strings.Split(controllers, ","), "memory"):
				files = append(files, root+"/memory"+path+"/memory.limit_in_bytes")
			}
		}
	}
	files = append(files, root+"/memory.max", root+"/memory/memory.limit_in_bytes")
	for _, f := range files {
		if n := cgroupLimit(f); n > 0 {
			return n
		}
	}
	return 0
}

// cgroupLimit reads a cgroup's memory limit in bytes; 0 for none ("max",
// or v1's huge number meaning none) or when it cannot be read.
func cgroupLimit(path string) int64 {
	b, err := os.ReadFile(path)
	if err != nil {
		return 0
	}
	n, err := strconv.ParseInt(strings.TrimSpace(string(b)), 10, 64)
	if err != nil || n <= 0 || n >= 1<<60 {
		return 0
	}
	return n
}

// memTotal reads MemTotal from a meminfo file, in bytes; 0 when it cannot.
func memTotal(path string) int64 {
	f, err := os.Open(path)
	if err != nil {
		return 0
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		rest, ok := strings.CutPrefix(sc.Text(), "MemTotal:")
		if !ok {
			continue
		}
		kb, err := strconv.ParseInt(strings.TrimSpace(strings.TrimSuffix(strings.TrimSpace(rest), "kB")), 10, 64)
		if err != nil || kb <= 0 {
			return 0
		}
		return kb * 1024
	}
	return 0
}
