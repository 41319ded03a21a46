package main

import (
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"cityhub/config"
)

// cityhub check reads the participation catalogue, and the shipped
// environment file does not say otherwise.
func TestEnvFileTellsCheckReadsCatalogue(t *testing.T) {
	t.Parallel()
	broken := filepath.Join(t.TempDir(), "participation.json")
	if err := os.WriteFile(broken, []byte("{not json"), 0o600); err != nil {
		t.Fatal(err)
	}
	if r := checkParticipation(config.Config{ParticipationCatalogue: broken}); r.ok || !strings.Contains(r.detail, "CITYHUB_PARTICIPATION_CATALOGUE") {
		t.Fatalf("check on a broken catalogue: %+v, want it reported", r)
	}
	b, err := os.ReadFile("../../packaging/cityhub.env")
	if err != nil {
		t.Fatal(err)
	}
	if m := regexp.MustCompile(`check\s+(?:#\s*)?does\s+(?:#\s*)?not\s+(?:#\s*)?read`).Find(b); m != nil {
		t.Errorf("packaging/cityhub.env says %q, but cityhub check reads CITYHUB_PARTICIPATION_CATALOGUE", m)
	}
}
