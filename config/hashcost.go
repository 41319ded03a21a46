package config

import (
	"fmt"
	"strconv"
	"strings"
)

// HashCost (CITYHUB_PASSWORD_HASH_COST, written as the hashes write it:
// m=19456,t=2,p=1) is the argon2id cost of the hashes the hub makes from
// now on: account passwords, station broker secrets and participation API
// keys. Every hash carries its own parameters, so hashes made at another
// cost still verify after a change; only new ones take the new cost.
type HashCost struct {
	Memory  uint32 // m: KiB
	Time    uint32 // t: passes
	Threads uint8  // p: lanes
}

// DefaultHashCost is OWASP's minimum for argon2id, 19 MiB, 2 passes, 1 lane
// (identity.DefaultArgon2, which config does not import).
var DefaultHashCost = HashCost{Memory: 19 * 1024, Time: 2, Threads: 1}

// The bounds of a configured cost: the memory identity still accepts in a
// stored hash (1 GiB), the passes it accepts, and the lanes argon2id has.
const (
	maxHashMemory  = 1 << 20 // KiB
	maxHashTime    = 16
	maxHashThreads = 255
)

// String is the cost as a hash writes it, and as the setting takes it.
func (h HashCost) String() string {
	return fmt.Sprintf("m=%d,t=%d,p=%d", h.Memory, h.Time, h.Threads)
}

// owaspMemory is the least memory (KiB) OWASP's password storage cheat
// sheet gives for argon2id at 1 to 5 passes (index passes-1): its five
// configurations of equal defence, the second of which is DefaultHashCost.
var owaspMemory = [...]uint32{47104, 19456, 12288, 9216, 7168}

// BelowOWASP reports whether the cost is weaker than OWASP's minimum: less
// memory than its table gives for this many passes (more than five passes
// count as five). Allowed (a test hub, a small machine), but the hub says
// so at start and cityhub check warns.
func (h HashCost) BelowOWASP() bool {
	passes := min(max(h.Time, 1), uint32(len(owaspMemory)))
	return h.Memory < owaspMemory[passes-1]
}

// parseHashCost reads m=<KiB>,t=<passes>,p=<lanes>, the three in any order,
// each once, each a positive whole number; the bounds are Validate's.
func parseHashCost(v string) (HashCost, error) {
	const want = "want m=<KiB>,t=<passes>,p=<lanes>, e.g. m=19456,t=2,p=1"
	var (
		h    HashCost
		seen = map[string]bool{}
	)
	for _, part := range strings.Split(v, ",") {
		key, val, ok := strings.Cut(strings.TrimSpace(part), "=")
		if !ok || (key != "m" && key != "t" && key != "p") {
			return HashCost{}, fmt.Errorf("%q: %s", v, want)
		}
		if seen[key] {
			return HashCost{}, fmt.Errorf("%q: %s is given twice", v, key)
		}
		seen[key] = true
		// ParseUint refuses signs and spaces; 32 bits hold every bound.
		n, err := strconv.ParseUint(strings.TrimSpace(val), 10, 32)
		if err != nil || n == 0 {
			return HashCost{}, fmt.Errorf("%q: %s must be a positive whole number", v, key)
		}
		switch key {
		case "m":
			h.Memory = uint32(n)
		case "t":
			h.Time = uint32(n)
		case "p":
			if n > maxHashThreads {
				return HashCost{}, fmt.Errorf("%q: p (lanes) must be 1 to %d", v, maxHashThreads)
			}
			h.Threads = uint8(n)
		}
	}
	if len(seen) != 3 {
		return HashCost{}, fmt.Errorf("%q: %s", v, want)
	}
	return h, nil
}

// validate checks the bounds argon2id and the hub's own checks of stored
// hashes set.
func (h HashCost) validate() error {
	var bad []string
	if h.Threads < 1 {
		bad = append(bad, fmt.Sprintf("p (lanes) must be 1 to %d", maxHashThreads))
	}
	// argon2id needs 8 KiB per lane (it would silently use more).
	if lanes := uint32(max(h.Threads, 1)); h.Memory < 8*lanes || h.Memory > maxHashMemory {
		bad = append(bad, fmt.Sprintf("m (memory, KiB) must be at least 8 per lane (%d) and at most %d (1 GiB)", 8*lanes, maxHashMemory))
	}
	if h.Time < 1 || h.Time > maxHashTime {
		bad = append(bad, fmt.Sprintf("t (passes) must be 1 to %d", maxHashTime))
	}
	if len(bad) > 0 {
		return fmt.Errorf("CITYHUB_PASSWORD_HASH_COST %s: %s", h, strings.Join(bad, "; "))
	}
	return nil
}
