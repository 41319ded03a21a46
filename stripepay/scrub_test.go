package stripepay

import (
	"bytes"
	"log/slog"
	"strings"
	"testing"
)

// A warning or an error stripe-go logs passes with any client secret in
// it hidden; its debug and info lines do not pass at all.
func TestLeveledScrubsAndDrops(t *testing.T) {
	var out bytes.Buffer
	l := leveled{slog.New(slog.NewTextHandler(&out, &slog.HandlerOptions{Level: slog.LevelDebug}))}
	l.Debugf("Response: %s", `{"id":"pi_1","client_secret":"pi_1_secret_debug"}`)
	l.Infof("Requesting %v %v%v", "POST", "api.stripe.com", "/v1/payment_intents")
	if out.Len() != 0 {
		t.Fatalf("debug or info passed: %s", out.String())
	}
	l.Errorf("Couldn't deserialize JSON (body sample: '%s')", `{"id":"pi_3MtwBw","client_secret": "whatever-it-is", "next":"pi_3MtwBw_secret_YrKJUKribcBjcG8HVhfZluoGH"`)
	l.Warnf("retry for %s", "seti_1Abc_secret_Def")
	got := out.String()
	for _, secret := range []string{"whatever-it-is", "pi_3MtwBw_secret_", "YrKJUKribcBjcG8HVhfZluoGH", "seti_1Abc_secret_Def"} {
		if strings.Contains(got, secret) {
			t.Errorf("the log shows %q:\n%s", secret, got)
		}
	}
	if !strings.Contains(got, "level=ERROR") || !strings.Contains(got, "level=WARN") || !strings.Contains(got, "pi_3MtwBw") {
		t.Errorf("the error and warning, their ids kept, did not pass:\n%s", got)
	}
}
