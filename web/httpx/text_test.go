package httpx

import (
	"net/http/httptest"
	"strings"
	"testing"

	"cityhub/apperr"
)

// A till's X-Device-Id is a short label without control characters; an
// Idempotency-Key or another read header with bytes that are not UTF-8 is
// invalid_text.
func TestRequestTextErrorOfHeaders(t *testing.T) {
	for _, tc := range []struct {
		name, header, value, reason string
	}{
		{"a till's name", "X-Device-Id", "cassa-2 (bar Roma)", ""},
		{"a device id at the bound", "X-Device-Id", strings.Repeat("d", MaxDeviceIDLen), ""},
		{"a device id past the bound", "X-Device-Id", strings.Repeat("d", MaxDeviceIDLen+1), "bad_device_id"},
		{"an escape in a device id", "X-Device-Id", "cassa\x1b[2J", "bad_device_id"},
		{"a tab in a device id", "X-Device-Id", "cassa\t2", "bad_device_id"},
		{"a device id not UTF-8", "X-Device-Id", "cassa\xff", "invalid_text"},
		{"a key not UTF-8", "Idempotency-Key", "k\xff", "invalid_text"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			r := httptest.NewRequest("POST", "/api/v1/merchant/vouchers/redeem", nil)
			r.Header.Set(tc.header, tc.value)
			err := RequestTextError(r)
			if tc.reason == "" && err != nil || tc.reason != "" && (apperr.CodeOf(err) != apperr.Invalid || apperr.ReasonOf(err) != tc.reason) {
				t.Errorf("%s %q: %v, want reason %q", tc.header, tc.value, err, tc.reason)
			}
		})
	}
}

// Two X-Device-Id headers name no one till: refused, where the first was
// kept with the redemption and the second silently dropped.
func TestRequestTextErrorOfTwoDeviceIDs(t *testing.T) {
	r := httptest.NewRequest("POST", "/api/v1/merchant/vouchers/redeem", nil)
	r.Header.Add("X-Device-Id", "cassa-1")
	r.Header.Add("X-Device-Id", "cassa-2")
	if err := RequestTextError(r); apperr.ReasonOf(err) != "bad_device_id" {
		t.Fatalf("two device ids: %v", err)
	}
}
