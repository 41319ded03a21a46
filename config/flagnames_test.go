package config

import (
	"errors"
	"io"
	"net"
	"strings"
	"testing"
)

// "serve -log-level=verbose" said CITYHUB_LOG_LEVEL "verbose": a value
// refused is named by where it came from, the flag when one was given.
func TestRefusedFlagNamedAsFlag(t *testing.T) {
	env := map[string]string{"CITYHUB_LOG_FORMAT": "xml", "CITYHUB_MQTT_SHARE_GROUP": "a/b"}
	getenv := func(k string) string { return env[k] }
	_, err := Parse("serve", []string{"-log-level=verbose", "-mqtt-broker-addr", "nohost", "--http-addr=x", "-mqtt-topic-root", "a b"}, getenv, io.Discard)
	if err == nil {
		t.Fatal("no error")
	}
	msg := err.Error()
	for _, want := range []string{`-log-level "verbose"`, `-mqtt-broker-addr "nohost"`, `-http-addr "x"`, `-mqtt-topic-root "a b"`,
		`CITYHUB_LOG_FORMAT "xml"`, `CITYHUB_MQTT_SHARE_GROUP "a/b"`} {
		if !strings.Contains(msg, want) {
			t.Errorf("error does not say %s:\n%s", want, msg)
		}
	}
	for _, not := range []string{"CITYHUB_LOG_LEVEL", "CITYHUB_MQTT_BROKER_ADDR", "CITYHUB_HTTP_ADDR", "CITYHUB_MQTT_TOPIC_ROOT"} {
		if strings.Contains(msg, not) {
			t.Errorf("error names %s, set by its flag:\n%s", not, msg)
		}
	}
	// The cause is still there for errors.As.
	var addrErr *net.AddrError
	if !errors.As(err, &addrErr) {
		t.Errorf("the address error is lost: %v", err)
	}

	// The variable, when it was the variable.
	_, err = Parse("serve", nil, func(k string) string { return map[string]string{"CITYHUB_LOG_LEVEL": "verbose"}[k] }, io.Discard)
	if err == nil || !strings.Contains(err.Error(), `CITYHUB_LOG_LEVEL "verbose"`) {
		t.Errorf("got %v", err)
	}
}

// NameOf names the flag of a setting the command line set, and the
// variable of any other, whether the variable was set or not.
func TestNameOf(t *testing.T) {
	env := map[string]string{"CITYHUB_LOG_LEVEL": "warn", "CITYHUB_LOG_FORMAT": "json"}
	c, err := Parse("serve", []string{"-log-level", "debug", "-mqtt-broker-auth=none"}, func(k string) string { return env[k] }, io.Discard)
	if err != nil {
		t.Fatal(err)
	}
	for env, want := range map[string]string{
		"CITYHUB_LOG_LEVEL":        "-log-level",
		"CITYHUB_MQTT_BROKER_AUTH": "-mqtt-broker-auth",
		"CITYHUB_LOG_FORMAT":       "CITYHUB_LOG_FORMAT",
		"CITYHUB_HTTP_ADDR":        "CITYHUB_HTTP_ADDR",
		"CITYHUB_SMTP_URL":         "CITYHUB_SMTP_URL",
	} {
		if got := c.NameOf(env); got != want {
			t.Errorf("NameOf(%s) = %s, want %s", env, got, want)
		}
	}
	if got := Default().NameOf("CITYHUB_LOG_LEVEL"); got != "CITYHUB_LOG_LEVEL" {
		t.Errorf("a Config no command line made names %s", got)
	}
}
