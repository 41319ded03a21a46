package httpx

import (
	"net/http/httptest"
	"net/netip"
	"testing"
)

func TestPeerIPTrustsOnlyConfiguredProxies(t *testing.T) {
	proxies := []netip.Prefix{netip.MustParsePrefix("10.0.0.0/8"), netip.MustParsePrefix("::1/128")}
	for _, tc := range []struct {
		name    string
		proxies []netip.Prefix
		remote  string
		xff     []string
		want    string
	}{
		{"no proxies configured: header ignored", nil, "203.0.113.9:5000", []string{"198.51.100.1"}, "203.0.113.9"},
		{"untrusted peer: header ignored", proxies, "203.0.113.9:5000", []string{"198.51.100.1"}, "203.0.113.9"},
		{"trusted proxy: client from the header", proxies, "10.1.2.3:5000", []string{"198.51.100.1"}, "198.51.100.1"},
		{"spoofed left entries are skipped", proxies, "10.1.2.3:5000", []string{"1.1.1.1, 198.51.100.1"}, "198.51.100.1"},
		{"chain of trusted proxies", proxies, "10.1.2.3:5000", []string{"198.51.100.1, 10.9.9.9"}, "198.51.100.1"},
		{"several header lines", proxies, "10.1.2.3:5000", []string{"198.51.100.7", "10.4.4.4"}, "198.51.100.7"},
		{"garbled hop: the peer", proxies, "10.1.2.3:5000", []string{"not-an-ip"}, "10.1.2.3"},
		{"only proxies: the peer", proxies, "10.1.2.3:5000", []string{"10.5.5.5"}, "10.1.2.3"},
		{"no header: the peer", proxies, "10.1.2.3:5000", nil, "10.1.2.3"},
		{"IPv6 loopback proxy", proxies, "[::1]:5000", []string{"2001:db8::5"}, "2001:db8::5"},
		{"IPv4-mapped client", proxies, "10.1.2.3:5000", []string{"::ffff:198.51.100.2"}, "198.51.100.2"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			r := httptest.NewRequest("GET", "/", nil)
			r.RemoteAddr = tc.remote
			for _, v := range tc.xff {
				r.Header.Add("X-Forwarded-For", v)
			}
			if got := Proxies(tc.proxies).PeerIP(r); got != tc.want {
				t.Errorf("peerIP = %q, want %q", got, tc.want)
			}
		})
	}
}
