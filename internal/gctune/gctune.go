// Package gctune sets the hub's garbage collector for a server: collect
// less often than Go's default, bounded by a soft memory limit.
//
// The hub's live heap is small (some 27 MB while redeeming thousands of
// vouchers a second) and what it allocates per request dies at once, so
// with Go's default (GOGC=100: collect when the heap doubles) it collected
// every 170 ms under load, and its collector took a sixth of the process's
// CPU on two cores shared with the database. Collecting when the heap is
// five times the live one (GOGC=400) raised redemptions a second by a
// tenth to a fifth in alternated runs and the heap to about 135 MB
// (bench/README.md, "The collector"). A soft limit keeps a burst of live
// memory (a large export) from growing the heap five times over: near the
// limit the collector runs as often as it must.
package gctune

import (
	"fmt"
	"math"
	"os"
	"runtime/debug"

	"github.com/KimMachineGun/automemlimit/memlimit"
)

// DefaultPercent is the GOGC the hub runs with unless GOGC is set.
const DefaultPercent = 400

// LimitRatio is the share of the memory the hub may use (its cgroup's
// limit, else the machine's) that it takes as its soft limit, leaving the
// rest to the database and the system on the same machine.
const LimitRatio = 0.5

// Settings is what Apply set: the collector's percent (-1: off) and the
// soft memory limit in bytes (0: none), and whether each came from the
// environment rather than the hub's defaults.
type Settings struct {
	Percent      int
	PercentByEnv bool
	Limit        int64
	LimitByEnv   bool
}

// Apply sets the collector unless the process's environment does, as the
// Go runtime reads it: GOGC, when set, wins; otherwise DefaultPercent.
// GOMEMLIMIT (or AUTOMEMLIMIT, a ratio or "off"), when set, wins too;
// otherwise the soft limit is LimitRatio of the process's cgroup limit
// (read by automemlimit, which follows the cgroup the process is in, v1
// or v2), else of the machine's memory. An error (neither could be read)
// leaves the runtime's limit as it was and is returned with the rest.
func Apply() (Settings, error) {
	var s Settings
	if os.Getenv("GOGC") != "" {
		s.Percent, s.PercentByEnv = debug.SetGCPercent(-1), true
		debug.SetGCPercent(s.Percent)
	} else {
		debug.SetGCPercent(DefaultPercent)
		s.Percent = DefaultPercent
	}
	_, auto := os.LookupEnv("AUTOMEMLIMIT")
	s.LimitByEnv = os.Getenv("GOMEMLIMIT") != "" || auto
	limit, err := memlimit.Set(memlimit.WithRatio(LimitRatio),
		memlimit.WithProvider(memlimit.ApplyFallback(memlimit.FromCgroup, memlimit.FromSystem)))
	if limit != math.MaxInt64 {
		s.Limit = limit
	}
	if err != nil {
		return s, fmt.Errorf("set the soft memory limit: %w", err)
	}
	return s, nil
}
