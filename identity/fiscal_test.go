package identity_test

import (
	"testing"

	"cityhub/apperr"
	"cityhub/identity"
)

func TestNormalizeFiscalCode(t *testing.T) {
	for in, want := range map[string]string{
		"RSSMRA85T10A562S":       "RSSMRA85T10A562S",
		"rssmra85t10a562s":       "RSSMRA85T10A562S",
		"TINIT-RSSMRA85T10A562S": "RSSMRA85T10A562S",
		" RSS MRA 85T10 A562S ":  "RSSMRA85T10A562S",
		"MRTMTT91D08F205J":       "MRTMTT91D08F205J",
		"RSSMRA85T10A56NH":       "RSSMRA85T10A56NH", // omocodia: 2 → N, check recomputed
		"tinit-mrtmtt91d08f205j": "MRTMTT91D08F205J",
	} {
		got, err := identity.NormalizeFiscalCode(in)
		if err != nil || got != want {
			t.Errorf("NormalizeFiscalCode(%q) = %q, %v; want %q", in, got, err, want)
		}
	}
	for _, in := range []string{"", "RSSMRA85T10A562T", "RSSMRA85T10A562", "RSSMRA85T10A562SX", "12345678901",
		"RSSMRA85Z10A562S", "RSSMRA8AT10A562S", "TINIT-", "RSSMRÀ85T10A562S", "TINIT-RSSMRA85T10A562T"} {
		if got, err := identity.NormalizeFiscalCode(in); !apperr.Has(err, apperr.Invalid) {
			t.Errorf("NormalizeFiscalCode(%q) = %q, %v; want Invalid", in, got, err)
		}
	}
}
