package tlsserve

import (
	"crypto/tls"
	"fmt"
	"log/slog"
	"os"
	"runtime"
	"sync"
	"time"
)

// keyPair serves a certificate and key from files that someone else renews
// (certbot, the city's own CA, a configuration tool). Each handshake looks
// at the files' modification times and sizes, a stat each, and reads them
// again when either changed: a renewed certificate is served without a
// restart. A pair that does not load (a certificate written before its key,
// a key other users may read) leaves the last good pair in service and is
// logged once per change.
type keyPair struct {
	certFile, keyFile string
	log               *slog.Logger

	mu     sync.Mutex
	cert   *tls.Certificate
	loaded [2]fileStamp // of the pair in service
	failed [2]fileStamp // of the last pair that did not load
	// statFailing: the files could not be looked at, already logged.
	statFailing bool
}

// fileStamp is what tells a changed file from the one already read.
type fileStamp struct {
	mod  time.Time
	size int64
}

func stamp(path string) (fileStamp, error) {
	st, err := os.Stat(path)
	if err != nil {
		return fileStamp{}, err
	}
	return fileStamp{mod: st.ModTime(), size: st.Size()}, nil
}

// newKeyPair reads the pair once; at start, any problem is an error.
func newKeyPair(certFile, keyFile string, log *slog.Logger) (*keyPair, error) {
	k := &keyPair{certFile: certFile, keyFile: keyFile, log: log}
	stamps, err := k.stamps()
	if err != nil {
		return nil, err
	}
	cert, err := k.load()
	if err != nil {
		return nil, err
	}
	k.cert, k.loaded = cert, stamps
	names, notAfter := certLifetime(cert)
	log.Info("serving the certificate from files", slog.String("cert_file", certFile), slog.Any("names", names),
		slog.Time("not_after", notAfter))
	if time.Now().After(notAfter) {
		log.Warn("the certificate has expired: browsers will refuse it", slog.String("cert_file", certFile), slog.Time("not_after", notAfter))
	}
	return k, nil
}

func (k *keyPair) stamps() ([2]fileStamp, error) {
	c, err := stamp(k.certFile)
	if err != nil {
		return [2]fileStamp{}, fmt.Errorf("tls certificate file: %w", err)
	}
	key, err := stamp(k.keyFile)
	if err != nil {
		return [2]fileStamp{}, fmt.Errorf("tls key file: %w", err)
	}
	return [2]fileStamp{c, key}, nil
}

// load reads and checks the pair: the key private to the hub's user and
// group, the certificate matching it.
func (k *keyPair) load() (*tls.Certificate, error) {
	if err := checkKeyFile(k.keyFile); err != nil {
		return nil, err
	}
	cert, err := tls.LoadX509KeyPair(k.certFile, k.keyFile)
	if err != nil {
		return nil, fmt.Errorf("tls certificate %s with key %s: %w", k.certFile, k.keyFile, err)
	}
	return &cert, nil
}

// checkKeyFile refuses a key that every user of the machine may read or
// write: whoever reads it can impersonate the hub. Group access is allowed,
// since a key is often shared with the service through its group
// (root:cityhub 0640, or Debian's ssl-cert group).
func checkKeyFile(path string) error {
	if runtime.GOOS == "windows" {
		return nil // permissions are ACLs there, not mode bits
	}
	st, err := os.Stat(path)
	if err != nil {
		return fmt.Errorf("tls key file: %w", err)
	}
	if perm := st.Mode().Perm(); perm&0o007 != 0 {
		return fmt.Errorf("tls key file %s is open to every user (mode %04o); refusing it: run chmod 600 %s (or 640 for the hub's group)",
			path, perm, path)
	}
	return nil
}

// get is the HTTPS server's GetCertificate.
func (k *keyPair) get(*tls.ClientHelloInfo) (*tls.Certificate, error) {
	k.mu.Lock()
	defer k.mu.Unlock()
	stamps, err := k.stamps()
	if err != nil {
		// A renewal tool replacing the files may leave a moment without
		// one; the pair in memory still serves.
		if !k.statFailing {
			k.log.Error("tls: cannot look at the certificate files; serving the last good pair", slog.Any("err", err))
			k.statFailing = true
		}
		return k.cert, nil
	}
	k.statFailing = false
	if stamps == k.loaded || stamps == k.failed {
		return k.cert, nil
	}
	cert, err := k.load()
	if err != nil {
		k.failed = stamps
		k.log.Error("tls: the changed certificate files do not load; serving the last good pair", slog.Any("err", err))
		return k.cert, nil
	}
	k.cert, k.loaded, k.failed = cert, stamps, [2]fileStamp{}
	names, notAfter := certLifetime(cert)
	k.log.Info("tls: the changed certificate is served", slog.String("cert_file", k.certFile), slog.Any("names", names),
		slog.Time("not_after", notAfter))
	return cert, nil
}
