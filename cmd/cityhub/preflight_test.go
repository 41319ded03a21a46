package main

import (
	"context"
	"io"
	"os"
	"strings"
	"testing"
	"time"

	"cityhub/internal/testutil"
)

// A start refused for a setting the hub could not run with names the
// setting and leaves the data directory as it found it: no database is
// created or migrated first, and nothing is logged before the refusal.
func TestBadSettingsRefusedBeforeTheStoreOpens(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		name string
		env  map[string]string
		says string
	}{
		{"signing keys not PEM", map[string]string{"CITYHUB_SIGNING_KEYS": "not a key"}, "CITYHUB_SIGNING_KEYS: signing keys: not a PEM bundle"},
		{"signing key of another type", map[string]string{"CITYHUB_SIGNING_KEYS": "-----BEGIN CERTIFICATE-----\nAAAA\n-----END CERTIFICATE-----\n"}, "want PRIVATE KEY"},
		{"stripe key without webhook secret", map[string]string{"CITYHUB_STRIPE_SECRET_KEY": "sk_test_x", "CITYHUB_STRIPE_PUBLISHABLE_KEY": "pk_test_x"}, "CITYHUB_STRIPE_WEBHOOK_SECRET: needed with CITYHUB_STRIPE_SECRET_KEY"},
		{"webhook secret without stripe key", map[string]string{"CITYHUB_STRIPE_WEBHOOK_SECRET": "whsec_x"}, "CITYHUB_STRIPE_WEBHOOK_SECRET: only with CITYHUB_STRIPE_SECRET_KEY"},
		{"stripe key without publishable key", map[string]string{"CITYHUB_STRIPE_SECRET_KEY": "sk_test_x", "CITYHUB_STRIPE_WEBHOOK_SECRET": "whsec_x"}, "CITYHUB_STRIPE_PUBLISHABLE_KEY: needed with CITYHUB_STRIPE_SECRET_KEY"},
		{"secret key as publishable key", map[string]string{"CITYHUB_STRIPE_SECRET_KEY": "sk_test_x", "CITYHUB_STRIPE_WEBHOOK_SECRET": "whsec_x", "CITYHUB_STRIPE_PUBLISHABLE_KEY": "sk_test_x"}, "CITYHUB_STRIPE_PUBLISHABLE_KEY: want Stripe's publishable key"},
		{"instance id with capitals", map[string]string{"CITYHUB_INSTANCE_ID": "Hub One"}, `CITYHUB_INSTANCE_ID "Hub One": want 1 to 64 lower-case`},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			dir := t.TempDir()
			env := map[string]string{"CITYHUB_DATA_DIR": dir, "CITYHUB_HTTP_ADDR": "127.0.0.1:0", "CITYHUB_MQTT_BROKER_ADDR": "127.0.0.1:0"}
			for k, v := range tc.env {
				env[k] = v
			}
			// A hub that starts runs until stopped: stopped, it is a failure
			// here, and not a hang.
			ctx, cancel := context.WithTimeout(t.Context(), 30*time.Second)
			defer cancel()
			var stderr testutil.Buffer
			err := run(ctx, []string{"serve"}, testGetenv(env), io.Discard, &stderr)
			if err == nil || !strings.Contains(err.Error(), tc.says) {
				t.Fatalf("serve = %v, want an error saying %q", err, tc.says)
			}
			// The refusal is all it says: no start logged, no warning
			// about another setting before it.
			if got := stderr.String(); got != "" {
				t.Errorf("a refused start logged before its refusal:\n%s", got)
			}
			if left, _ := os.ReadDir(dir); len(left) != 0 {
				t.Errorf("the refused start left %v in the data directory", left)
			}
		})
	}
}
