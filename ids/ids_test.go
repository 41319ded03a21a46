package ids

import (
	"math/rand/v2"
	"regexp"
	"strings"
	"testing"
	"time"
)

var idForm = regexp.MustCompile(`^vrd_[0-9a-hjkmnp-tv-z]{26}$`)

// An id made later sorts after one made before, by bytes as PostgreSQL's
// and SQLite's indexes compare them, whatever the millisecond; ids made in
// the same millisecond still differ, by their random part.
func TestIDsSortByTheMillisecondTheyWereMade(t *testing.T) {
	base := time.Date(2026, 12, 1, 0, 0, 0, 0, time.UTC)
	for range 10_000 {
		t1 := base.Add(time.Duration(rand.Int64N(int64(200 * 365 * 24 * time.Hour))))
		t2 := t1.Add(time.Duration(1+rand.Int64N(3_600_000)) * time.Millisecond)
		a, b := newAt("vrd", t1), newAt("vrd", t2)
		if !idForm.MatchString(a) || !idForm.MatchString(b) {
			t.Fatalf("ids %q and %q are not a prefix and 26 lower-case Crockford characters", a, b)
		}
		if a >= b {
			t.Fatalf("the id made at %v (%s) does not sort before the one made at %v (%s)", t1, a, t2, b)
		}
	}
	seen := map[string]bool{}
	same := base.Add(1234 * time.Millisecond)
	for range 10_000 {
		id := newAt("vrd", same)
		if seen[id] {
			t.Fatalf("id %s made twice in one millisecond", id)
		}
		seen[id] = true
		// 48 bits of time are the first 9 characters and 3 bits of the 10th.
		if id[:4+9] != newAt("vrd", same)[:4+9] {
			t.Fatalf("two ids of one millisecond begin differently: %s", id)
		}
	}
}

// Is takes what New makes and nothing else: another prefix, another
// length, letters in upper case or outside the alphabet.
func TestIs(t *testing.T) {
	id := New("acc")
	if !Is("acc", id) {
		t.Fatalf("Is(acc, %s) = false", id)
	}
	rest := id[len("acc_"):]
	for _, s := range []string{"", "acc_", "zzz", "acc_nobody", "mail_" + rest, "acc" + rest, "acc_" + rest + "0", "acc_" + rest[1:],
		"acc_" + strings.ToUpper(rest), "acc_" + "i" + rest[1:], "acc_" + "u" + rest[1:], "acc_" + "-" + rest[1:]} {
		if Is("acc", s) {
			t.Errorf("Is(acc, %q) = true", s)
		}
	}
}
