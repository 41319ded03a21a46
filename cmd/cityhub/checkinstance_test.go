package main

import (
	"io"
	"strings"
	"testing"

	"cityhub/config"
)

// check's instance line gives the message serve stops with: it said to
// use lower-case letters, digits, '-' and '_' of an id that held only
// those (one starting with '-', one of 65), which serve refused for its
// first character or its length.
func TestCheckInstanceSaysWhatServeSays(t *testing.T) {
	for _, id := range []string{"-abc", strings.Repeat("a", 65), "Hub One"} {
		cfg, err := config.Parse("check", nil, testGetenv(map[string]string{"CITYHUB_INSTANCE_ID": id}), io.Discard)
		if err != nil {
			t.Fatal(err)
		}
		want := preflight(cfg)
		if want == nil {
			t.Fatalf("serve takes CITYHUB_INSTANCE_ID=%q", id)
		}
		r := checkInstance(cfg)
		if r.ok || r.detail != want.Error() {
			t.Errorf("check of CITYHUB_INSTANCE_ID=%q: ok=%v %q, want it failed with serve's %q", id, r.ok, r.detail, want)
		}
	}
}
