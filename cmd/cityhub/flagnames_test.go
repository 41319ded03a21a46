package main

import (
	"strings"
	"testing"

	"cityhub/config"
)

// A value refused, or reported, is named by the flag that gave it, not by
// a variable the operator never set.
func TestSettingsFromFlagsNamedAsFlags(t *testing.T) {
	cfg := config.Default()
	cfg.InstanceID, cfg.TestPayments = "Bad!", true
	flags := []string{"-instance-id=Bad!", "-test-payments"}
	if err := preflight(cfg, flags); err == nil || !strings.HasPrefix(err.Error(), `-instance-id "Bad!"`) {
		t.Errorf("preflight: %v", err)
	}
	if r := checkInstance(cfg, flags); !strings.HasPrefix(r.detail, `-instance-id "Bad!"`) {
		t.Errorf("check instance: %s", r.detail)
	}
	if r := checkPayments(cfg, flags); !strings.HasPrefix(r.detail, "-test-payments is on") {
		t.Errorf("check payments: %s", r.detail)
	}
	if err := preflight(cfg, nil); err == nil || !strings.HasPrefix(err.Error(), `CITYHUB_INSTANCE_ID "Bad!"`) {
		t.Errorf("preflight from the variable: %v", err)
	}
}
