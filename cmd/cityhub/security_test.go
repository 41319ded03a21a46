package main

import (
	"bytes"
	"context"
	"crypto/rand"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"

	"cityhub/ids"
	"cityhub/store/storetest"
)

// Every secret given to the hub stays out of what it prints at start and
// while serving: database passwords in the URL's user information and in
// its query, the MQTT password, Stripe's keys and the key-encryption key.
// (The start log used to print a database URL's ?password= in clear.)
func TestStartLogShowsNoSecret(t *testing.T) {
	t.Parallel()
	db, err := url.Parse(storetest.PostgresURL(t))
	if err != nil {
		t.Fatal(err)
	}
	// The test database trusts local connections, so the passwords are
	// carried and ignored.
	db.User = url.UserPassword(db.User.Username(), "pgUserinfoSecret1")
	q := db.Query()
	q.Set("password", "pgQuerySecret2")
	db.RawQuery = q.Encode()
	broker, err := url.Parse(envOr("CITYHUB_TEST_MQTT_URL", "tcp://127.0.0.1:1883"))
	if err != nil {
		t.Fatal(err)
	}
	broker.User = url.UserPassword("hub", "mqttUrlSecret3")
	kek := make([]byte, 32)
	rand.Read(kek)
	suffix := ids.Token(8)[:10]
	secrets := map[string]string{
		"CITYHUB_MQTT_PASSWORD":         "mqttEnvSecret4",
		"CITYHUB_STRIPE_SECRET_KEY":     "sk_test_stripeSecret5",
		"CITYHUB_STRIPE_WEBHOOK_SECRET": "whsec_stripeSecret6",
		"CITYHUB_KEY_ENCRYPTION_KEY":    base64.StdEncoding.EncodeToString(kek),
		"CITYHUB_OIDC_CLIENT_SECRET":    "oidcClientSecret7",
	}
	// The SMTP password travels in the URL's userinfo.
	smtp, err := url.Parse(envOr("CITYHUB_TEST_SMTP_URL", "smtp://127.0.0.1:1025?tls=none"))
	if err != nil {
		t.Fatal(err)
	}
	smtp.User = url.UserPassword("hub", "smtpUrlSecret8")
	// A login is refused with tls=none (it is sent only over TLS); with
	// opportunistic TLS the hub starts, and the server, offering none,
	// refuses the login without the password ever being sent.
	q = smtp.Query()
	q.Set("tls", "opportunistic")
	smtp.RawQuery = q.Encode()
	env := map[string]string{
		"CITYHUB_HTTP_ADDR":              "127.0.0.1:0",
		"CITYHUB_DATA_DIR":               t.TempDir(),
		"CITYHUB_DATABASE_URL":           db.String(),
		"CITYHUB_MQTT_URL":               broker.String(),
		"CITYHUB_MQTT_USERNAME":          "hub",
		"CITYHUB_MQTT_TOPIC_ROOT":        "cityhub-test-" + suffix + "/v1",
		"CITYHUB_MQTT_SHARE_GROUP":       "cityhub-" + suffix,
		"CITYHUB_STRIPE_API_URL":         envOr("CITYHUB_TEST_STRIPE_URL", "http://127.0.0.1:12111"),
		"CITYHUB_STRIPE_PUBLISHABLE_KEY": "pk_test_security",
		"CITYHUB_LOG_LEVEL":              "debug",
		"CITYHUB_SMTP_URL":               smtp.String(),
		"CITYHUB_MAIL_FROM":              "comune@example.org",
		// A provider that refuses connections: the login below fails to
		// reach it, and that failure is logged too.
		"CITYHUB_OIDC_ISSUER":    "https://127.0.0.1:9/oidc",
		"CITYHUB_OIDC_CLIENT_ID": "cityhub",
	}
	for k, v := range secrets {
		env[k] = v
	}
	base, stdout, stderr := startHubWithLogs(t, []string{"demo"}, env)
	// A few requests, so that request logging is seen too.
	for _, path := range []string{"/readyz", "/api/v1/performances", "/nope", "/login/oidc"} {
		if resp, err := http.Get(base + path); err == nil {
			resp.Body.Close()
		}
	}
	out := stdout.String() + stderr.String()
	if !strings.Contains(out, "starting cityhub") || !strings.Contains(out, "database=") {
		t.Fatalf("no start log captured:\n%s", out)
	}
	// Mail and the SPID/CIE login were configured, and said so without
	// their secrets.
	for _, want := range []string{`smtp="smtp://hub:xxxxx@`, "oidc_client_secret=(set)"} {
		if !strings.Contains(out, want) {
			t.Errorf("the start log lacks %s:\n%s", want, out)
		}
	}
	for _, secret := range append(mapValues(secrets), "pgUserinfoSecret1", "pgQuerySecret2", "mqttUrlSecret3", "stripeSecret", "smtpUrlSecret8") {
		if strings.Contains(out, secret) {
			t.Errorf("the hub printed the secret %q:\n%s", secret, out)
		}
	}
}

func envOr(key, def string) string {
	if v := os.Getenv(key); v != "" {
		return v
	}
	return def
}

func mapValues(m map[string]string) []string {
	out := make([]string, 0, len(m))
	for _, v := range m {
		out = append(out, v)
	}
	return out
}

// A throttled login is a 429 problem with Retry-After, and the operator's
// cityhub clear-login-limits lets the person in at once.
func TestLoginThrottledAndCleared(t *testing.T) {
	t.Parallel()
	env := map[string]string{
		"CITYHUB_DATA_DIR": t.TempDir(), "CITYHUB_HTTP_ADDR": "127.0.0.1:0", "CITYHUB_MQTT_BROKER_ADDR": "127.0.0.1:0",
		"CITYHUB_ADMIN_PASSWORD": "a long admin password", "CITYHUB_LOGIN_LIMIT_ACCOUNT_IP": "2",
	}
	getenv := testGetenv(env)
	if err := run(context.Background(), []string{"create-admin", "-email", "sindaco@comune.example"}, getenv, io.Discard, io.Discard); err != nil {
		t.Fatalf("create-admin: %v", err)
	}
	base, _ := startHub(t, []string{"serve"}, env)
	login := func(pw string) *http.Response {
		t.Helper()
		body := fmt.Sprintf(`{"email":"sindaco@comune.example","password":%q}`, pw)
		resp, err := http.Post(base+"/api/v1/auth/login", "application/json", strings.NewReader(body))
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { resp.Body.Close() })
		return resp
	}
	for range 2 {
		if resp := login("wrong password!"); resp.StatusCode != http.StatusUnauthorized {
			t.Fatalf("wrong password = %d, want 401", resp.StatusCode)
		}
	}
	resp := login("a long admin password")
	var p struct {
		Status int    `json:"status"`
		Code   string `json:"code"`
		Reason string `json:"reason"`
	}
	json.NewDecoder(resp.Body).Decode(&p)
	retry, err := strconv.Atoi(resp.Header.Get("Retry-After"))
	if resp.StatusCode != http.StatusTooManyRequests || resp.Header.Get("Content-Type") != "application/problem+json" ||
		p.Code != "rate_limited" || p.Reason != "too_many_attempts" || err != nil || retry < 1 || retry > 15*60 {
		t.Fatalf("throttled login = %d %s Retry-After %q %+v; want a 429 problem with Retry-After within 15 minutes",
			resp.StatusCode, resp.Header.Get("Content-Type"), resp.Header.Get("Retry-After"), p)
	}

	var out bytes.Buffer
	if err := run(context.Background(), []string{"clear-login-limits", "-email", "Sindaco@comune.example"}, getenv, &out, io.Discard); err != nil {
		t.Fatalf("clear-login-limits: %v", err)
	}
	if !regexp.MustCompile(`emptied 2 limit counters \(failed logins`).MatchString(out.String()) {
		t.Errorf("clear-login-limits printed %q", out.String())
	}
	if resp := login("a long admin password"); resp.StatusCode != http.StatusOK {
		t.Fatalf("login after clearing = %d, want 200", resp.StatusCode)
	}
	// Again, once they are empty: nothing is left to forget, and it says so.
	out.Reset()
	if err := run(context.Background(), []string{"clear-login-limits", "-email", "nessuno@comune.example"}, getenv, &out, io.Discard); err != nil ||
		!strings.Contains(out.String(), "nothing to forget") {
		t.Errorf("clear-login-limits of an address never tried: %q, %v", out.String(), err)
	}
	if err := run(context.Background(), []string{"clear-login-limits"}, getenv, io.Discard, io.Discard); err == nil {
		t.Error("clear-login-limits without -email or -ip accepted")
	}
	// Without the hub's data directory: refused, and no database is made
	// where the command stands.
	elsewhere := filepath.Join(t.TempDir(), "data")
	out.Reset()
	err = run(context.Background(), []string{"clear-login-limits", "-email", "sindaco@comune.example"}, testGetenv(map[string]string{"CITYHUB_DATA_DIR": elsewhere}), &out, io.Discard)
	if err == nil || !strings.Contains(err.Error(), "no hub database") || out.Len() != 0 {
		t.Errorf("clear-login-limits without the hub's database: %v, printed %q", err, out.String())
	}
	if _, err := os.Stat(elsewhere); !os.IsNotExist(err) {
		t.Errorf("clear-login-limits made a data directory where there was none: %v", err)
	}
}

// Signing keys sealed with a key-encryption key need it at every start, and
// a data directory other users can read is refused with the chmod to run.
func TestStartRefusedWithoutKeyEncryptionKeyOrOnOpenDirectory(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	kek := make([]byte, 32)
	rand.Read(kek)
	env := map[string]string{
		"CITYHUB_DATA_DIR": dir, "CITYHUB_HTTP_ADDR": "127.0.0.1:0", "CITYHUB_MQTT_BROKER_ADDR": "127.0.0.1:0",
		"CITYHUB_KEY_ENCRYPTION_KEY": base64.StdEncoding.EncodeToString(kek),
	}
	getenv := testGetenv(env)
	if err := run(context.Background(), []string{"create-admin", "-email", "a@comune.example"}, getenv, io.Discard, io.Discard); err != nil {
		t.Fatalf("create-admin with a key-encryption key: %v", err)
	}
	delete(env, "CITYHUB_KEY_ENCRYPTION_KEY")
	err := run(context.Background(), []string{"serve"}, getenv, io.Discard, io.Discard)
	if err == nil || !strings.Contains(err.Error(), "CITYHUB_KEY_ENCRYPTION_KEY is not set") {
		t.Fatalf("serve without the key-encryption key: %v", err)
	}
	if err := os.Chmod(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	err = run(context.Background(), []string{"serve"}, getenv, io.Discard, io.Discard)
	if err == nil || !strings.Contains(err.Error(), "chmod 700 "+dir) {
		t.Fatalf("serve on a directory others can read: %v", err)
	}
}
