package tlsserve

import (
	"errors"
	"time"
)

// Check says whether New would accept cfg, changing nothing: it loads a
// certificate and key file pair (the key's mode, the pair's match), or
// looks at what ACME would use (the cache directory's modes, the CA roots
// file, the contact address) without making the directory or asking the
// ACME server anything. For a pair it returns the certificate's expiry.
func Check(cfg Config) (notAfter time.Time, err error) {
	acmeOn, filesOn := len(cfg.Domains) > 0, cfg.CertFile != "" || cfg.KeyFile != ""
	switch {
	case acmeOn && filesOn:
		return time.Time{}, errors.New("tls: give either domains for ACME or a certificate and key file, not both")
	case !acmeOn && !filesOn:
		return time.Time{}, errors.New("tls: neither domains for ACME nor a certificate and key file")
	case filesOn && (cfg.CertFile == "" || cfg.KeyFile == ""):
		return time.Time{}, errors.New("tls: a certificate file needs its key file, and a key file its certificate file")
	}
	if _, err := newRedirect(cfg); err != nil {
		return time.Time{}, err
	}
	if filesOn {
		k := &keyPair{certFile: cfg.CertFile, keyFile: cfg.KeyFile}
		cert, err := k.load()
		if err != nil {
			return time.Time{}, err
		}
		_, notAfter := certLifetime(cert)
		return notAfter, nil
	}
	if cfg.CacheDir == "" {
		return time.Time{}, errors.New("tls: ACME needs a directory for its account and certificates")
	}
	if err := checkPrivateDir(cfg.CacheDir); err != nil {
		return time.Time{}, err
	}
	if cfg.ACMERootsFile != "" {
		if _, err := acmeRoots(cfg.ACMERootsFile); err != nil {
			return time.Time{}, err
		}
	}
	if err := checkACMEEmail(cfg.ACMEEmail); err != nil {
		return time.Time{}, err
	}
	return time.Time{}, nil
}
