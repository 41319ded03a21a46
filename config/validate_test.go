package config

import (
	"io"
	"strings"
	"testing"
)

// Every setting Validate refuses is named by its variable, as the README
// promises, and a range's message does not contradict itself.
func TestValidateNamesTheVariable(t *testing.T) {
	for name, value := range map[string]string{
		"CITYHUB_HTTP_ADDR":                  "nonsense",
		"CITYHUB_DATABASE_URL":               "mysql://x",
		"CITYHUB_MQTT_URL":                   "http://broker",
		"CITYHUB_MQTT_TOPIC_ROOT":            "cityhub/#",
		"CITYHUB_MQTT_BROKER_AUTH":           "ldap",
		"CITYHUB_MQTT_SHARE_GROUP":           "a/b",
		"CITYHUB_LOG_LEVEL":                  "loud",
		"CITYHUB_LOG_FORMAT":                 "xml",
		"CITYHUB_SHUTDOWN_TIMEOUT":           "-5s",
		"CITYHUB_STRIPE_WEBHOOK_TOLERANCE":   "0s",
		"CITYHUB_ACCESS_TOKEN_TTL":           "2h",
		"CITYHUB_LOGIN_WINDOW":               "25h",
		"CITYHUB_REFRESH_TOKEN_TTL":          "-1h",
		"CITYHUB_SMTP_URL":                   "http://mail",
		"CITYHUB_MAIL_MAX_ATTEMPTS":          "0",
		"CITYHUB_UNVERIFIED_ACCOUNT_TTL":     "1h",
		"CITYHUB_KEPT_ANSWERS_TTL":           "12h",
		"CITYHUB_VOUCHER_REMINDER_DAYS":      "400",
		"CITYHUB_REPORT_REOPEN_PERIOD":       "1m",
		"CITYHUB_PROPOSAL_SUPPORT_THRESHOLD": "0",
		"CITYHUB_PHOTO_MAX_BYTES":            "1000",
		"CITYHUB_PHOTO_MAX_PIXELS":           "60000000",
		"CITYHUB_SMTP_TIMEOUT":               "0s",
		"CITYHUB_PUBLIC_URL":                 "/hub",
		"CITYHUB_OIDC_ISSUER":                "http://idp.example",
		"CITYHUB_STRIPE_API_URL":             "http://stripe.example",
		"CITYHUB_MQTT_BROKER_ADDR":           "nonsense",
	} {
		e := map[string]string{name: value}
		if name == "CITYHUB_SMTP_URL" {
			e["CITYHUB_MAIL_FROM"] = "noreply@comune.example"
		}
		_, err := Parse("serve", nil, env(e), io.Discard)
		if err == nil || !strings.Contains(err.Error(), name) {
			t.Errorf("%s=%s: %v, want an error naming %s", name, value, err, name)
		}
		if err != nil && strings.Contains(err.Error(), "between 0 and") {
			t.Errorf("%s=%s: %v says 0 is allowed though it is refused", name, value, err)
		}
	}
	c := Default()
	c.ShutdownTimeout = -5e9
	if err := c.Validate(); err == nil || !strings.Contains(err.Error(), "CITYHUB_SHUTDOWN_TIMEOUT -5s") {
		t.Errorf("shutdown timeout -5s: %v", err)
	}
}

// A public address that is not a web address, and a broker address whose
// port cannot be one, are refused by name: both stopped serve later with a
// message that named neither variable (or only a WARN from check).
func TestValidatePublicURLSchemeAndBrokerPort(t *testing.T) {
	for name, value := range map[string]string{
		"CITYHUB_PUBLIC_URL":       "ftp://comune.example",
		"CITYHUB_MQTT_BROKER_ADDR": "127.0.0.1:99999",
	} {
		_, err := Parse("serve", nil, env(map[string]string{name: value}), io.Discard)
		if err == nil || !strings.Contains(err.Error(), name) {
			t.Errorf("%s=%s: %v, want an error naming %s", name, value, err, name)
		}
	}
	for _, ok := range []string{"https://comune.example/", "https://comune.example", "http://127.0.0.1:8080"} {
		if _, err := Parse("serve", nil, env(map[string]string{"CITYHUB_PUBLIC_URL": ok}), io.Discard); err != nil {
			t.Errorf("CITYHUB_PUBLIC_URL=%s refused: %v", ok, err)
		}
	}
}

// The hub answers at the root of its host: a public URL with a path was
// accepted, and then every page, redirect and feed link missed it (the
// path itself was 404). Every command refuses it, naming the variable and
// saying where the hub is served.
func TestValidatePublicURLWithAPathIsRefused(t *testing.T) {
	for _, command := range []string{"serve", "demo", "check"} {
		for _, bad := range []string{"http://127.0.0.1:18094/city/", "https://comune.example/hub", "https://comune.example//"} {
			_, err := Parse(command, nil, env(map[string]string{"CITYHUB_PUBLIC_URL": bad}), io.Discard)
			if err == nil || !strings.Contains(err.Error(), "CITYHUB_PUBLIC_URL") || !strings.Contains(err.Error(), "root") {
				t.Errorf("%s with CITYHUB_PUBLIC_URL=%s: %v, want an error naming the variable and the root", command, bad, err)
			}
		}
	}
}

// The broker's URL needs a host, as its message says; another Stripe API
// base is https, or http only to this machine (given with the keys, which
// it needs).
func TestValidateMQTTHostAndStripeURL(t *testing.T) {
	withKeys := func(m map[string]string) map[string]string {
		if m["CITYHUB_STRIPE_API_URL"] != "" {
			m["CITYHUB_STRIPE_SECRET_KEY"], m["CITYHUB_STRIPE_PUBLISHABLE_KEY"], m["CITYHUB_STRIPE_WEBHOOK_SECRET"] = "sk_test_x", "pk_test_x", "whsec_x"
		}
		return m
	}
	for _, bad := range []map[string]string{
		{"CITYHUB_MQTT_URL": "tcp://"},
		{"CITYHUB_MQTT_URL": "tcp:broker:1883"},
		{"CITYHUB_MQTT_URL": "mqtt:///x"},
		{"CITYHUB_STRIPE_API_URL": "http://stripe.example"},
		{"CITYHUB_STRIPE_API_URL": "http://10.0.0.1:12111"},
		{"CITYHUB_STRIPE_API_URL": "/v1"},
		{"CITYHUB_STRIPE_API_URL": "ftp://api.stripe.com"},
		{"CITYHUB_STRIPE_API_URL": "https://"},
	} {
		if _, err := Parse("serve", nil, env(withKeys(bad)), io.Discard); err == nil {
			t.Errorf("%v accepted", bad)
		}
	}
	for _, good := range []map[string]string{
		{"CITYHUB_MQTT_URL": "tcp://broker:1883"},
		{"CITYHUB_STRIPE_API_URL": "https://api.stripe.com"},
		{"CITYHUB_STRIPE_API_URL": "http://127.0.0.1:12111"},
		{"CITYHUB_STRIPE_API_URL": "http://localhost:12111"},
		{"CITYHUB_STRIPE_API_URL": "http://[::1]:12111"},
	} {
		if _, err := Parse("serve", nil, env(withKeys(good)), io.Discard); err != nil {
			t.Errorf("%v refused: %v", good, err)
		}
	}
}

// Each Stripe key must look like what it is, the publishable key above
// all, which every card page shows: a secret key pasted there is refused,
// and no error shows a value. The settings come together: the others
// without the secret key would do nothing, the secret key without the
// publishable key would start card payments no page can pay, and without
// the webhook secret take card payments it never credits.
func TestValidateStripeKeys(t *testing.T) {
	full := map[string]string{
		"CITYHUB_STRIPE_SECRET_KEY":      "sk_live_51Hsecret",
		"CITYHUB_STRIPE_WEBHOOK_SECRET":  "whsec_signing",
		"CITYHUB_STRIPE_PUBLISHABLE_KEY": "pk_live_51Hpublic",
		"CITYHUB_STRIPE_API_URL":         "http://127.0.0.1:12111",
	}
	with := func(change map[string]string) map[string]string {
		m := map[string]string{}
		for k, v := range full {
			m[k] = v
		}
		for k, v := range change {
			if v == "" {
				delete(m, k)
			} else {
				m[k] = v
			}
		}
		return m
	}
	for _, tc := range []struct {
		env  map[string]string
		says string
	}{
		{with(map[string]string{"CITYHUB_STRIPE_PUBLISHABLE_KEY": "sk_live_51Hpasted"}), "CITYHUB_STRIPE_PUBLISHABLE_KEY: want Stripe's publishable key, which starts with pk_"},
		{with(map[string]string{"CITYHUB_STRIPE_PUBLISHABLE_KEY": "rk_live_51Hpasted"}), "CITYHUB_STRIPE_PUBLISHABLE_KEY: want"},
		{with(map[string]string{"CITYHUB_STRIPE_SECRET_KEY": "pk_live_51Hpasted"}), "CITYHUB_STRIPE_SECRET_KEY: want Stripe's secret key (sk_...) or a restricted key (rk_...)"},
		{with(map[string]string{"CITYHUB_STRIPE_SECRET_KEY": "51Hpasted"}), "CITYHUB_STRIPE_SECRET_KEY: want"},
		{with(map[string]string{"CITYHUB_STRIPE_WEBHOOK_SECRET": "sk_live_51Hpasted"}), "CITYHUB_STRIPE_WEBHOOK_SECRET: want the webhook endpoint's signing secret, which starts with whsec_"},
		{with(map[string]string{"CITYHUB_STRIPE_SECRET_KEY": ""}), "CITYHUB_STRIPE_PUBLISHABLE_KEY, CITYHUB_STRIPE_WEBHOOK_SECRET, CITYHUB_STRIPE_API_URL: only with CITYHUB_STRIPE_SECRET_KEY"},
		{map[string]string{"CITYHUB_STRIPE_PUBLISHABLE_KEY": "pk_test_x"}, "CITYHUB_STRIPE_PUBLISHABLE_KEY: only with CITYHUB_STRIPE_SECRET_KEY"},
		{map[string]string{"CITYHUB_STRIPE_WEBHOOK_SECRET": "whsec_x"}, "CITYHUB_STRIPE_WEBHOOK_SECRET: only with CITYHUB_STRIPE_SECRET_KEY"},
		{map[string]string{"CITYHUB_STRIPE_API_URL": "https://api.stripe.com"}, "CITYHUB_STRIPE_API_URL: only with CITYHUB_STRIPE_SECRET_KEY"},
		{with(map[string]string{"CITYHUB_STRIPE_PUBLISHABLE_KEY": ""}), "CITYHUB_STRIPE_PUBLISHABLE_KEY: needed with CITYHUB_STRIPE_SECRET_KEY"},
		{map[string]string{"CITYHUB_STRIPE_SECRET_KEY": "sk_test_x", "CITYHUB_STRIPE_WEBHOOK_SECRET": "whsec_x"}, "CITYHUB_STRIPE_PUBLISHABLE_KEY: needed"},
		{with(map[string]string{"CITYHUB_STRIPE_WEBHOOK_SECRET": ""}), "CITYHUB_STRIPE_WEBHOOK_SECRET: needed with CITYHUB_STRIPE_SECRET_KEY"},
		{map[string]string{"CITYHUB_STRIPE_SECRET_KEY": "sk_test_x"}, "CITYHUB_STRIPE_WEBHOOK_SECRET: needed"},
	} {
		_, err := Parse("serve", nil, env(tc.env), io.Discard)
		if err == nil || !strings.Contains(err.Error(), tc.says) {
			t.Errorf("%v: %v, want an error saying %q", tc.env, err, tc.says)
		}
		if err != nil && strings.Contains(err.Error(), "51H") {
			t.Errorf("%v: the error shows a key: %v", tc.env, err)
		}
	}
	for _, good := range []map[string]string{
		full,
		with(map[string]string{"CITYHUB_STRIPE_API_URL": ""}),
		with(map[string]string{"CITYHUB_STRIPE_SECRET_KEY": "rk_live_51Hrestricted", "CITYHUB_STRIPE_PUBLISHABLE_KEY": "pk_test_x"}),
		{},
	} {
		if _, err := Parse("serve", nil, env(good), io.Discard); err != nil {
			t.Errorf("%v refused: %v", good, err)
		}
	}
}

// An SMTP or MQTT URL whose password holds an unescaped /, ? or # parses
// with the password's start as its host (smtp://user:1234/pw@host is host
// user, port 1234): it is refused by name, the password masked, where the
// hub went on to dial that host and print the rest.
func TestValidateRefusesAnAtAfterTheHost(t *testing.T) {
	for _, tc := range []struct{ name, value string }{
		{"CITYHUB_SMTP_URL", "smtp://user:1234/S3cretPW@smtp.example:587"},
		{"CITYHUB_SMTP_URL", "smtp://user:12?S3cretPW@smtp.example"},
		{"CITYHUB_SMTP_URL", "smtps://user:12#S3cretPW@smtp.example:465"},
		{"CITYHUB_MQTT_URL", "tcp://station:1234/S3cretPW@broker:1883"},
		{"CITYHUB_MQTT_URL", "mqtt://station:12?S3cretPW@broker"},
		{"CITYHUB_MQTT_URL", "ssl://broker:8883/ops@comune.example"},
	} {
		e := map[string]string{tc.name: tc.value, "CITYHUB_MAIL_FROM": "noreply@comune.example"}
		_, err := Parse("serve", nil, env(e), io.Discard)
		if err == nil || !strings.Contains(err.Error(), tc.name) || !strings.Contains(err.Error(), "an @ after the host") {
			t.Errorf("%s=%s: %v, want it refused for the @ after the host", tc.name, tc.value, err)
		}
		if err != nil && strings.Contains(err.Error(), "S3cretPW") {
			t.Errorf("%s=%s: the error shows the password: %v", tc.name, tc.value, err)
		}
	}
	for _, ok := range []map[string]string{
		{"CITYHUB_SMTP_URL": "smtp://user:1234%2FS3cretPW@smtp.example:587?tls=opportunistic", "CITYHUB_MAIL_FROM": "noreply@comune.example"},
		{"CITYHUB_MQTT_URL": "tcp://station:S3cret%3FPW@broker:1883"},
	} {
		if _, err := Parse("serve", nil, env(ok), io.Discard); err != nil {
			t.Errorf("%v refused: %v", ok, err)
		}
	}
}

// A database password holding an unescaped @ is refused by name, the
// password masked: the driver splits the URL at its first @, so the
// password's end was looked up as the host and printed in the error.
func TestValidateRefusesAnAtInTheDatabaseHost(t *testing.T) {
	for _, v := range []string{
		"postgres://cityhub:pa@S3cretPW@db.example:5432/cityhub",
		"postgresql://cityhub:pa@S3cretPW@db.example",
		"postgres://cityhub:pa@S3cretPW@db.example?sslmode=require",
	} {
		_, err := Parse("serve", nil, env(map[string]string{"CITYHUB_DATABASE_URL": v}), io.Discard)
		if err == nil || !strings.Contains(err.Error(), "CITYHUB_DATABASE_URL") || !strings.Contains(err.Error(), "%40") {
			t.Errorf("%s: %v, want it refused for the @ in the host", v, err)
		}
		if err != nil && strings.Contains(err.Error(), "S3cretPW") {
			t.Errorf("%s: the error shows the password: %v", v, err)
		}
	}
	for _, v := range []string{
		"postgres://cityhub:pa%40S3cretPW@db.example:5432/cityhub",
		"postgres://db.example/cityhub?password=pa@S3cretPW",
		"postgres://cityhub@db.example/cityhub?options=a@b",
	} {
		if _, err := Parse("serve", nil, env(map[string]string{"CITYHUB_DATABASE_URL": v}), io.Discard); err != nil {
			t.Errorf("%s refused: %v", v, err)
		}
	}
}

// A map tiles URL refused for the user and password in it names the
// setting with the password masked, as every URL setting's error does.
func TestTilesURLRefusalMasksItsPassword(t *testing.T) {
	for _, v := range []string{
		"https://maps:S3cretPW@tiles.example/{z}/{x}/{y}.png",
		"https://maps:S3cretPW@tiles.example/map.png",
	} {
		_, err := Parse("serve", nil, env(map[string]string{"CITYHUB_MAP_TILES_URL": v}), io.Discard)
		if err == nil || !strings.Contains(err.Error(), "CITYHUB_MAP_TILES_URL") {
			t.Errorf("%s: %v, want it refused by name", v, err)
		}
		if err != nil && strings.Contains(err.Error(), "S3cretPW") {
			t.Errorf("%s: the error shows the password: %v", v, err)
		}
	}
}

// A topic root or share group refused only for its length says the
// length: a root of valid characters was refused with a message listing
// the characters alone, which the operator's value already kept to.
func TestTopicRootAndShareGroupRefusalsSayTheLength(t *testing.T) {
	long := strings.Repeat("a", 101)
	for _, name := range []string{"CITYHUB_MQTT_TOPIC_ROOT", "CITYHUB_MQTT_SHARE_GROUP"} {
		_, err := Parse("serve", nil, env(map[string]string{name: long}), io.Discard)
		if err == nil || !strings.Contains(err.Error(), name) || !strings.Contains(err.Error(), "up to 100 characters") {
			t.Errorf("%s of 101 characters: %v, want an error naming it and its limit of 100 characters", name, err)
		}
		if _, err := Parse("serve", nil, env(map[string]string{name: long[:100]}), io.Discard); err != nil {
			t.Errorf("%s of 100 characters refused: %v", name, err)
		}
	}
}

// A metrics token with a space, or another character an Authorization
// header's bearer token cannot carry, was taken without a word; one with a
// space at an end could never be matched (the header is trimmed). Refused
// by name, the value never shown.
func TestMetricsTokenMustBeABearerToken(t *testing.T) {
	for _, bad := range []string{"secret token", " s3cr3tvalue", "s3cr3tvalue ", "s3cr3t\tvalue", "s3cr3t=value", "====", "s3cr3t\"value", "sëcret"} {
		_, err := Parse("serve", nil, env(map[string]string{"CITYHUB_METRICS_TOKEN": bad}), io.Discard)
		if err == nil || !strings.Contains(err.Error(), "CITYHUB_METRICS_TOKEN: want a bearer token") {
			t.Errorf("token %q: %v, want it refused by name", bad, err)
		}
		if err != nil && strings.Contains(err.Error(), "s3cr3t") {
			t.Errorf("token %q: the error shows it: %v", bad, err)
		}
	}
	for _, good := range []string{"0123456789abcdef0123456789abcdef", "a-b.c_d~e+f/g==", "QUJD"} {
		if _, err := Parse("serve", nil, env(map[string]string{"CITYHUB_METRICS_TOKEN": good}), io.Discard); err != nil {
			t.Errorf("token %q refused: %v", good, err)
		}
	}
}
