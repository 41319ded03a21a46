package main

import "testing"

// clear-login-limits counts the counters it emptied in words that read
// right for one as for many: it printed "emptied 1 limit counters".
func TestClearedCountersWords(t *testing.T) {
	for n, want := range map[int]string{
		1: "emptied 1 limit counter (failed logins): it may log in at once",
		2: "emptied 2 limit counters (failed logins): it may log in at once",
	} {
		if got := clearedCounters(n, "failed logins"); got != want {
			t.Errorf("%d: %q, want %q", n, got, want)
		}
	}
}
