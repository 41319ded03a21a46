package main

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"path/filepath"

	"cityhub/config"
	"cityhub/tlsserve"
	"cityhub/web"
)

// httpsSide is the hub's own HTTPS, when it serves it without a proxy: the
// HTTPS listener and the certificates. The plain-HTTP listener then only
// answers ACME challenges and redirects.
type httpsSide struct {
	ln    net.Listener
	certs *tlsserve.Certificates
	log   *slog.Logger
}

// listenHTTPS opens the HTTPS listener and derives the public URL from it
// when none is configured.
func listenHTTPS(cfg *config.Config, log *slog.Logger) (*httpsSide, error) {
	ln, err := net.Listen("tcp", cfg.TLS.HTTPSAddr)
	if err != nil {
		return nil, fmt.Errorf("HTTPS: %w", listenError(cfg.NameOf("CITYHUB_HTTPS_ADDR"), cfg.TLS.HTTPSAddr, err))
	}
	if cfg.PublicURL == "" {
		cfg.PublicURL = httpsPublicURL(cfg.TLS, ln.Addr().String())
	}
	return &httpsSide{ln: ln, log: log.With(slog.String("component", "tls"))}, nil
}

// loadCertificates reads the certificate files (a key file every user may
// read stops the hub) or readies the ACME cache under the data directory.
// tlsserve makes that cache directory private itself (0700, refused when
// it holds files others may read): with PostgreSQL no embedded database
// has checked the data directory before.
func (s *httpsSide) loadCertificates(cfg config.Config) error {
	certs, err := tlsserve.New(tlsserve.Config{
		Domains:       cfg.TLS.Domains,
		ACMEDirectory: cfg.TLS.ACMEDirectory,
		ACMEEmail:     cfg.TLS.ACMEEmail,
		ACMERootsFile: cfg.TLS.ACMERootsFile,
		// Beside the embedded database, with the same private modes.
		CacheDir:  filepath.Join(cfg.DataDir, "acme"),
		CertFile:  cfg.TLS.CertFile,
		KeyFile:   cfg.TLS.KeyFile,
		PublicURL: cfg.PublicURL,
	}, s.log)
	if err != nil {
		return err
	}
	s.certs = certs
	return nil
}

// httpsPublicURL is the URL people use when none is configured: the first
// ACME name, else the listener's host (localhost for a wildcard address),
// on the listener's port. With certificate files config requires
// CITYHUB_PUBLIC_URL, so only ACME comes here.
func httpsPublicURL(t config.TLS, addr string) string {
	host, port, err := net.SplitHostPort(addr)
	if err != nil {
		return "https://" + addr
	}
	if len(t.Domains) > 0 {
		host = t.Domains[0]
	} else if host == "" || host == "0.0.0.0" || host == "::" {
		host = "localhost"
	}
	if port == "443" {
		return "https://" + bracket(host)
	}
	return "https://" + net.JoinHostPort(host, port)
}

func bracket(host string) string {
	if net.ParseIP(host) != nil && net.ParseIP(host).To4() == nil {
		return "[" + host + "]"
	}
	return host
}

// serve runs the HTTPS server with the hub's handler until it is shut
// down (the handler sets HSTS itself: with HTTPS on, the public URL is
// https); it obtains the ACME certificates in the background, so a
// problem with them is logged at start.
func (s *httpsSide) serve(ctx context.Context, h http.Handler, errc chan<- error) *http.Server {
	srv := web.HTTPServer(h, s.log)
	srv.TLSConfig = s.certs.TLSConfig()
	go func() {
		err := srv.ServeTLS(s.ln, "", "")
		if errors.Is(err, http.ErrServerClosed) {
			err = nil
		}
		errc <- err
	}()
	go func() { _ = s.certs.Prepare(ctx) }()
	return srv
}
