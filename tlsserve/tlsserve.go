// Package tlsserve lets the hub serve HTTPS itself, without a proxy in
// front: certificates obtained and renewed over ACME (Let's Encrypt or any
// RFC 8555 server), or read from files an operator renews, reloaded when
// they change. It also gives the plain-HTTP side its handler (ACME HTTP-01
// challenges, and a redirect to HTTPS for everything else) and the
// Strict-Transport-Security header for HTTPS answers.
//
// It knows nothing of the hub's pages or API, and it must never serve
// anything but challenges and redirects over plain HTTP, nor log a private
// key.
//
// ACME is golang.org/x/crypto/acme/autocert, which the hub already depends
// on: it obtains a certificate at the first handshake for a name (tls-alpn-01
// on the HTTPS port, http-01 on the plain one), keeps it and the account key
// in a directory cache, and renews with a third of the lifetime left (30
// days of a 90-day certificate). certmagic would
// add shared storage with locks for several replicas, at the cost of a
// dozen modules; several replicas are better served by a load balancer that
// terminates TLS, or by certificate files (see the README).
package tlsserve

import (
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"net/url"
	"strings"
	"time"
)

// LetsEncrypt is Let's Encrypt's production ACME directory, the default.
const LetsEncrypt = "https://acme-v02.api.letsencrypt.org/directory"

// HSTSValue is the Strict-Transport-Security header of HTTPS answers: a
// year, without includeSubDomains, since other services of the city's
// domain may still speak plain HTTP.
const HSTSValue = "max-age=31536000"

// Config says where certificates come from. Exactly one of Domains (ACME)
// and CertFile with KeyFile (given files) is set.
type Config struct {
	// Domains are the names certificates are obtained for over ACME; a
	// handshake for any other name is refused.
	Domains []string
	// ACMEDirectory is the ACME server's directory URL (LetsEncrypt when
	// empty).
	ACMEDirectory string
	// ACMEEmail is the contact the ACME server warns about expiry and
	// problems; empty registers without one.
	ACMEEmail string
	// ACMERootsFile is a PEM file of the CA certificates that the ACME
	// server's own HTTPS is checked against (a private ACME server, or
	// pebble in tests); empty: the system's roots.
	ACMERootsFile string
	// CacheDir keeps the ACME account key and the certificates with their
	// keys; made 0700, the files 0600, and refused if other users may
	// read it.
	CacheDir string

	// CertFile and KeyFile are PEM files of a certificate chain and its
	// key, renewed by someone else; a changed file is picked up at the next
	// handshake. A key file every user may read is refused; one its group
	// may read is accepted on purpose, since a key is often shared with the
	// service through its group (root:cityhub 0640, Debian's ssl-cert).
	CertFile, KeyFile string

	// PublicURL is the https:// URL people use: plain-HTTP requests are
	// redirected to its port, and to its host when they name a host the hub
	// does not serve.
	PublicURL string
}

// Certificates serves the hub's certificates and the plain-HTTP side.
type Certificates struct {
	cfg       Config
	log       *slog.Logger
	acme      *acmeSource // nil with files
	files     *keyPair    // nil with ACME
	tlsConfig *tls.Config
	redirect  http.Handler
}

// New checks the configuration and prepares the certificates: with files,
// they are read now (a missing, mismatched or world-readable file is an
// error); with ACME, the cache directory is made private and nothing is
// requested until Prepare or the first handshake.
func New(cfg Config, log *slog.Logger) (*Certificates, error) {
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	acmeOn, filesOn := len(cfg.Domains) > 0, cfg.CertFile != "" || cfg.KeyFile != ""
	switch {
	case acmeOn && filesOn:
		return nil, errors.New("tls: give either domains for ACME or a certificate and key file, not both")
	case !acmeOn && !filesOn:
		return nil, errors.New("tls: neither domains for ACME nor a certificate and key file")
	case filesOn && (cfg.CertFile == "" || cfg.KeyFile == ""):
		return nil, errors.New("tls: a certificate file needs its key file, and a key file its certificate file")
	}
	redirect, err := newRedirect(cfg)
	if err != nil {
		return nil, err
	}
	c := &Certificates{cfg: cfg, log: log, redirect: redirect}
	c.tlsConfig = &tls.Config{
		MinVersion: tls.VersionTLS12,
		NextProtos: []string{"h2", "http/1.1"},
	}
	if acmeOn {
		c.acme, err = newACME(cfg, log)
		if err != nil {
			return nil, err
		}
		c.tlsConfig.GetCertificate = c.acme.manager.GetCertificate
		// tls-alpn-01: the ACME server proves control of the name on
		// the HTTPS port itself.
		c.tlsConfig.NextProtos = append(c.tlsConfig.NextProtos, acmeALPN)
		c.redirect = c.acme.manager.HTTPHandler(c.redirect)
	} else {
		c.files, err = newKeyPair(cfg.CertFile, cfg.KeyFile, log)
		if err != nil {
			return nil, err
		}
		c.tlsConfig.GetCertificate = c.files.get
	}
	return c, nil
}

// TLSConfig is the HTTPS server's TLS configuration.
func (c *Certificates) TLSConfig() *tls.Config { return c.tlsConfig.Clone() }

// PlainHandler answers the plain-HTTP listener: ACME HTTP-01 challenges,
// and a redirect to HTTPS for every other request (301 for GET and HEAD,
// 308 for the rest, so a form's POST stays a POST).
func (c *Certificates) PlainHandler() http.Handler { return c.redirect }

// Prepare obtains (or loads from the cache) the certificate of every ACME
// domain now, so that a problem shows in the log at start rather than at a
// citizen's first visit. It returns the first error; the names that failed
// are tried again at their next handshake. With files it does nothing.
func (c *Certificates) Prepare(ctx context.Context) error {
	if c.acme == nil {
		return nil
	}
	return c.acme.prepare(ctx)
}

// HSTS adds Strict-Transport-Security to answers given over TLS, telling
// browsers to use HTTPS only for the next year. Plain-HTTP answers never
// carry it (browsers ignore it there, and it would wrongly promise HTTPS on
// a hub that has none).
func HSTS(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.TLS != nil {
			w.Header().Set("Strict-Transport-Security", HSTSValue)
		}
		next.ServeHTTP(w, r)
	})
}

// redirector sends plain-HTTP requests to the same path over HTTPS.
type redirector struct {
	port  string          // the HTTPS port, "" for 443
	hosts map[string]bool // the names the hub serves; empty: any
	canon string          // where requests naming another host go
}

func newRedirect(cfg Config) (http.Handler, error) {
	u, err := url.Parse(cfg.PublicURL)
	if err != nil || u.Scheme != "https" || u.Hostname() == "" {
		return nil, fmt.Errorf("tls: the public URL %q must be https://host[:port]", cfg.PublicURL)
	}
	r := &redirector{hosts: map[string]bool{}, canon: strings.ToLower(u.Hostname())}
	if p := u.Port(); p != "" && p != "443" {
		r.port = p
	}
	r.hosts[r.canon] = true
	for _, d := range cfg.Domains {
		r.hosts[strings.ToLower(strings.TrimSuffix(d, "."))] = true
	}
	return r, nil
}

func (rd *redirector) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	host := r.Host
	if h, _, err := net.SplitHostPort(host); err == nil {
		host = h
	}
	host = strings.ToLower(strings.TrimSuffix(host, "."))
	// Another name (an address, or an old name pointed here) goes to the
	// public host: the hub has no certificate for it.
	if !rd.hosts[host] {
		host = rd.canon
	}
	if strings.Contains(host, ":") {
		host = "[" + host + "]"
	}
	if rd.port != "" {
		host += ":" + rd.port
	}
	code := http.StatusPermanentRedirect
	if r.Method == http.MethodGet || r.Method == http.MethodHead {
		code = http.StatusMovedPermanently
	}
	target := "https://" + host + r.URL.RequestURI()
	http.Redirect(w, r, target, code)
}

// certLifetime is what a loaded certificate has left, for the logs.
func certLifetime(cert *tls.Certificate) (names []string, notAfter time.Time) {
	if cert == nil || cert.Leaf == nil {
		return nil, time.Time{}
	}
	names = cert.Leaf.DNSNames
	for _, ip := range cert.Leaf.IPAddresses {
		names = append(names, ip.String())
	}
	return names, cert.Leaf.NotAfter
}
