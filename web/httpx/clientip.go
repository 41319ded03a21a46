package httpx

import (
	"cityhub/audit"
	"net"
	"net/http"
	"net/netip"
	"strings"
)

// ClientIP is the address of the person calling, as the observe middleware
// worked it out (see Proxies.PeerIP); rate limits and the audit log use it.
func ClientIP(r *http.Request) string {
	if o := audit.OriginFrom(r.Context()); o.IP != "" {
		return o.IP
	}
	return RemoteHost(r)
}

// RemoteHost is the host of the TCP peer.
func RemoteHost(r *http.Request) string {
	host, _, err := net.SplitHostPort(r.RemoteAddr)
	if err != nil {
		return r.RemoteAddr
	}
	return host
}

// Proxies are the load balancers whose X-Forwarded-For the hub believes.
type Proxies []netip.Prefix

// PeerIP is the TCP peer, unless the peer is one of the configured trusted
// proxies: then X-Forwarded-For is read from the right, skipping trusted
// proxies, and the first address not ours is the client. Without trusted
// proxies the header is ignored, since anyone can write it.
func (s Proxies) PeerIP(r *http.Request) string {
	peer := RemoteHost(r)
	if len(s) == 0 || !s.trusted(peer) {
		return peer
	}
	hops := strings.Split(strings.Join(r.Header.Values("X-Forwarded-For"), ","), ",")
	for i := len(hops) - 1; i >= 0; i-- {
		hop := strings.TrimSpace(hops[i])
		addr, err := netip.ParseAddr(hop)
		if err != nil {
			return peer // a garbled chain: trust only what we saw ourselves
		}
		if !s.trusted(addr.String()) {
			return addr.Unmap().String()
		}
	}
	return peer
}

func (s Proxies) trusted(ip string) bool {
	addr, err := netip.ParseAddr(ip)
	if err != nil {
		return false
	}
	addr = addr.Unmap()
	for _, p := range s {
		if p.Contains(addr) {
			return true
		}
	}
	return false
}
