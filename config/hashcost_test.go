package config

import (
	"io"
	"strings"
	"testing"
)

func TestPasswordHashCost(t *testing.T) {
	c, err := Parse("serve", nil, env(nil), io.Discard)
	if err != nil {
		t.Fatal(err)
	}
	if c.PasswordHashCost != (HashCost{Memory: 19456, Time: 2, Threads: 1}) || c.PasswordHashCost.BelowOWASP() {
		t.Errorf("default cost %v, want m=19456,t=2,p=1 (OWASP's minimum)", c.PasswordHashCost)
	}
	if s := fmtSummary(c); !strings.Contains(s, "m=19456,t=2,p=1") {
		t.Errorf("the start-up summary does not give the cost: %s", s)
	}
	for v, want := range map[string]HashCost{
		"m=64,t=1,p=1":          {64, 1, 1},
		"m=65536,t=3,p=4":       {65536, 3, 4},
		" t=2 , p=1 , m=19456 ": {19456, 2, 1}, // any order, spaces around
		"m=1048576,t=16,p=255":  {1 << 20, 16, 255},
		"m=16,t=1,p=2":          {16, 1, 2}, // 8 KiB per lane, the least argon2id has
	} {
		c, err := Parse("serve", nil, env(map[string]string{"CITYHUB_PASSWORD_HASH_COST": v}), io.Discard)
		if err != nil || c.PasswordHashCost != want {
			t.Errorf("%q: %v, %v; want %v", v, c.PasswordHashCost, err, want)
		}
	}
	for v, says := range map[string]string{
		"19456,2,1":              "want m=<KiB>,t=<passes>,p=<lanes>",
		"m=19456,t=2":            "want m=<KiB>,t=<passes>,p=<lanes>",
		"m=19456,t=2,p=1,x=3":    "want m=<KiB>,t=<passes>,p=<lanes>",
		"m=19456,t=2,p=1,":       "want m=<KiB>,t=<passes>,p=<lanes>",
		"M=19456,T=2,P=1":        "want m=<KiB>,t=<passes>,p=<lanes>",
		"m=19456,m=1024,t=2,p=1": "m is given twice",
		"m=19456,t=0,p=1":        "t must be a positive whole number",
		"m=0,t=2,p=1":            "m must be a positive whole number",
		"m=19456,t=2,p=0":        "p must be a positive whole number",
		"m=-1,t=2,p=1":           "m must be a positive whole number",
		"m=+64,t=2,p=1":          "m must be a positive whole number",
		"m=19MiB,t=2,p=1":        "m must be a positive whole number",
		"m=19456,t=2.5,p=1":      "t must be a positive whole number",
		"m=19456,t=,p=1":         "t must be a positive whole number",
		"m=99999999999,t=2,p=1":  "m must be a positive whole number",
		"m=19456,t=2,p=256":      "p (lanes) must be 1 to 255",
		"m=1048577,t=2,p=1":      "m (memory, KiB) must be at least 8 per lane (8) and at most 1048576",
		"m=31,t=1,p=4":           "m (memory, KiB) must be at least 8 per lane (32)",
		"m=19456,t=17,p=1":       "t (passes) must be 1 to 16",
	} {
		_, err := Parse("serve", nil, env(map[string]string{"CITYHUB_PASSWORD_HASH_COST": v}), io.Discard)
		if err == nil || !strings.Contains(err.Error(), "CITYHUB_PASSWORD_HASH_COST") || !strings.Contains(err.Error(), says) {
			t.Errorf("%q: %v; want an error naming the setting and saying %q", v, err, says)
		} else if n := strings.Count(err.Error(), "CITYHUB_PASSWORD_HASH_COST"); n != 1 {
			t.Errorf("%q: the setting is named %d times, want one error: %v", v, n, err)
		}
	}
	// A configuration built without Parse is checked too.
	bad := Default()
	bad.PasswordHashCost = HashCost{}
	if err := bad.Validate(); err == nil || !strings.Contains(err.Error(), "CITYHUB_PASSWORD_HASH_COST") {
		t.Errorf("a zero cost passes validation: %v", err)
	}
}

// Below OWASP's minimum is less memory than OWASP's table gives for the
// number of passes.
func TestHashCostBelowOWASP(t *testing.T) {
	for c, below := range map[HashCost]bool{
		{19456, 2, 1}:    false,
		{47104, 1, 1}:    false, // OWASP's 46 MiB, 1 pass
		{38912, 1, 1}:    true,  // the default's work, in one pass: below the table
		{12288, 3, 1}:    false, // OWASP's 12 MiB, 3 passes
		{9216, 4, 1}:     false,
		{7168, 5, 1}:     false,
		{7168, 9, 1}:     false, // more passes than the table: as five
		{7167, 9, 1}:     true,
		{65536, 3, 4}:    false,
		{19456, 1, 1}:    true,
		{19455, 2, 1}:    true,
		{64, 1, 1}:       true,
		{1 << 20, 16, 1}: false,
	} {
		if got := c.BelowOWASP(); got != below {
			t.Errorf("%v below OWASP's minimum: %v, want %v", c, got, below)
		}
	}
}
