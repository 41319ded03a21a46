package config

import (
	"io"
	"strings"
	"testing"
)

// CITYHUB_OPEN311_JURISDICTION is empty by default and takes the city's
// domain name, in any letter case; a URL, a port, a path or a name
// without a dot (no client would send it as GeoReport v2 suggests) stops
// the start, naming the variable.
func TestOpen311Jurisdiction(t *testing.T) {
	if c, err := Parse("serve", nil, env(map[string]string{}), io.Discard); err != nil || c.Open311Jurisdiction != "" {
		t.Fatalf("default: %q, %v", c.Open311Jurisdiction, err)
	}
	for _, ok := range []string{"comune.benevento.it", "WWW.Comune.Benevento.IT", "sfgov.org"} {
		c, err := Parse("serve", nil, env(map[string]string{"CITYHUB_OPEN311_JURISDICTION": ok}), io.Discard)
		if err != nil || c.Open311Jurisdiction != ok {
			t.Errorf("%s: %q, %v", ok, c.Open311Jurisdiction, err)
		}
	}
	for _, bad := range []string{"https://comune.benevento.it/", "comune.benevento.it:443", "comune.benevento.it/open311",
		"benevento", "comune benevento.it", "-comune.benevento.it", "comune..benevento.it", "10.0.0.1", "comune.benevènto.it"} {
		_, err := Parse("serve", nil, env(map[string]string{"CITYHUB_OPEN311_JURISDICTION": bad}), io.Discard)
		if err == nil || !strings.Contains(err.Error(), "CITYHUB_OPEN311_JURISDICTION") {
			t.Errorf("%s: %v, want an error naming CITYHUB_OPEN311_JURISDICTION", bad, err)
		}
	}
}
