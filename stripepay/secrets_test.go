package stripepay

import (
	"fmt"
	"testing"
	"time"
)

// The memory holds a secret for a day, and beyond its bound drops the
// oldest first; a secret remembered again is held from then.
func TestSecretsExpireAndDropTheOldest(t *testing.T) {
	now := time.Date(2026, 12, 6, 10, 0, 0, 0, time.UTC)
	s := NewSecrets()
	s.now = func() time.Time { return now }
	s.max = 3
	for i := range 3 {
		s.Remember(fmt.Sprintf("pi_%d", i), fmt.Sprintf("pi_%d_secret", i))
		now = now.Add(time.Minute)
	}
	s.Remember("pi_0", "pi_0_secret") // again: now the newest
	s.Remember("pi_3", "pi_3_secret") // over the bound: pi_1 goes
	for id, want := range map[string]bool{"pi_0": true, "pi_1": false, "pi_2": true, "pi_3": true} {
		if got, ok := s.Recall(id); ok != want || (ok && got != id+"_secret") {
			t.Errorf("%s: %q %v, want held %v", id, got, ok, want)
		}
	}
	if len(s.m) != 3 {
		t.Errorf("%d secrets held, bound 3", len(s.m))
	}
	now = now.Add(secretsFor + time.Second)
	if _, ok := s.Recall("pi_3"); ok {
		t.Error("a secret held beyond a day")
	}
	s.Remember("pi_4", "pi_4_secret")
	if len(s.m) != 1 || len(s.order) != 1 {
		t.Errorf("the expired were not dropped: %d held, %d queued", len(s.m), len(s.order))
	}
	var none *Secrets
	none.Remember("pi_5", "x")
	if _, ok := none.Recall("pi_5"); ok {
		t.Error("a nil memory holds a secret")
	}
}
