package tlsserve

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"errors"
	"fmt"
	"io/fs"
	"log/slog"
	"net/http"
	"net/mail"
	"os"
	"path/filepath"
	"runtime"
	"time"

	"golang.org/x/crypto/acme"
	"golang.org/x/crypto/acme/autocert"
)

// acmeALPN is the TLS protocol name of tls-alpn-01 challenges.
const acmeALPN = acme.ALPNProto

// acmeSource obtains and renews certificates over ACME.
type acmeSource struct {
	manager *autocert.Manager
	domains []string
	log     *slog.Logger
}

func newACME(cfg Config, log *slog.Logger) (*acmeSource, error) {
	if cfg.CacheDir == "" {
		return nil, errors.New("tls: ACME needs a directory for its account and certificates")
	}
	if err := privateDir(cfg.CacheDir, log); err != nil {
		return nil, err
	}
	dirURL := cfg.ACMEDirectory
	if dirURL == "" {
		dirURL = LetsEncrypt
	}
	client := &acme.Client{DirectoryURL: dirURL, UserAgent: "cityhub"}
	if cfg.ACMERootsFile != "" {
		roots, err := acmeRoots(cfg.ACMERootsFile)
		if err != nil {
			return nil, err
		}
		client.HTTPClient = &http.Client{
			Timeout: time.Minute,
			Transport: &http.Transport{
				Proxy:           http.ProxyFromEnvironment,
				TLSClientConfig: &tls.Config{RootCAs: roots, MinVersion: tls.VersionTLS12},
			},
		}
	}
	if err := checkACMEEmail(cfg.ACMEEmail); err != nil {
		return nil, err
	}
	m := &autocert.Manager{
		Prompt:     autocert.AcceptTOS,
		Cache:      autocert.DirCache(cfg.CacheDir),
		HostPolicy: autocert.HostWhitelist(cfg.Domains...),
		Email:      cfg.ACMEEmail,
		Client:     client,
	}
	log.Info("tls: certificates over ACME", slog.Any("domains", cfg.Domains), slog.String("ca", dirURL),
		slog.String("cache", cfg.CacheDir))
	return &acmeSource{manager: m, domains: cfg.Domains, log: log}, nil
}

// prepare asks for each domain's certificate as a browser would (ECDSA,
// the kind every current browser takes), which obtains it unless the
// cache holds a valid one, and schedules its renewal.
func (a *acmeSource) prepare(ctx context.Context) error {
	var first error
	for _, d := range a.domains {
		if err := ctx.Err(); err != nil {
			return err
		}
		hello := &tls.ClientHelloInfo{
			ServerName:        d,
			SignatureSchemes:  []tls.SignatureScheme{tls.ECDSAWithP256AndSHA256},
			SupportedCurves:   []tls.CurveID{tls.CurveP256},
			CipherSuites:      []uint16{tls.TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256},
			SupportedVersions: []uint16{tls.VersionTLS13, tls.VersionTLS12},
		}
		cert, err := a.manager.GetCertificate(hello)
		if err != nil {
			a.log.Error("tls: no certificate yet; it is tried again at the next visit", slog.String("domain", d), slog.Any("err", err))
			if first == nil {
				first = fmt.Errorf("tls: certificate for %s: %w", d, err)
			}
			continue
		}
		_, notAfter := certLifetime(cert)
		a.log.Info("tls: certificate ready", slog.String("domain", d), slog.Time("not_after", notAfter))
	}
	return first
}

// privateDir makes the ACME cache directory 0700, and refuses one that
// other local users may read while it holds anything: it keeps the ACME
// account key and every certificate's private key. The same rule as the
// embedded database's directory.
func privateDir(dir string, log *slog.Logger) error {
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return fmt.Errorf("tls: create the ACME directory: %w", err)
	}
	if err := checkPrivateDir(dir); err != nil {
		return err
	}
	if runtime.GOOS == "windows" {
		return nil // permissions are ACLs there, not mode bits
	}
	st, err := os.Stat(dir)
	if err != nil {
		return fmt.Errorf("tls: ACME directory: %w", err)
	}
	// Open to others but empty (checkPrivateDir refuses it otherwise).
	if perm := st.Mode().Perm(); perm&0o077 != 0 {
		if err := os.Chmod(dir, 0o700); err != nil {
			return fmt.Errorf("tls: make the ACME directory %s private: %w", dir, err)
		}
		log.Info("tls: ACME directory made private", slog.String("dir", dir), slog.String("was", fmt.Sprintf("%04o", perm)))
	}
	return nil
}

// checkPrivateDir is privateDir's refusal without its changes: a missing
// directory, or an empty one open to others, is what a start makes
// private; one open to others while it holds files, or holding a file
// open to others, is refused.
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
		return fmt.Errorf("tls: ACME directory %s is open to other users (mode %04o) and holds private keys; refusing to start: run chmod 700 %s",
			dir, perm, dir)
	}
	for _, e := range entries {
		info, err := e.Info()
		if err != nil {
			return fmt.Errorf("tls: ACME directory: %w", err)
		}
		if info.Mode().Perm()&0o077 != 0 {
			p := filepath.Join(dir, e.Name())
			return fmt.Errorf("tls: %s is open to other users (mode %04o) and may hold a private key; refusing to start: run chmod 600 %s",
				p, info.Mode().Perm(), p)
		}
	}
	return nil
}

// acmeRoots reads the PEM file of CAs the ACME server's HTTPS is checked
// against.
func acmeRoots(file string) (*x509.CertPool, error) {
	pem, err := os.ReadFile(file)
	if err != nil {
		return nil, fmt.Errorf("tls: the ACME server's CA roots: %w", err)
	}
	roots := x509.NewCertPool()
	if !roots.AppendCertsFromPEM(pem) {
		return nil, fmt.Errorf("tls: the ACME server's CA roots %s hold no PEM certificate", file)
	}
	return roots, nil
}

// checkACMEEmail refuses a contact that is not an e-mail address.
func checkACMEEmail(email string) error {
	if email == "" {
		return nil
	}
	if _, err := mail.ParseAddress(email); err != nil {
		return fmt.Errorf("tls: ACME contact %q is not an e-mail address", email)
	}
	return nil
}
