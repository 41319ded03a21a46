package mqtt

import (
	"net"
	"net/url"
	"time"
)

// unreachableReason says why a broker the client could not reach in time
// may be out of reach, from one TCP dial of its address: the client retries
// in the background and keeps its own errors, and "not reachable" alone
// leaves the operator guessing between a closed port, a wrong name and a
// refused login.
func unreachableReason(rawURL string, timeout time.Duration) string {
	u, err := url.Parse(rawURL)
	if err != nil {
		return "the broker URL does not parse"
	}
	port := u.Port()
	if port == "" {
		switch u.Scheme {
		case "ws":
			port = "80"
		case "wss":
			port = "443"
		default:
			port = "1883"
		}
	}
	conn, err := net.DialTimeout("tcp", net.JoinHostPort(u.Hostname(), port), timeout)
	if err != nil {
		return err.Error()
	}
	conn.Close()
	return "the broker's port accepts connections, but the MQTT connection did not complete: check the TLS settings, the user and password, and the broker's log"
}
