package main

import (
	"context"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"cityhub/mail/mailtest"
	"cityhub/oidclogin/oidctest"
	"cityhub/store/postgres"
	"cityhub/store/storetest"
)

func testBroker() string {
	if u := os.Getenv("CITYHUB_TEST_MQTT_URL"); u != "" {
		return u
	}
	return "tcp://127.0.0.1:1883"
}

func testStripe() string {
	if u := os.Getenv("CITYHUB_TEST_STRIPE_URL"); u != "" {
		return u
	}
	return "http://127.0.0.1:12111"
}

// TestCheck runs cityhub check against the real PostgreSQL, Mosquitto,
// Mailpit and stripe-mock: a good configuration passes every line, and each bad setting
// fails its own line, and only it, with a non-zero exit.
func TestCheck(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	migrated := storetest.PostgresURL(t)
	db, err := postgres.Open(ctx, migrated, storetest.Logger(t))
	if err != nil {
		t.Fatal(err)
	}
	db.Close()
	newer := storetest.PostgresURL(t)
	db, err = postgres.Open(ctx, newer, storetest.Logger(t))
	if err != nil {
		t.Fatal(err)
	}
	if _, err := db.Pool().Exec(ctx, `INSERT INTO schema_migrations (version, name) VALUES (99999, '99999_from_the_future.sql')`); err != nil {
		t.Fatal(err)
	}
	db.Close()

	notAKey := filepath.Join(t.TempDir(), "oidc.pem")
	if err := os.WriteFile(notAKey, []byte("not a PEM key"), 0o600); err != nil {
		t.Fatal(err)
	}
	provider := oidctest.Start(t, nil, oidctest.Client{ID: "cityhub", Secret: "oidc-s3cret", Redirect: "https://hub.comune.benevento.it/login/oidc/callback"})
	good := map[string]string{
		"CITYHUB_DATABASE_URL":          migrated,
		"CITYHUB_MQTT_URL":              testBroker(),
		"CITYHUB_STRIPE_SECRET_KEY":     "sk_test_123",
		"CITYHUB_STRIPE_WEBHOOK_SECRET": "whsec_test",
		"CITYHUB_STRIPE_API_URL":        testStripe(),
		"CITYHUB_PUBLIC_URL":            "https://hub.comune.benevento.it",
		"CITYHUB_HTTP_ADDR":             "0.0.0.0:8080",
		"CITYHUB_SMTP_URL":              mailtest.SMTPURL(),
		"CITYHUB_MAIL_FROM":             mailtest.From,
		"CITYHUB_OIDC_ISSUER":           provider.Issuer,
		"CITYHUB_OIDC_CLIENT_ID":        "cityhub",
		"CITYHUB_OIDC_CLIENT_SECRET":    "oidc-s3cret",
	}
	cases := []struct {
		name   string
		change map[string]string
		fail   string // the line that fails, "" for none
		says   string // what that line says
	}{
		{"good", nil, "", ""},
		{"embedded defaults", map[string]string{"CITYHUB_DATABASE_URL": "", "CITYHUB_MQTT_URL": "", "CITYHUB_STRIPE_SECRET_KEY": "",
			"CITYHUB_PUBLIC_URL": "", "CITYHUB_HTTP_ADDR": "127.0.0.1:8080", "CITYHUB_DATA_DIR": t.TempDir()}, "", ""},
		{"database unreachable", map[string]string{"CITYHUB_DATABASE_URL": "postgres://postgres@127.0.0.1:1/test?sslmode=disable&connect_timeout=3"}, "database", "connect"},
		{"database of a newer release", map[string]string{"CITYHUB_DATABASE_URL": newer}, "database", "newer cityhub"},
		{"broker unreachable", map[string]string{"CITYHUB_MQTT_URL": "tcp://127.0.0.1:1"}, "broker", "connect"},
		{"smtp unreachable", map[string]string{"CITYHUB_SMTP_URL": "smtp://hub:s3cretpw@127.0.0.1:1?tls=none"}, "smtp", "127.0.0.1:1"},
		{"smtp without the STARTTLS it requires", map[string]string{"CITYHUB_SMTP_URL": strings.Replace(strings.Replace(mailtest.SMTPURL(), "?tls=none", "", 1), "tls=none&", "?", 1)}, "smtp", "STARTTLS"},
		{"smtp login without TLS", map[string]string{"CITYHUB_SMTP_URL": strings.Replace(mailtest.SMTPURL(), "smtp://", "smtp://hub:s3cretpw@", 1)}, "smtp", "authentication"},
		{"smtp off", map[string]string{"CITYHUB_SMTP_URL": ""}, "", ""},
		{"stripe key refused", map[string]string{"CITYHUB_STRIPE_SECRET_KEY": "not-a-key"}, "stripe", "refused (401)"},
		{"stripe without webhook secret", map[string]string{"CITYHUB_STRIPE_WEBHOOK_SECRET": ""}, "stripe", "WEBHOOK_SECRET is not"},
		{"stripe unreachable", map[string]string{"CITYHUB_STRIPE_API_URL": "http://127.0.0.1:1"}, "stripe", "connect"},
		{"oidc unreachable", map[string]string{"CITYHUB_OIDC_ISSUER": "http://127.0.0.1:1"}, "oidc", "discovery"},
		{"oidc issuer that is not the provider's", map[string]string{"CITYHUB_OIDC_ISSUER": provider.Issuer + "/other"}, "oidc", "discovery"},
		{"oidc private key file missing", map[string]string{"CITYHUB_OIDC_CLIENT_SECRET": "", "CITYHUB_OIDC_PRIVATE_KEY_FILE": notAKey}, "oidc", "private key"},
		{"oidc off", map[string]string{"CITYHUB_OIDC_ISSUER": "", "CITYHUB_OIDC_CLIENT_ID": "", "CITYHUB_OIDC_CLIENT_SECRET": ""}, "", ""},
		{"public url plain http", map[string]string{"CITYHUB_PUBLIC_URL": "http://hub.comune.benevento.it"}, "public url", "use https"},
		{"public url unset off loopback", map[string]string{"CITYHUB_PUBLIC_URL": ""}, "public url", "set CITYHUB_PUBLIC_URL"},
		{"public url from the TLS domains", map[string]string{"CITYHUB_PUBLIC_URL": "", "CITYHUB_TLS_DOMAINS": "hub.comune.benevento.it"}, "", ""},
		{"public url on loopback may be http", map[string]string{"CITYHUB_PUBLIC_URL": "http://localhost:8080"}, "", ""},
	}
	line := regexp.MustCompile(`(?m)^(ok  |FAIL)  (database|broker|smtp|stripe|oidc|public url)\s+(.*)$`)
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			env := map[string]string{}
			for k, v := range good {
				env[k] = v
			}
			for k, v := range tc.change {
				env[k] = v
			}
			var out, errOut syncBuffer
			err := run(ctx, []string{"check"}, func(k string) string { return env[k] }, &out, &errOut)
			lines := line.FindAllStringSubmatch(out.String(), -1)
			if len(lines) != 6 {
				t.Fatalf("want 6 lines, got:\n%s", out.String())
			}
			for _, l := range lines {
				failed := l[1] == "FAIL"
				if failed != (l[2] == tc.fail) {
					t.Errorf("line %q: failed=%v, want the failing line to be %q\n%s", l[2], failed, tc.fail, out.String())
				}
				if l[2] == tc.fail && !strings.Contains(l[3], tc.says) {
					t.Errorf("line %q says %q, want it to mention %q", l[2], l[3], tc.says)
				}
			}
			if (err != nil) != (tc.fail != "") {
				t.Errorf("exit error %v, want failure=%v", err, tc.fail != "")
			}
			for _, secret := range []string{"sk_test_123", "not-a-key", "whsec_test", "s3cretpw", "oidc-s3cret"} {
				if strings.Contains(out.String()+errOut.String(), secret) {
					t.Errorf("the output shows the secret %q", secret)
				}
			}
		})
	}
}
