package tlsserve

import (
	"crypto/x509"
	"errors"
	"fmt"
	"io/fs"
	"net/mail"
	"os"
	"runtime"
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
		pem, err := os.ReadFile(cfg.ACMERootsFile)
		if err != nil {
			return time.Time{}, fmt.Errorf("tls: the ACME server's CA roots: %w", err)
		}
		if !x509.NewCertPool().AppendCertsFromPEM(pem) {
			return time.Time{}, fmt.Errorf("tls: the ACME server's CA roots %s hold no PEM certificate", cfg.ACMERootsFile)
		}
	}
	if cfg.ACMEEmail != "" {
		if _, err := mail.ParseAddress(cfg.ACMEEmail); err != nil {
			return time.Time{}, fmt.Errorf("tls: ACME contact %q is not an e-mail address", cfg.ACMEEmail)
		}
	}
	return time.Time{}, nil
}

// checkPrivateDir is privateDir's refusal without its changes: a missing
// directory, or an empty one open to others, is what a start makes
// private; one open to others while it holds files is refused.
func checkPrivateDir(dir string) error {
	if runtime.GOOS == "windows" {
		return nil
	}
	st, err := os.Stat(dir)
	if errors.Is(err, fs.ErrNotExist) {
		return nil
	}
	if err != nil {
		return fmt.Errorf("tls: ACME directory: %w", err)
	}
	entries, err := os.ReadDir(dir)
	if err != nil {
		return fmt.Errorf("tls: ACME directory: %w", err)
	}
	if perm := st.Mode().Perm(); perm&0o077 != 0 && len(entries) > 0 {
		return fmt.Errorf("tls: ACME directory %s is open to other users (mode %04o) and holds private keys: run chmod 700 %s", dir, perm, dir)
	}
	for _, e := range entries {
		info, err := e.Info()
		if err != nil {
			return fmt.Errorf("tls: ACME directory: %w", err)
		}
		if info.Mode().Perm()&0o077 != 0 {
			return fmt.Errorf("tls: %s/%s is open to other users (mode %04o) and may hold a private key: run chmod 600 on it", dir, e.Name(), info.Mode().Perm())
		}
	}
	return nil
}
