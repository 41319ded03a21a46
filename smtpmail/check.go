package smtpmail

import (
	"context"
	"crypto/tls"
	"fmt"
)

// Probe is what Check found on the server.
type Probe struct {
	// TLS is the session's TLS version ("TLS 1.3"), empty when the
	// session is not encrypted (tls=none, or tls=opportunistic on a server
	// that does not offer STARTTLS).
	TLS string
	// User is who the session authenticated as, empty without one.
	User string
}

// Check does what a delivery does before its first message and nothing
// more: connects, says EHLO, starts TLS and authenticates as the URL says,
// then quits. No message is sent. It is cityhub check's SMTP line.
func (t *Transport) Check(ctx context.Context) (Probe, error) {
	var p Probe
	c, err := newClient(t)
	if err != nil {
		return p, err
	}
	sc, err := t.dial(ctx, c)
	if err != nil {
		return p, fmt.Errorf("%s: %w", t.redacted, err)
	}
	if st, ok := sc.TLSConnectionState(); ok && st.HandshakeComplete {
		p.TLS = tls.VersionName(st.Version)
	}
	p.User = t.user
	if err := c.CloseWithSMTPClient(sc); err != nil {
		return p, fmt.Errorf("%s: quit: %w", t.redacted, err)
	}
	return p, nil
}
