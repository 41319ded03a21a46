package main

import "testing"

// The demo takes top-ups without a card unless told otherwise or given
// Stripe keys, and publishes Benevento's open data catalogue; serve's
// environment is read as it is.
func TestDemoDefaults(t *testing.T) {
	for _, tc := range []struct {
		env  map[string]string
		want string
	}{
		{map[string]string{}, "true"},
		{map[string]string{"CITYHUB_TEST_PAYMENTS": "false"}, "false"},
		{map[string]string{"CITYHUB_STRIPE_SECRET_KEY": "sk_test_x"}, ""},
	} {
		got := demoDefaults(func(k string) string { return tc.env[k] })("CITYHUB_TEST_PAYMENTS")
		if got != tc.want {
			t.Errorf("%v: CITYHUB_TEST_PAYMENTS = %q, want %q", tc.env, got, tc.want)
		}
	}
	// Its Benevento publishes the open data catalogue; another city's code
	// is that city's to give.
	for _, tc := range []struct {
		env  map[string]string
		want string
	}{
		{map[string]string{}, "c_a783"},
		{map[string]string{"CITYHUB_CITY_IPA_CODE": "c_a509"}, "c_a509"},
		{map[string]string{"CITYHUB_CITY_NAME": "Avellino"}, ""},
		{map[string]string{"CITYHUB_CITY_NAME": "Benevento"}, "c_a783"},
	} {
		if got := demoDefaults(func(k string) string { return tc.env[k] })("CITYHUB_CITY_IPA_CODE"); got != tc.want {
			t.Errorf("%v: CITYHUB_CITY_IPA_CODE = %q, want %q", tc.env, got, tc.want)
		}
	}
	if got := demoDefaults(func(string) string { return "" })("CITYHUB_TIMEZONE"); got != "" {
		t.Errorf("another setting changed: %q", got)
	}
}
