package config

import (
	"io"
	"strings"
	"testing"
)

// TLS settings: off by default; ACME or files, never both; names, the ACME
// directory, the contact and the address checked; with TLS on, the public
// URL must be https.
func TestTLS(t *testing.T) {
	c, err := Parse("serve", nil, env(nil), io.Discard)
	if err != nil {
		t.Fatal(err)
	}
	if c.TLS.Enabled() || c.TLS.HTTPSAddr != ":443" || c.TLS.ACMEDirectory != LetsEncryptDirectory {
		t.Errorf("TLS defaults: %+v", c.TLS)
	}
	c, err = Parse("serve", nil, env(map[string]string{
		"CITYHUB_TLS_DOMAINS": " Hub.Comune.Benevento.it., bici.comune.benevento.it ",
		"CITYHUB_ACME_EMAIL":  "sistemi@comune.benevento.it",
		"CITYHUB_HTTPS_ADDR":  "127.0.0.1:8443",
	}), io.Discard)
	if err != nil {
		t.Fatal(err)
	}
	if !c.TLS.Enabled() || strings.Join(c.TLS.Domains, ",") != "hub.comune.benevento.it,bici.comune.benevento.it" || c.TLS.HTTPSAddr != "127.0.0.1:8443" {
		t.Errorf("parsed %+v", c.TLS)
	}
	if s := fmtSummary(c); !strings.Contains(s, "ACME for hub.comune.benevento.it,bici.comune.benevento.it") {
		t.Errorf("summary: %s", s)
	}
	for _, tc := range []struct {
		name string
		env  map[string]string
		says string
	}{
		{"both sources", map[string]string{"CITYHUB_TLS_DOMAINS": "hub.example.it", "CITYHUB_TLS_CERT_FILE": "/c", "CITYHUB_TLS_KEY_FILE": "/k"}, "not both"},
		{"cert without key", map[string]string{"CITYHUB_TLS_CERT_FILE": "/c"}, "go together"},
		{"wildcard", map[string]string{"CITYHUB_TLS_DOMAINS": "*.example.it"}, "wildcard"},
		{"no dot", map[string]string{"CITYHUB_TLS_DOMAINS": "localhost"}, "with a dot"},
		{"address", map[string]string{"CITYHUB_TLS_DOMAINS": "192.0.2.7"}, "DNS name"},
		{"plain acme url", map[string]string{"CITYHUB_TLS_DOMAINS": "hub.example.it", "CITYHUB_ACME_CA": "http://acme.example/dir"}, "https:// URL"},
		{"bad contact", map[string]string{"CITYHUB_TLS_DOMAINS": "hub.example.it", "CITYHUB_ACME_EMAIL": "not mail"}, "CITYHUB_ACME_EMAIL \""},
		{"bad address", map[string]string{"CITYHUB_TLS_DOMAINS": "hub.example.it", "CITYHUB_HTTPS_ADDR": "443"}, "CITYHUB_HTTPS_ADDR \""},
		// Checked for their form with HTTPS off too: a mistake waits for no
		// day when HTTPS is turned on.
		{"bad address, https off", map[string]string{"CITYHUB_HTTPS_ADDR": "bogus"}, "CITYHUB_HTTPS_ADDR \""},
		{"port out of range, https off", map[string]string{"CITYHUB_HTTPS_ADDR": ":99999"}, "port from 0 to 65535"},
		{"plain acme url, https off", map[string]string{"CITYHUB_ACME_CA": "notaurl"}, "CITYHUB_ACME_CA \""},
		{"bad contact, https off", map[string]string{"CITYHUB_ACME_EMAIL": "bogus"}, "CITYHUB_ACME_EMAIL \""},
		// An address in angle brackets, or with a comment, parses as one
		// but is not the bare address an ACME account's contact is.
		{"contact in angle brackets", map[string]string{"CITYHUB_ACME_EMAIL": "<ops@comune.it>"}, "CITYHUB_ACME_EMAIL \"<ops@comune.it>\": want a bare e-mail address"},
		{"contact with a comment", map[string]string{"CITYHUB_ACME_EMAIL": "ops@comune.it (sistemi)"}, "want a bare e-mail address"},
		{"http public url", map[string]string{"CITYHUB_TLS_DOMAINS": "hub.example.it", "CITYHUB_PUBLIC_URL": "http://hub.example.it"}, "is https://"},
		{"files without public url", map[string]string{"CITYHUB_TLS_CERT_FILE": "/c", "CITYHUB_TLS_KEY_FILE": "/k", "CITYHUB_PUBLIC_URL": ""}, "set CITYHUB_PUBLIC_URL"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := Parse("serve", nil, env(tc.env), io.Discard)
			if err == nil || !strings.Contains(err.Error(), tc.says) {
				t.Errorf("Parse = %v, want an error saying %q", err, tc.says)
			}
			// Every refusal names the setting to change.
			if err != nil && !strings.Contains(err.Error(), "CITYHUB_") {
				t.Errorf("Parse = %v, names no variable", err)
			}
		})
	}
}
