package oidclogin_test

import (
	"testing"
	"time"

	"cityhub/identity"
	"cityhub/oidclogin"
)

// A sealed identity opens only unaltered, under the registration that
// sealed it, with the bound it was sealed with, and within PendingTTL.
func TestPendingIdentity(t *testing.T) {
	now := time.Now()
	cfg := oidclogin.Config{Issuer: "https://op.example", ClientID: "cityhub", ClientSecret: "hub secret", RedirectURL: callback,
		Now: func() time.Time { return now }}
	rp := newRP(t, cfg)
	ext := identity.ExternalIdentity{FiscalCode: "TINIT-RSSMRA85T10A562S", GivenName: "Mario", Email: "mario@example.org", Issuer: cfg.Issuer, Subject: "u1"}
	sealed, err := rp.SealIdentity(ext, "session:a")
	if err != nil {
		t.Fatal(err)
	}
	got, err := rp.OpenIdentity(sealed, "session:a")
	if err != nil || got != ext {
		t.Fatalf("open: %+v, %v", got, err)
	}
	for _, bound := range []string{"", "session:b"} {
		if _, err := rp.OpenIdentity(sealed, bound); err != oidclogin.ErrFlow {
			t.Errorf("opened with bound %q: %v, want ErrFlow", bound, err)
		}
	}
	if _, err := rp.OpenIdentity(mustSeal(t, rp, ext), "session:a"); err != oidclogin.ErrFlow {
		t.Errorf("sealed without a bound, opened with one: %v, want ErrFlow", err)
	}
	other := cfg
	other.ClientSecret = "another secret"
	for name, v := range map[string]string{
		"altered":            sealed[:len(sealed)-2] + "AA",
		"empty":              "",
		"not base64":         "%%%",
		"other registration": mustSeal(t, newRP(t, other), ext),
	} {
		if _, err := rp.OpenIdentity(v, ""); err != oidclogin.ErrFlow {
			t.Errorf("%s: %v, want ErrFlow", name, err)
		}
	}
	now = now.Add(oidclogin.PendingTTL + time.Second)
	if _, err := rp.OpenIdentity(sealed, "session:a"); err != oidclogin.ErrFlow {
		t.Errorf("expired: %v, want ErrFlow", err)
	}
}

func mustSeal(t *testing.T, rp *oidclogin.RP, ext identity.ExternalIdentity) string {
	t.Helper()
	v, err := rp.SealIdentity(ext, "")
	if err != nil {
		t.Fatal(err)
	}
	return v
}
