package config

import (
	"errors"
	"fmt"
	"net"
	"net/url"
	"strings"
)

// LetsEncryptDirectory is the default ACME server, Let's Encrypt's
// production directory (tlsserve.LetsEncrypt, which config does not import).
const LetsEncryptDirectory = "https://acme-v02.api.letsencrypt.org/directory"

// TLS is how the hub serves HTTPS itself, without a proxy in front. It is
// off unless Domains (ACME) or CertFile with KeyFile are set.
type TLS struct {
	// Domains (CITYHUB_TLS_DOMAINS, comma-separated) are the names whose
	// certificates are obtained and renewed over ACME, kept under the data
	// directory in acme/.
	Domains []string
	// ACMEDirectory (CITYHUB_ACME_CA) is the ACME server's directory URL,
	// Let's Encrypt's production one by default.
	ACMEDirectory string
	// ACMEEmail (CITYHUB_ACME_EMAIL) is the contact the ACME server warns.
	ACMEEmail string
	// ACMERootsFile (CITYHUB_ACME_CA_ROOTS) is a PEM file of the CA that
	// signs the ACME server's own HTTPS certificate, for a private ACME
	// server; empty: the system's roots.
	ACMERootsFile string
	// CertFile and KeyFile (CITYHUB_TLS_CERT_FILE, CITYHUB_TLS_KEY_FILE)
	// are a PEM certificate chain and its key renewed by someone else,
	// read again when they change.
	CertFile, KeyFile string
	// HTTPSAddr (CITYHUB_HTTPS_ADDR, default ":443") is where HTTPS is
	// served; CITYHUB_HTTP_ADDR then only redirects to it.
	HTTPSAddr string
}

// Enabled says whether the hub serves HTTPS itself.
func (t TLS) Enabled() bool { return len(t.Domains) > 0 || t.CertFile != "" || t.KeyFile != "" }

func defaultTLS() TLS {
	return TLS{ACMEDirectory: LetsEncryptDirectory, HTTPSAddr: ":443"}
}

// parse reads the TLS settings; every one is asked for, so the list of
// settings the packaging test takes from Parse includes them.
func (t *TLS) parse(getenv func(string) string) {
	env := func(key string, dst *string) {
		if v := strings.TrimSpace(getenv(key)); v != "" {
			*dst = v
		}
	}
	var domains string
	env("CITYHUB_TLS_DOMAINS", &domains)
	for _, d := range strings.Split(domains, ",") {
		if d = strings.ToLower(strings.TrimSuffix(strings.TrimSpace(d), ".")); d != "" {
			t.Domains = append(t.Domains, d)
		}
	}
	env("CITYHUB_ACME_CA", &t.ACMEDirectory)
	env("CITYHUB_ACME_EMAIL", &t.ACMEEmail)
	env("CITYHUB_ACME_CA_ROOTS", &t.ACMERootsFile)
	env("CITYHUB_TLS_CERT_FILE", &t.CertFile)
	env("CITYHUB_TLS_KEY_FILE", &t.KeyFile)
	env("CITYHUB_HTTPS_ADDR", &t.HTTPSAddr)
}

// validate reports TLS settings that cannot work; publicURL must be https
// when the hub serves HTTPS, since it is where plain HTTP redirects to, and
// set when the certificate comes from files (with ACME, the first domain
// stands in). publicURLName is how messages name the public URL's setting
// (Config.NameOf).
//
// The values are checked for their form whether or not HTTPS is on, so a
// mistyped one stops the start rather than wait for the day HTTPS is
// turned on; what they name (the roots file) is read when it is.
func (t TLS) validate(publicURL, publicURLName string) error {
	var errs []error
	for _, d := range t.Domains {
		if !validDomain(d) {
			errs = append(errs, fmt.Errorf("CITYHUB_TLS_DOMAINS %q: want a DNS name with a dot, without a wildcard or port (ACME here proves a name over HTTP or TLS, which a wildcard cannot)", d))
		}
	}
	if u, err := url.Parse(t.ACMEDirectory); err != nil || u.Scheme != "https" || u.Host == "" {
		errs = append(errs, fmt.Errorf("CITYHUB_ACME_CA %q: want the https:// URL of an ACME directory", t.ACMEDirectory))
	}
	// The address alone, as the ACME account's mailto: contact takes it:
	// "<ops@comune.it>" or one with a comment parses as an address but is
	// not one.
	if t.ACMEEmail != "" && !bareAddress(t.ACMEEmail) {
		errs = append(errs, fmt.Errorf("CITYHUB_ACME_EMAIL %q: want a bare e-mail address such as sistemi@comune.example.it", t.ACMEEmail))
	}
	if err := checkListenAddr("CITYHUB_HTTPS_ADDR", t.HTTPSAddr); err != nil {
		errs = append(errs, err)
	}
	if !t.Enabled() {
		return errors.Join(errs...)
	}
	if len(t.Domains) > 0 && (t.CertFile != "" || t.KeyFile != "") {
		errs = append(errs, errors.New("CITYHUB_TLS_DOMAINS: set either CITYHUB_TLS_DOMAINS (ACME) or CITYHUB_TLS_CERT_FILE and CITYHUB_TLS_KEY_FILE, not both"))
	}
	if (t.CertFile == "") != (t.KeyFile == "") {
		errs = append(errs, errors.New("CITYHUB_TLS_CERT_FILE and CITYHUB_TLS_KEY_FILE go together"))
	}
	if publicURL == "" && len(t.Domains) == 0 && t.CertFile != "" {
		// ACME names the host; a certificate file does not, and plain
		// HTTP would redirect every visitor to https://localhost.
		errs = append(errs, fmt.Errorf("%s: with CITYHUB_TLS_CERT_FILE, set %[1]s to the https:// address on the certificate (where plain HTTP redirects to)", publicURLName))
	}
	if publicURL != "" {
		if u, err := url.Parse(publicURL); err == nil && u.Scheme != "https" {
			errs = append(errs, fmt.Errorf("%s %q: the hub serves HTTPS, so the public URL is https://", publicURLName, Redact(publicURL)))
		}
	}
	return errors.Join(errs...)
}

func validDomain(d string) bool {
	if len(d) > 253 || !strings.Contains(d, ".") || net.ParseIP(d) != nil {
		return false
	}
	for _, label := range strings.Split(d, ".") {
		if label == "" || len(label) > 63 || label[0] == '-' || label[len(label)-1] == '-' {
			return false
		}
		for _, r := range label {
			if !(r >= 'a' && r <= 'z' || r >= '0' && r <= '9' || r == '-') {
				return false
			}
		}
	}
	return true
}

// summary is the TLS line of the start-up log.
func (t TLS) summary() string {
	switch {
	case len(t.Domains) > 0:
		s := fmt.Sprintf("ACME for %s from %s on %s", strings.Join(t.Domains, ","), t.ACMEDirectory, t.HTTPSAddr)
		if t.ACMEEmail != "" {
			s += ", contact " + t.ACMEEmail
		}
		return s
	case t.Enabled():
		return fmt.Sprintf("files %s and %s on %s", t.CertFile, t.KeyFile, t.HTTPSAddr)
	}
	return "(off: plain HTTP only)"
}
