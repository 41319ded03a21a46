package config

import (
	"bytes"
	"io"
	"os"
	"strings"
	"testing"
	"time"
)

func env(m map[string]string) func(string) string { return func(k string) string { return m[k] } }

func TestDefaults(t *testing.T) {
	c, err := Parse("serve", nil, env(nil), io.Discard)
	if err != nil {
		t.Fatal(err)
	}
	if c.HTTPAddr != "127.0.0.1:8080" || c.DataDir != "./data" || c.DatabaseURL != "" || c.MQTTURL != "" ||
		c.AccessTokenTTL != 15*time.Minute || c.MQTTTopicRoot != "cityhub/v1" || c.TestPayments {
		t.Errorf("defaults: %+v", c)
	}
}

func TestEnvironmentAndFlags(t *testing.T) {
	c, err := Parse("serve", []string{"-http-addr", "127.0.0.1:9999"}, env(map[string]string{
		"CITYHUB_HTTP_ADDR":                  "127.0.0.1:1234",
		"CITYHUB_DATABASE_URL":               "postgres://u:hunter2pw@db/city",
		"CITYHUB_TEST_PAYMENTS":              "true",
		"CITYHUB_ACCESS_TOKEN_TTL":           "5m",
		"CITYHUB_TRUSTED_PROXIES":            "10.0.0.0/8, 192.0.2.7",
		"CITYHUB_REPORT_REOPEN_PERIOD":       "168h",
		"CITYHUB_PROPOSAL_SUPPORT_THRESHOLD": "250",
		"CITYHUB_PHOTO_MAX_BYTES":            "4194304",
		"CITYHUB_PHOTO_MAX_PIXELS":           "12000000",
		"CITYHUB_DISK_MIN_FREE_MIB":          "512",
	}), io.Discard)
	if err != nil {
		t.Fatal(err)
	}
	if c.HTTPAddr != "127.0.0.1:9999" {
		t.Errorf("flag did not win over the environment: %s", c.HTTPAddr)
	}
	if c.ReportReopenPeriod != 7*24*time.Hour || c.ProposalSupportThreshold != 250 || c.PhotoMaxBytes != 4<<20 || c.PhotoMaxPixels != 12_000_000 {
		t.Errorf("participation settings %+v", c)
	}
	if c.DiskMinFreeMiB != 512 {
		t.Errorf("disk margin %d MiB, want 512", c.DiskMinFreeMiB)
	}
	if !c.TestPayments || c.AccessTokenTTL != 5*time.Minute || len(c.TrustedProxies) != 2 || c.TrustedProxies[1].String() != "192.0.2.7/32" {
		t.Errorf("parsed %+v", c)
	}
	if summary := fmtSummary(c); strings.Contains(summary, "hunter2pw") || !strings.Contains(summary, "postgres://u:xxxxx@db/city") {
		t.Errorf("the start-up summary shows a secret: %s", summary)
	}
}

func fmtSummary(c Config) string {
	var b strings.Builder
	for _, v := range c.Summary() {
		b.WriteString(toString(v))
		b.WriteByte(' ')
	}
	return b.String()
}

func toString(v any) string {
	switch x := v.(type) {
	case string:
		return x
	case interface{ String() string }:
		return x.String()
	}
	return ""
}

func TestRefusesBadConfiguration(t *testing.T) {
	for name, e := range map[string]map[string]string{
		"bad address":        {"CITYHUB_HTTP_ADDR": "nonsense"},
		"port out of range":  {"CITYHUB_HTTP_ADDR": "127.0.0.1:99999"},
		"port not a number":  {"CITYHUB_HTTP_ADDR": "127.0.0.1:abc"},
		"mysql url":          {"CITYHUB_DATABASE_URL": "mysql://x"},
		"bad mqtt scheme":    {"CITYHUB_MQTT_URL": "http://broker"},
		"bad boolean":        {"CITYHUB_TEST_PAYMENTS": "perhaps"},
		"bad duration":       {"CITYHUB_ACCESS_TOKEN_TTL": "soon"},
		"ttl too long":       {"CITYHUB_ACCESS_TOKEN_TTL": "2h"},
		"wildcard root":      {"CITYHUB_MQTT_TOPIC_ROOT": "cityhub/#"},
		"empty level":        {"CITYHUB_MQTT_TOPIC_ROOT": "cityhub//v1"},
		"group with a slash": {"CITYHUB_MQTT_SHARE_GROUP": "a/b"},
		"bad proxy":          {"CITYHUB_TRUSTED_PROXIES": "10.0.0.0/33"},
		"relative public":    {"CITYHUB_PUBLIC_URL": "/hub"},
		"short kek":          {"CITYHUB_KEY_ENCRYPTION_KEY": "c2hvcnQ="},
		"kek not base64":     {"CITYHUB_KEY_ENCRYPTION_KEY": "not base64 at all!"},
		"zero login limit":   {"CITYHUB_LOGIN_LIMIT_IP": "0"},
		"bad login window":   {"CITYHUB_LOGIN_WINDOW": "a while"},
		"login window > day": {"CITYHUB_LOGIN_WINDOW": "25h"},
		"unknown time zone":  {"CITYHUB_TIMEZONE": "Europe/Benevento"},
		"host's time zone":   {"CITYHUB_TIMEZONE": "Local"},
		"reopen in a minute": {"CITYHUB_REPORT_REOPEN_PERIOD": "1m"},
		"reopen in 12 hours": {"CITYHUB_REPORT_REOPEN_PERIOD": "12h"},
		"a day and a half":   {"CITYHUB_REPORT_REOPEN_PERIOD": "36h"},
		"no threshold":       {"CITYHUB_PROPOSAL_SUPPORT_THRESHOLD": "0"},
		"threshold text":     {"CITYHUB_PROPOSAL_SUPPORT_THRESHOLD": "many"},
		"tiny photos":        {"CITYHUB_PHOTO_MAX_BYTES": "1000"},
		"no disk margin":     {"CITYHUB_DISK_MIN_FREE_MIB": "0"},
		"disk margin in B":   {"CITYHUB_DISK_MIN_FREE_MIB": "67108864"},
		"gigapixel photos":   {"CITYHUB_PHOTO_MAX_PIXELS": "1000000000"},
		"60 MP photos":       {"CITYHUB_PHOTO_MAX_PIXELS": "60000000"},
		"tiles without xyz":  {"CITYHUB_MAP_TILES_URL": "https://tiles.example.org/map.png"},
		"tiles not http":     {"CITYHUB_MAP_TILES_URL": "javascript:{z}{x}{y}"},
		"tiles host quoted":  {"CITYHUB_MAP_TILES_URL": "https://a';b/{z}/{x}/{y}.png"},
		"loud log level":     {"CITYHUB_LOG_LEVEL": "verbose"},
		"log level offset":   {"CITYHUB_LOG_LEVEL": "info+2"},
		"xml logs":           {"CITYHUB_LOG_FORMAT": "xml"},
		"no time to finish":  {"CITYHUB_SHUTDOWN_TIMEOUT": "0s"},
		"an hour to finish":  {"CITYHUB_SHUTDOWN_TIMEOUT": "1h"},
		"plain city site":    {"CITYHUB_CITY_WEBSITE": "http://www.comune.example.it"},
		"plain security url": {"CITYHUB_CITY_SECURITY_CONTACT": "http://www.comune.example.it/sicurezza"},
		"named security":     {"CITYHUB_CITY_SECURITY_CONTACT": "CERT <cert@comune.example.it>"},
		"security nonsense":  {"CITYHUB_CITY_SECURITY_CONTACT": "call us"},
		"public url query":   {"CITYHUB_PUBLIC_URL": "https://hub.example.it/?x=1"},
		"public url anchor":  {"CITYHUB_PUBLIC_URL": "https://hub.example.it/#top"},
		"public url user":    {"CITYHUB_PUBLIC_URL": "https://me@hub.example.it"},
	} {
		if _, err := Parse("serve", nil, env(e), io.Discard); err == nil {
			t.Errorf("%s: accepted %v", name, e)
		}
	}
}

func TestKeyEncryptionKeysAndLoginLimits(t *testing.T) {
	newKey, oldKey := strings.Repeat("A", 43)+"=", strings.Repeat("_", 43)
	c, err := Parse("serve", nil, env(map[string]string{
		"CITYHUB_KEY_ENCRYPTION_KEY": newKey + ", " + oldKey,
		"CITYHUB_LOGIN_LIMIT_IP":     "400",
		"CITYHUB_LOGIN_WINDOW":       "30m",
	}), io.Discard)
	if err != nil {
		t.Fatal(err)
	}
	if len(c.KeyEncryptionKeys) != 2 || len(c.KeyEncryptionKeys[0]) != kekSize || c.KeyEncryptionKeys[1][0] != 0xff {
		t.Errorf("key-encryption keys %x", c.KeyEncryptionKeys)
	}
	if c.LoginLimitIP != 400 || c.LoginLimitAccountIP != 5 || c.LoginLimitAccount != 10 || c.LoginWindow != 30*time.Minute {
		t.Errorf("login limits %+v", c)
	}
	_, err = Parse("serve", nil, env(map[string]string{"CITYHUB_KEY_ENCRYPTION_KEY": "hunter2hunter2"}), io.Discard)
	if err == nil || strings.Contains(err.Error(), "hunter2") {
		t.Errorf("a bad key: %v; want an error that does not show it", err)
	}
}

// Credentials written into the broker URL move out of it, so the URL holds
// no secret wherever the MQTT client logs it; explicit settings win.
func TestMQTTCredentialsLeaveTheURL(t *testing.T) {
	c, err := Parse("serve", nil, env(map[string]string{"CITYHUB_MQTT_URL": "ssl://hub:s3cret@broker.example:8883"}), io.Discard)
	if err != nil {
		t.Fatal(err)
	}
	if c.MQTTURL != "ssl://broker.example:8883" || c.MQTTUsername != "hub" || c.MQTTPassword != "s3cret" {
		t.Errorf("url %q user %q password %q", c.MQTTURL, c.MQTTUsername, c.MQTTPassword)
	}
	c, err = Parse("serve", nil, env(map[string]string{"CITYHUB_MQTT_URL": "tcp://hub:s3cret@broker:1883",
		"CITYHUB_MQTT_USERNAME": "other", "CITYHUB_MQTT_PASSWORD": "given"}), io.Discard)
	if err != nil {
		t.Fatal(err)
	}
	if c.MQTTURL != "tcp://broker:1883" || c.MQTTUsername != "other" || c.MQTTPassword != "given" {
		t.Errorf("url %q user %q password %q", c.MQTTURL, c.MQTTUsername, c.MQTTPassword)
	}
}

func TestBrokerAuthSetting(t *testing.T) {
	c, err := Parse("demo", []string{"-simulate-stations"}, env(map[string]string{
		"CITYHUB_MQTT_URL": "tcp://broker:1883", "CITYHUB_MQTT_BROKER_AUTH": "dynsec",
		"CITYHUB_MQTT_USERNAME": "cityhub-hub", "CITYHUB_MQTT_PASSWORD": "pw",
	}), io.Discard)
	if err != nil || c.MQTTBrokerAuth != "dynsec" || !c.SimulateStations {
		t.Errorf("dynsec: %+v %v", c, err)
	}
	if c, err := Parse("serve", nil, env(map[string]string{"CITYHUB_MQTT_URL": "tcp://cityhub-hub:pw@broker:1883", "CITYHUB_MQTT_BROKER_AUTH": "dynsec"}), io.Discard); err != nil || c.MQTTUsername != "cityhub-hub" {
		t.Errorf("dynsec with the account in the URL: %v", err)
	}
	if c, _ := Parse("serve", nil, env(nil), io.Discard); c.MQTTBrokerAuth != "none" || c.SimulateStations {
		t.Errorf("defaults: auth %q, simulate %v", c.MQTTBrokerAuth, c.SimulateStations)
	}
	for name, e := range map[string]map[string]string{
		"unknown engine":              {"CITYHUB_MQTT_BROKER_AUTH": "acl-file"},
		"dynsec without a user":       {"CITYHUB_MQTT_URL": "tcp://broker:1883", "CITYHUB_MQTT_BROKER_AUTH": "dynsec"},
		"dynsec without a broker":     {"CITYHUB_MQTT_BROKER_AUTH": "dynsec"},
		"an account without a broker": {"CITYHUB_MQTT_USERNAME": "cityhub-hub", "CITYHUB_MQTT_PASSWORD": "pw"},
		"a password without a broker": {"CITYHUB_MQTT_PASSWORD": "pw"},
	} {
		if _, err := Parse("serve", nil, env(e), io.Discard); err == nil {
			t.Errorf("%s: accepted", name)
		}
	}
}

// The mail settings: SMTP off by default (e-mails stay in the outbox), a
// sender needed with a server, the password never in the start-up log.
func TestMailSettings(t *testing.T) {
	c, err := Parse("serve", nil, env(nil), io.Discard)
	if err != nil || c.SMTPURL != "" || c.MailMaxAttempts != 8 || c.SMTPTimeout != 15*time.Second {
		t.Fatalf("defaults %+v, %v", c, err)
	}
	c, err = Parse("serve", nil, env(map[string]string{
		"CITYHUB_SMTP_URL":          "smtp://hub:sm7pSecret@mail.example.org:587",
		"CITYHUB_MAIL_FROM":         "Comune di Benevento <noreply@comune.example>",
		"CITYHUB_MAIL_MAX_ATTEMPTS": "5",
		"CITYHUB_SMTP_TIMEOUT":      "10s",
	}), io.Discard)
	if err != nil || c.MailMaxAttempts != 5 || c.SMTPTimeout != 10*time.Second {
		t.Fatalf("parsed %+v, %v", c, err)
	}
	// A login is sent only over TLS: with tls=none it could never be made,
	// and the start says so, naming the setting and the ways out.
	_, err = Parse("serve", nil, env(map[string]string{"CITYHUB_SMTP_URL": "smtp://hub:sm7pSecret@127.0.0.1:1025?tls=none", "CITYHUB_MAIL_FROM": "a@example.org"}), io.Discard)
	if err == nil || !strings.Contains(err.Error(), "CITYHUB_SMTP_URL smtp://hub:xxxxx@127.0.0.1:1025?tls=none: a login is sent only over TLS") ||
		!strings.Contains(err.Error(), "smtps://") || !strings.Contains(err.Error(), "drop the login") {
		t.Errorf("a login with tls=none: %v, want it refused in words that say why", err)
	}
	for _, tls := range []string{"starttls", "opportunistic", "none"} {
		if _, err := Parse("serve", nil, env(map[string]string{"CITYHUB_SMTP_URL": "smtp://mail.example.org?tls=" + tls, "CITYHUB_MAIL_FROM": "a@example.org"}), io.Discard); err != nil {
			t.Errorf("tls=%s: %v", tls, err)
		}
	}
	if s := fmtSummary(c); strings.Contains(s, "sm7pSecret") || !strings.Contains(s, "smtp://hub:xxxxx@mail.example.org:587") {
		t.Errorf("the start-up summary shows the SMTP password: %s", s)
	}
	for name, e := range map[string]map[string]string{
		"no sender":         {"CITYHUB_SMTP_URL": "smtp://mail.example.org"},
		"bad scheme":        {"CITYHUB_SMTP_URL": "http://mail.example.org", "CITYHUB_MAIL_FROM": "a@example.org"},
		"bad attempts":      {"CITYHUB_MAIL_MAX_ATTEMPTS": "0"},
		"not a number":      {"CITYHUB_MAIL_MAX_ATTEMPTS": "many"},
		"bad timeout":       {"CITYHUB_SMTP_TIMEOUT": "-1s"},
		"secret in error":   {"CITYHUB_SMTP_URL": "ftp://u:sm7pSecret@x", "CITYHUB_MAIL_FROM": "a@example.org"},
		"unknown tls":       {"CITYHUB_SMTP_URL": "smtp://u:sm7pSecret@mail.example.org?tls=always", "CITYHUB_MAIL_FROM": "a@example.org"},
		"login without tls": {"CITYHUB_SMTP_URL": "smtp://u:sm7pSecret@127.0.0.1:1025?tls=none", "CITYHUB_MAIL_FROM": "a@example.org"},
		// A malformed sender stops the start with e-mail off too.
		"bad sender, no SMTP": {"CITYHUB_MAIL_FROM": "Comune di Benevento"},
	} {
		_, err := Parse("serve", nil, env(e), io.Discard)
		if err == nil {
			t.Errorf("%s: accepted", name)
		} else if strings.Contains(err.Error(), "sm7pSecret") {
			t.Errorf("%s: the error shows the password: %v", name, err)
		}
	}
}

func TestTimeZone(t *testing.T) {
	c, err := Parse("serve", nil, env(nil), io.Discard)
	if err != nil {
		t.Fatal(err)
	}
	if c.TimeZone == nil || c.TimeZone.String() != "Europe/Rome" {
		t.Errorf("default time zone %v, want Europe/Rome", c.TimeZone)
	}
	c, err = Parse("serve", nil, env(map[string]string{"CITYHUB_TIMEZONE": "Europe/Lisbon"}), io.Discard)
	if err != nil {
		t.Fatal(err)
	}
	if c.TimeZone.String() != "Europe/Lisbon" {
		t.Errorf("time zone %v, want Europe/Lisbon", c.TimeZone)
	}
	if !strings.Contains(fmtSummary(c), "Europe/Lisbon") {
		t.Errorf("the start-up summary does not name the time zone: %s", fmtSummary(c))
	}
	_, err = Parse("serve", nil, env(map[string]string{"CITYHUB_TIMEZONE": "Rome"}), io.Discard)
	if err == nil || !strings.Contains(err.Error(), `CITYHUB_TIMEZONE: unknown time zone "Rome"`) {
		t.Errorf("an unknown zone is not named in the error: %v", err)
	}
	var zero Config
	if err := zero.Validate(); err == nil || !strings.Contains(err.Error(), "time zone") {
		t.Errorf("a configuration without a zone passes validation: %v", err)
	}
}

func TestOIDCSettings(t *testing.T) {
	c, err := Parse("serve", nil, env(nil), io.Discard)
	if err != nil || c.OIDCIssuer != "" || c.OIDCLabel != "SPID / CIE" || c.OIDCClaimFiscalCode != "https://attributes.eid.gov.it/fiscal_number" ||
		strings.Join(c.OIDCScopes, " ") != "openid profile email" {
		t.Fatalf("defaults %+v, %v", c, err)
	}
	key := t.TempDir() + "/rp.pem"
	if err := os.WriteFile(key, []byte("-----BEGIN PRIVATE KEY-----\n-----END PRIVATE KEY-----\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	c, err = Parse("serve", nil, env(map[string]string{
		"CITYHUB_OIDC_ISSUER":            "https://spid-proxy.comune.example/oidc",
		"CITYHUB_OIDC_CLIENT_ID":         "cityhub",
		"CITYHUB_OIDC_PRIVATE_KEY_FILE":  key,
		"CITYHUB_OIDC_SCOPES":            "openid, profile",
		"CITYHUB_OIDC_LABEL":             "Entra con SPID",
		"CITYHUB_OIDC_CLAIM_FISCAL_CODE": "fiscalNumber",
		"CITYHUB_OIDC_CLAIM_EMAIL":       "mail",
	}), io.Discard)
	if err != nil || c.OIDCClientID != "cityhub" || c.OIDCPrivateKeyFile != key || strings.Join(c.OIDCScopes, " ") != "openid profile" ||
		c.OIDCLabel != "Entra con SPID" || c.OIDCClaimFiscalCode != "fiscalNumber" || c.OIDCClaimEmail != "mail" || c.OIDCClaimGivenName != "given_name" {
		t.Fatalf("parsed %+v, %v", c, err)
	}
	c, err = Parse("serve", nil, env(map[string]string{"CITYHUB_OIDC_ISSUER": "https://op.example", "CITYHUB_OIDC_CLIENT_ID": "hub",
		"CITYHUB_OIDC_CLIENT_SECRET": "0idcS3cret"}), io.Discard)
	if err != nil {
		t.Fatal(err)
	}
	if s := fmtSummary(c); strings.Contains(s, "0idcS3cret") {
		t.Errorf("the start-up summary shows the client secret: %s", s)
	}
	for name, e := range map[string]map[string]string{
		"no issuer":      {"CITYHUB_OIDC_CLIENT_ID": "hub"},
		"label alone":    {"CITYHUB_OIDC_LABEL": "Entra con SPID"},
		"scopes alone":   {"CITYHUB_OIDC_SCOPES": "openid"},
		"claim alone":    {"CITYHUB_OIDC_CLAIM_EMAIL": "mail"},
		"plain http":     {"CITYHUB_OIDC_ISSUER": "http://op.example", "CITYHUB_OIDC_CLIENT_ID": "hub", "CITYHUB_OIDC_CLIENT_SECRET": "s"},
		"no client":      {"CITYHUB_OIDC_ISSUER": "https://op.example", "CITYHUB_OIDC_CLIENT_SECRET": "s"},
		"no credential":  {"CITYHUB_OIDC_ISSUER": "https://op.example", "CITYHUB_OIDC_CLIENT_ID": "hub"},
		"both":           {"CITYHUB_OIDC_ISSUER": "https://op.example", "CITYHUB_OIDC_CLIENT_ID": "hub", "CITYHUB_OIDC_CLIENT_SECRET": "s", "CITYHUB_OIDC_PRIVATE_KEY_FILE": key},
		"missing key":    {"CITYHUB_OIDC_ISSUER": "https://op.example", "CITYHUB_OIDC_CLIENT_ID": "hub", "CITYHUB_OIDC_PRIVATE_KEY_FILE": key + ".gone"},
		"without openid": {"CITYHUB_OIDC_ISSUER": "https://op.example", "CITYHUB_OIDC_CLIENT_ID": "hub", "CITYHUB_OIDC_CLIENT_SECRET": "s", "CITYHUB_OIDC_SCOPES": "profile"},
	} {
		if _, err := Parse("serve", nil, env(e), io.Discard); err == nil {
			t.Errorf("%s: accepted", name)
		}
	}
	// A provider on this machine may speak plain http (a test provider).
	if _, err := Parse("serve", nil, env(map[string]string{"CITYHUB_OIDC_ISSUER": "http://127.0.0.1:9998", "CITYHUB_OIDC_CLIENT_ID": "hub",
		"CITYHUB_OIDC_CLIENT_SECRET": "s"}), io.Discard); err != nil {
		t.Errorf("local http issuer: %v", err)
	}
}

// Each command takes the flags it reads: migrate's help lists the database
// and the log, and a flag a command would ignore is refused as unknown.
func TestCommandsTakeTheirOwnFlags(t *testing.T) {
	for _, tc := range []struct {
		cmd  string
		args []string
		ok   bool
	}{
		{"migrate", []string{"-data-dir", t.TempDir(), "-log-level", "warn"}, true},
		{"migrate", []string{"-simulate-stations"}, false},
		{"migrate", []string{"-http-addr", "127.0.0.1:9"}, false},
		{"migrate", []string{"-test-payments"}, false},
		{"backup", []string{"-mqtt-url", "tcp://broker:1883"}, false},
		{"serve", []string{"-simulate-stations"}, false},
		{"check", []string{"-simulate-stations"}, false},
		{"serve", []string{"-http-addr", "127.0.0.1:9"}, true},
		{"demo", []string{"-simulate-stations", "-mqtt-url", "tcp://broker:1883"}, true},
	} {
		_, err := Parse(tc.cmd, tc.args, env(nil), io.Discard)
		if (err == nil) != tc.ok {
			t.Errorf("%s %v: %v, want ok %v", tc.cmd, tc.args, err, tc.ok)
		}
	}
	var help bytes.Buffer
	_, _ = Parse("migrate", []string{"-h"}, env(nil), &help)
	if !strings.Contains(help.String(), "-database-url") || strings.Contains(help.String(), "-http-addr") || strings.Contains(help.String(), "-simulate-stations") {
		t.Errorf("migrate -h:\n%s", help.String())
	}
}

// The start line lists the effective lifetimes and timeouts beside the
// access token's: the refresh token's, the SMTP timeout and the shutdown
// timeout were missing; the metrics token shows only whether it is set.
func TestSummaryListsTheTimeouts(t *testing.T) {
	c, err := Parse("serve", nil, env(map[string]string{"CITYHUB_REFRESH_TOKEN_TTL": "48h", "CITYHUB_SMTP_TIMEOUT": "7s",
		"CITYHUB_SHUTDOWN_TIMEOUT": "25s", "CITYHUB_METRICS_TOKEN": "m3tricsSecret"}), io.Discard)
	if err != nil {
		t.Fatal(err)
	}
	s := fmtSummary(c)
	for _, want := range []string{"refresh_token_ttl 48h0m0s", "smtp_timeout 7s", "shutdown_timeout 25s", "metrics_token (set)"} {
		if !strings.Contains(s, want) {
			t.Errorf("the summary lacks %q: %s", want, s)
		}
	}
	if strings.Contains(s, "m3tricsSecret") {
		t.Errorf("the summary shows the metrics token: %s", s)
	}
}
