package main

import (
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	paho "github.com/eclipse/paho.mqtt.golang"

	"cityhub/ids"
	"cityhub/internal/testutil"
	"cityhub/mail/mailtest"
	"cityhub/mqtt/mqtttest"
	"cityhub/oidclogin/oidctest"
	"cityhub/store/postgres"
	"cityhub/store/storetest"
	"cityhub/tlsserve/tlstest"
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

	// Certificate files: a good pair, and one whose key every user may read.
	const host = "hub.comune.benevento.it"
	goodCert, goodKey, _ := tlstest.WriteCertificate(t, t.TempDir(), host, 0o600)
	openCert, openKey, _ := tlstest.WriteCertificate(t, t.TempDir(), host, 0o644)
	_, otherKey, _ := tlstest.WriteCertificate(t, t.TempDir(), host, 0o600)
	brokenCatalogue := filepath.Join(t.TempDir(), "categories.json")
	if err := os.WriteFile(brokenCatalogue, []byte(`{"categories": [`), 0o600); err != nil {
		t.Fatal(err)
	}
	// An ACME directory open to others while it holds a key.
	openData := t.TempDir()
	if err := os.MkdirAll(filepath.Join(openData, "acme"), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(openData, "acme", "acme_account+key"), []byte("key"), 0o600); err != nil {
		t.Fatal(err)
	}
	if err := os.Chmod(filepath.Join(openData, "acme"), 0o755); err != nil {
		t.Fatal(err)
	}

	notAKey := filepath.Join(t.TempDir(), "oidc.pem")
	if err := os.WriteFile(notAKey, []byte("not a PEM key"), 0o600); err != nil {
		t.Fatal(err)
	}
	provider := oidctest.Start(t, nil, oidctest.Client{ID: "cityhub", Secret: "oidc-s3cret", Redirect: "https://hub.comune.benevento.it/login/oidc/callback"})
	good := map[string]string{
		"CITYHUB_DATABASE_URL":           migrated,
		"CITYHUB_MQTT_URL":               testBroker(),
		"CITYHUB_STRIPE_SECRET_KEY":      "sk_test_123",
		"CITYHUB_STRIPE_WEBHOOK_SECRET":  "whsec_test",
		"CITYHUB_STRIPE_API_URL":         testStripe(),
		"CITYHUB_STRIPE_PUBLISHABLE_KEY": "pk_test_123",
		"CITYHUB_PUBLIC_URL":             "https://hub.comune.benevento.it",
		"CITYHUB_HTTP_ADDR":              "0.0.0.0:8080",
		"CITYHUB_SMTP_URL":               mailtest.SMTPURL(),
		"CITYHUB_MAIL_FROM":              mailtest.From,
		"CITYHUB_OIDC_ISSUER":            provider.Issuer,
		"CITYHUB_OIDC_CLIENT_ID":         "cityhub",
		"CITYHUB_OIDC_CLIENT_SECRET":     "oidc-s3cret",
	}
	// The authenticated Mosquitto (:1884, dynamic security): the hub's own
	// account, and two the test makes there, one that may subscribe but is
	// not the plugin's admin, one that is its admin without the hub's role.
	authURL, hubUser, hubPass := mqtttest.AuthURL(t)
	plainUser, adminUser, bareUser, accountPass := testDynsecAccounts(t, authURL, hubUser, hubPass)
	authBroker := func(user, pass, brokerAuth, root string) map[string]string {
		return map[string]string{"CITYHUB_MQTT_URL": authURL, "CITYHUB_MQTT_USERNAME": user, "CITYHUB_MQTT_PASSWORD": pass,
			"CITYHUB_MQTT_BROKER_AUTH": brokerAuth, "CITYHUB_MQTT_TOPIC_ROOT": root}
	}
	newRoot := "check-" + strings.ToLower(ids.Token(8)) + "/v1" // covered by none of the hub role's rules
	cases := []struct {
		name   string
		change map[string]string
		fail   string // the line that fails, "" for none
		says   string // what that line says (the broker line's, when none fails)
	}{
		{"good", nil, "", ""},
		{"embedded defaults", map[string]string{"CITYHUB_DATABASE_URL": "", "CITYHUB_MQTT_URL": "", "CITYHUB_STRIPE_SECRET_KEY": "", "CITYHUB_STRIPE_WEBHOOK_SECRET": "",
			"CITYHUB_STRIPE_PUBLISHABLE_KEY": "", "CITYHUB_STRIPE_API_URL": "", "CITYHUB_PUBLIC_URL": "", "CITYHUB_HTTP_ADDR": "127.0.0.1:8080", "CITYHUB_DATA_DIR": t.TempDir()}, "", ""},
		{"database unreachable", map[string]string{"CITYHUB_DATABASE_URL": "postgres://postgres@127.0.0.1:1/test?sslmode=disable&connect_timeout=3"}, "database", "connect"},
		{"database of a newer release", map[string]string{"CITYHUB_DATABASE_URL": newer}, "database", "newer cityhub"},
		{"broker unreachable", map[string]string{"CITYHUB_MQTT_URL": "tcp://127.0.0.1:1"}, "broker", "connect"},
		{"authenticated broker, the hub's account", authBroker(hubUser, hubPass, "none", ""), "", "as " + hubUser + ": connected"},
		{"authenticated broker, wrong password", authBroker(hubUser, "wrong-"+hubPass, "none", ""), "broker", "connect: not Authorized"},
		{"authenticated broker, an account that may subscribe", authBroker(plainUser, accountPass, "none", ""), "", "as " + plainUser + ": connected"},
		{"authenticated broker, an account the ACL refuses the hub's topics", authBroker(bareUser, accountPass, "none", ""), "broker", "refuses the hub's topic"},
		{"dynsec, the hub's account", authBroker(hubUser, hubPass, "dynsec", ""), "", "administers the plugin and may publish the stations' commands"},
		{"dynsec, the hub's account on a new root", authBroker(hubUser, hubPass, "dynsec", newRoot), "", "the next start adds that rule"},
		{"dynsec, not the plugin's admin", authBroker(plainUser, accountPass, "dynsec", ""), "broker", "cannot administer the broker's dynamic-security plugin"},
		{"dynsec, the admin without the hub's role", authBroker(adminUser, accountPass, "dynsec", newRoot), "broker", `give it the role "cityhub-hub"`},
		{"dynsec, wrong password", authBroker(hubUser, "wrong-"+hubPass, "dynsec", ""), "broker", "connect: not Authorized"},
		{"smtp unreachable", map[string]string{"CITYHUB_SMTP_URL": "smtp://hub:s3cretpw@127.0.0.1:1?tls=opportunistic"}, "smtp", "127.0.0.1:1"},
		{"smtp without the STARTTLS it requires", map[string]string{"CITYHUB_SMTP_URL": strings.Replace(strings.Replace(mailtest.SMTPURL(), "?tls=none", "", 1), "tls=none&", "?", 1)}, "smtp", "STARTTLS"},
		{"smtp login, no TLS offered", map[string]string{"CITYHUB_SMTP_URL": strings.Replace(strings.Replace(mailtest.SMTPURL(), "smtp://", "smtp://hub:s3cretpw@", 1), "tls=none", "tls=opportunistic", 1)},
			"smtp", "the server offered no TLS (no STARTTLS), and the hub does not send a password without it"},
		{"smtp off", map[string]string{"CITYHUB_SMTP_URL": ""}, "", ""},
		{"stripe key refused", map[string]string{"CITYHUB_STRIPE_SECRET_KEY": "sk_live_refused"}, "stripe", "refused (401)"},
		{"stripe unreachable", map[string]string{"CITYHUB_STRIPE_API_URL": "http://127.0.0.1:1"}, "stripe", "connect"},
		{"oidc unreachable", map[string]string{"CITYHUB_OIDC_ISSUER": "http://127.0.0.1:1"}, "oidc", "discovery"},
		{"oidc issuer that is not the provider's", map[string]string{"CITYHUB_OIDC_ISSUER": provider.Issuer + "/other"}, "oidc", "discovery"},
		{"oidc private key file missing", map[string]string{"CITYHUB_OIDC_CLIENT_SECRET": "", "CITYHUB_OIDC_PRIVATE_KEY_FILE": notAKey}, "oidc", "private key"},
		{"oidc off", map[string]string{"CITYHUB_OIDC_ISSUER": "", "CITYHUB_OIDC_CLIENT_ID": "", "CITYHUB_OIDC_CLIENT_SECRET": ""}, "", ""},
		{"public url plain http", map[string]string{"CITYHUB_PUBLIC_URL": "http://hub.comune.benevento.it"}, "public url", "use https"},
		{"public url unset off loopback", map[string]string{"CITYHUB_PUBLIC_URL": ""}, "public url", "set CITYHUB_PUBLIC_URL"},
		{"public url from the TLS domains", map[string]string{"CITYHUB_PUBLIC_URL": "", "CITYHUB_TLS_DOMAINS": "hub.comune.benevento.it"}, "", ""},
		{"public url on loopback may be http", map[string]string{"CITYHUB_PUBLIC_URL": "http://localhost:8080"}, "", ""},
		{"tls from files", map[string]string{"CITYHUB_PUBLIC_URL": "https://" + host, "CITYHUB_TLS_CERT_FILE": goodCert, "CITYHUB_TLS_KEY_FILE": goodKey}, "", ""},
		{"tls key every user may read", map[string]string{"CITYHUB_PUBLIC_URL": "https://" + host, "CITYHUB_TLS_CERT_FILE": openCert, "CITYHUB_TLS_KEY_FILE": openKey}, "tls", "chmod 600"},
		{"tls key of another certificate", map[string]string{"CITYHUB_PUBLIC_URL": "https://" + host, "CITYHUB_TLS_CERT_FILE": goodCert, "CITYHUB_TLS_KEY_FILE": otherKey}, "tls", "private key does not match"},
		{"tls acme directory open to others", map[string]string{"CITYHUB_PUBLIC_URL": "", "CITYHUB_TLS_DOMAINS": host, "CITYHUB_DATA_DIR": openData}, "tls", "chmod 700"},
		{"report categories broken", map[string]string{"CITYHUB_PARTICIPATION_CATALOGUE": brokenCatalogue}, "reports", "CITYHUB_PARTICIPATION_CATALOGUE"},
		{"instance id refused", map[string]string{"CITYHUB_INSTANCE_ID": "Hub One"}, "instance", "lower-case"},
		{"test payments", map[string]string{"CITYHUB_TEST_PAYMENTS": "1"}, "payments", "never on a city's hub"},
	}
	line := regexp.MustCompile(`(?m)^(ok  |FAIL|WARN)  (database|broker|smtp|stripe|oidc|public url|tls|instance|reports|payments)\s+(.*)$`)
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			env := map[string]string{}
			for k, v := range good {
				env[k] = v
			}
			for k, v := range tc.change {
				env[k] = v
			}
			var out, errOut testutil.Buffer
			err := run(ctx, []string{"check"}, testGetenv(env), &out, &errOut)
			lines := line.FindAllStringSubmatch(out.String(), -1)
			if len(lines) != 10 {
				t.Fatalf("want 10 lines, got:\n%s", out.String())
			}
			for _, l := range lines {
				failed := l[1] == "FAIL"
				if failed != (l[2] == tc.fail) {
					t.Errorf("line %q: failed=%v, want the failing line to be %q\n%s", l[2], failed, tc.fail, out.String())
				}
				if (l[2] == tc.fail || tc.fail == "" && l[2] == "broker") && !strings.Contains(l[3], tc.says) {
					t.Errorf("line %q says %q, want it to mention %q", l[2], l[3], tc.says)
				}
			}
			if (err != nil) != (tc.fail != "") {
				t.Errorf("exit error %v, want failure=%v\n%s", err, tc.fail != "", out.String())
			}
			for _, secret := range []string{"sk_test_123", "sk_live_refused", "whsec_test", "s3cretpw", "oidc-s3cret", hubPass, accountPass} {
				if strings.Contains(out.String()+errOut.String(), secret) {
					t.Errorf("the output shows the secret %q", secret)
				}
			}
		})
	}
}

// The Stripe settings given without the secret key, or the secret key
// without the webhook secret, stop check on its config line, as they stop
// serve: card payments are off without the key, and the others would do
// nothing; without the webhook secret, no card payment would be credited.
func TestCheckStripeSettingsWithoutTheirPair(t *testing.T) {
	for _, tc := range []struct {
		env  map[string]string
		says string
	}{
		{map[string]string{"CITYHUB_STRIPE_WEBHOOK_SECRET": "whsec_test", "CITYHUB_STRIPE_PUBLISHABLE_KEY": "pk_test_123"},
			"CITYHUB_STRIPE_PUBLISHABLE_KEY, CITYHUB_STRIPE_WEBHOOK_SECRET: only with CITYHUB_STRIPE_SECRET_KEY"},
		{map[string]string{"CITYHUB_STRIPE_SECRET_KEY": "sk_test_123", "CITYHUB_STRIPE_PUBLISHABLE_KEY": "pk_test_123"},
			"CITYHUB_STRIPE_WEBHOOK_SECRET: needed with CITYHUB_STRIPE_SECRET_KEY"},
	} {
		var out testutil.Buffer
		env := map[string]string{"CITYHUB_DATA_DIR": t.TempDir()}
		for k, v := range tc.env {
			env[k] = v
		}
		err := run(t.Context(), []string{"check"}, testGetenv(env), &out, &testutil.Buffer{})
		if err == nil || !strings.Contains(out.String(), "FAIL  config") || !strings.Contains(out.String(), tc.says) {
			t.Fatalf("%v: check = %v\n%s", tc.env, err, out.String())
		}
		for _, secret := range []string{"whsec_test", "sk_test_123"} {
			if strings.Contains(out.String(), secret) {
				t.Errorf("the output shows %q:\n%s", secret, out.String())
			}
		}
	}
}

// testDynsecAccounts makes three accounts on the authenticated Mosquitto
// for the test's life, with the hub's admin account: one whose role lets it
// subscribe anywhere and nothing else (it is not the plugin's admin), one
// holding the plugin's admin role but not the hub's role, and one with no
// role, which the broker's default ACL lets connect and subscribe nowhere.
// All have password pass.
func testDynsecAccounts(t *testing.T, brokerURL, adminUser, adminPass string) (plain, admin, bare, pass string) {
	t.Helper()
	suffix := strings.ToLower(ids.Token(8))
	plain, admin, bare, pass = "check-plain-"+suffix, "check-admin-"+suffix, "check-bare-"+suffix, "check-"+ids.Token(16)
	role := "check-subscriber-" + suffix
	dynsecCommands(t, brokerURL, adminUser, adminPass,
		map[string]any{"command": "createRole", "rolename": role},
		map[string]any{"command": "addRoleACL", "rolename": role, "acltype": "subscribePattern", "topic": "#", "allow": true},
		map[string]any{"command": "createClient", "username": plain, "password": pass, "roles": []map[string]any{{"rolename": role}}},
		map[string]any{"command": "createClient", "username": admin, "password": pass, "roles": []map[string]any{{"rolename": "admin"}}},
		map[string]any{"command": "createClient", "username": bare, "password": pass},
	)
	t.Cleanup(func() {
		dynsecCommands(t, brokerURL, adminUser, adminPass,
			map[string]any{"command": "deleteClient", "username": plain},
			map[string]any{"command": "deleteClient", "username": admin},
			map[string]any{"command": "deleteClient", "username": bare},
			map[string]any{"command": "deleteRole", "rolename": role},
		)
	})
	return plain, admin, bare, pass
}

// dynsecCommands sends commands to Mosquitto's dynamic-security plugin as
// its admin and fails the test unless every one succeeds.
func dynsecCommands(t *testing.T, brokerURL, user, pass string, cmds ...map[string]any) {
	t.Helper()
	const control = "$CONTROL/dynamic-security/v1"
	answers := make(chan []byte, 1)
	cli := paho.NewClient(paho.NewClientOptions().AddBroker(brokerURL).SetClientID("check-test-" + ids.Token(8)).
		SetUsername(user).SetPassword(pass).SetCleanSession(true).SetAutoReconnect(false))
	if tok := cli.Connect(); !tok.WaitTimeout(10*time.Second) || tok.Error() != nil {
		t.Fatalf("connect to %s as %s: %v", brokerURL, user, tok.Error())
	}
	defer cli.Disconnect(100)
	if tok := cli.Subscribe(control+"/response", 1, func(_ paho.Client, m paho.Message) { answers <- m.Payload() }); !tok.WaitTimeout(10*time.Second) || tok.Error() != nil {
		t.Fatalf("subscribe to the plugin's answers: %v", tok.Error())
	}
	payload, _ := json.Marshal(map[string]any{"commands": cmds})
	if tok := cli.Publish(control, 1, false, payload); !tok.WaitTimeout(10*time.Second) || tok.Error() != nil {
		t.Fatalf("send dynamic-security commands: %v", tok.Error())
	}
	select {
	case raw := <-answers:
		var body struct {
			Responses []struct {
				Command string `json:"command"`
				Error   string `json:"error"`
			} `json:"responses"`
		}
		if err := json.Unmarshal(raw, &body); err != nil || len(body.Responses) != len(cmds) {
			t.Fatalf("dynamic-security answer %s: %v", raw, err)
		}
		for _, r := range body.Responses {
			if r.Error != "" {
				t.Fatalf("dynamic security %s: %s", r.Command, r.Error)
			}
		}
	case <-time.After(10 * time.Second):
		t.Fatal("no answer from the dynamic-security plugin")
	}
}

// A login with tls=none stops check on its config line, as it stops
// serve: the login is sent only over TLS, so every delivery would fail.
func TestCheckSMTPLoginWithoutTLS(t *testing.T) {
	var out testutil.Buffer
	env := map[string]string{"CITYHUB_DATA_DIR": t.TempDir(), "CITYHUB_MAIL_FROM": "comune@example.org",
		"CITYHUB_SMTP_URL": "smtp://hub:s3cretpw@127.0.0.1:1025?tls=none"}
	err := run(t.Context(), []string{"check"}, testGetenv(env), &out, &testutil.Buffer{})
	if err == nil || !strings.Contains(out.String(), "FAIL  config") ||
		!strings.Contains(out.String(), "CITYHUB_SMTP_URL smtp://hub:xxxxx@127.0.0.1:1025?tls=none: a login is sent only over TLS") ||
		strings.Contains(out.String(), "s3cretpw") {
		t.Fatalf("check = %v\n%s", err, out.String())
	}
}
