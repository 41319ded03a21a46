package mqtt_test

import (
	"bufio"
	"os"
	"path"
	"strconv"
	"strings"
	"testing"

	"cityhub/mqtt"
)

// mosquittoDirectives reads a mosquitto.conf: each directive's values, in
// order, comments and blank lines left out.
func mosquittoDirectives(t *testing.T, file string) map[string][]string {
	t.Helper()
	f, err := os.Open(file)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	out := map[string][]string{}
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		line := strings.TrimSpace(sc.Text())
		if line == "" || strings.HasPrefix(line, "#") {
			continue
		}
		key, value, _ := strings.Cut(line, " ")
		out[key] = append(out[key], strings.TrimSpace(value))
	}
	if err := sc.Err(); err != nil {
		t.Fatal(err)
	}
	return out
}

// The Mosquitto configuration shipped for production
// (deploy/mosquitto/mosquitto.conf) decides who may publish what with the
// same directives as the one the station-credential tests run against
// (deploy/mosquitto/test-auth.conf, which scripts/services starts on :1884):
// one set of rules for every listener, no anonymous clients, the
// dynamic-security plugin and nothing else deciding. What the tests prove of
// the one holds for the other; they differ only in where they listen, TLS,
// paths and persistence.
func TestShippedMosquittoConfigIsTheTestedOne(t *testing.T) {
	shipped := mosquittoDirectives(t, "../deploy/mosquitto/mosquitto.conf")
	tested := mosquittoDirectives(t, "../deploy/mosquitto/test-auth.conf")
	for name, conf := range map[string]map[string][]string{"mosquitto.conf": shipped, "test-auth.conf": tested} {
		if got := conf["per_listener_settings"]; len(got) != 1 || got[0] != "false" {
			t.Errorf("%s: per_listener_settings %v, want false (one set of rules for every listener)", name, got)
		}
		if got := conf["allow_anonymous"]; len(got) != 1 || got[0] != "false" {
			t.Errorf("%s: allow_anonymous %v, want false", name, got)
		}
		if got := conf["plugin"]; len(got) != 1 || !strings.HasSuffix(got[0], "mosquitto_dynamic_security.so") && got[0] != "@PLUGIN@" {
			t.Errorf("%s: plugin %v, want the dynamic-security plugin alone", name, got)
		}
		if got := conf["plugin_opt_config_file"]; len(got) != 1 || path.Base(got[0]) != "dynamic-security.json" {
			t.Errorf("%s: plugin_opt_config_file %v", name, got)
		}
		// Other ways of deciding would add rules the tests never saw.
		for _, other := range []string{"password_file", "acl_file", "psk_file", "auth_plugin", "auth_opt_backends", "use_username_as_clientid"} {
			if v, ok := conf[other]; ok {
				t.Errorf("%s: %s %v: the dynamic-security plugin alone decides", name, other, v)
			}
		}
		if got := conf["set_tcp_nodelay"]; len(got) != 1 || got[0] != "true" {
			t.Errorf("%s: set_tcp_nodelay %v, want true (docs/mqtt.md, bench)", name, got)
		}
		// The embedded broker's bound: Mosquitto without one lets an
		// unauthenticated client make it allocate 256 MB per packet.
		if got := conf["max_packet_size"]; len(got) != 1 || got[0] != strconv.Itoa(mqtt.MaxPacketSize) {
			t.Errorf("%s: max_packet_size %v, want %d (mqtt.MaxPacketSize)", name, got, mqtt.MaxPacketSize)
		}
	}
	if got := shipped["listener"]; len(got) == 0 || shipped["certfile"] == nil || shipped["keyfile"] == nil {
		t.Errorf("mosquitto.conf: listener %v without TLS: stations are on the public network", got)
	}
}
