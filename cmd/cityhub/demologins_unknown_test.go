package main

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"cityhub/demo"
)

// A demo started on a data directory whose demo accounts exist without
// their passwords (one `cityhub restore` made from a demo's backup, which
// does not hold the demo's logins file) says the passwords are not known
// on this copy and how to get in, and writes no logins file that refers
// to itself: it printed, and kept, "(set on the first demo start; see
// demo-logins.json there)" for every account.
func TestDemoWithoutItsLoginsSaysHowToGetIn(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	env := demoEnv(dir)
	startDemoOnce(t, env)
	logins := filepath.Join(dir, demo.LoginsFile)
	if err := os.Remove(logins); err != nil {
		t.Fatal(err)
	}
	out := startDemoOnce(t, env)
	for _, want := range []string{"comune@demo.cityhub.test", "not known on this copy", "cityhub create-admin", "/admin/outbox"} {
		if !strings.Contains(out, want) {
			t.Errorf("the demo without its logins does not say %q:\n%s", want, out)
		}
	}
	if strings.Contains(out, demo.LoginsFile+" there") || strings.Contains(out, "set on the first demo start") {
		t.Errorf("the demo sends to a logins file it does not have:\n%s", out)
	}
	if b, err := os.ReadFile(logins); err == nil && strings.Contains(string(b), "demo.cityhub.test") {
		t.Errorf("the demo wrote %s with passwords it does not know:\n%s", demo.LoginsFile, b)
	}
}
