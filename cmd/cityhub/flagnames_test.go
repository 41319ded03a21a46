package main

import (
	"context"
	"io"
	"strings"
	"testing"

	"cityhub/config"
)

// A value refused, or reported, is named by the flag that gave it, not by
// a variable the operator never set.
func TestSettingsFromFlagsNamedAsFlags(t *testing.T) {
	noEnv := func(string) string { return "" }
	flags := []string{"-instance-id=Bad!", "-test-payments"}
	cfg, err := config.Parse("check", flags, noEnv, io.Discard)
	if err != nil {
		t.Fatal(err)
	}
	if err := preflight(cfg); err == nil || !strings.HasPrefix(err.Error(), `-instance-id "Bad!"`) {
		t.Errorf("preflight: %v", err)
	}
	if r := checkInstance(cfg); !strings.HasPrefix(r.detail, `-instance-id "Bad!"`) {
		t.Errorf("check instance: %s", r.detail)
	}
	if r := checkPayments(cfg); !strings.HasPrefix(r.detail, "-test-payments is on") {
		t.Errorf("check payments: %s", r.detail)
	}
	cfg, err = config.Parse("check", nil, func(k string) string { return map[string]string{"CITYHUB_INSTANCE_ID": "Bad!"}[k] }, io.Discard)
	if err != nil {
		t.Fatal(err)
	}
	if err := preflight(cfg); err == nil || !strings.HasPrefix(err.Error(), `CITYHUB_INSTANCE_ID "Bad!"`) {
		t.Errorf("preflight from the variable: %v", err)
	}
}

// cityhub check's line on the broker's dynamic security names the flag
// that asked for it, and the variable when the variable did.
func TestCheckDynsecNamesItsSetting(t *testing.T) {
	// Nothing listens on port 1: the plugin cannot be reached, which
	// check reports naming the setting that asked for dynamic security.
	env := map[string]string{"CITYHUB_MQTT_USERNAME": "hub", "CITYHUB_MQTT_PASSWORD": "pw"}
	for _, tc := range []struct {
		args     []string
		env      map[string]string
		want     string
		notNamed string
	}{
		{[]string{"-mqtt-broker-auth=dynsec", "-mqtt-url", "tcp://127.0.0.1:1"}, nil, "; but -mqtt-broker-auth=dynsec and", "CITYHUB_MQTT_BROKER_AUTH"},
		{nil, map[string]string{"CITYHUB_MQTT_BROKER_AUTH": "dynsec", "CITYHUB_MQTT_URL": "tcp://127.0.0.1:1"}, "; but CITYHUB_MQTT_BROKER_AUTH=dynsec and", "-mqtt-broker-auth"},
	} {
		getenv := func(k string) string {
			if v, ok := tc.env[k]; ok {
				return v
			}
			return env[k]
		}
		cfg, err := config.Parse("check", tc.args, getenv, io.Discard)
		if err != nil {
			t.Fatal(err)
		}
		r := checkDynsec(context.Background(), cfg, checkResult{name: "broker"})
		if r.ok || !strings.HasPrefix(r.detail, tc.want) || strings.Contains(r.detail, tc.notNamed) {
			t.Errorf("%q: %s, want a failure saying %q", tc.args, r.detail, tc.want)
		}
	}
}
