package mqtt

import (
	"net"
	"strings"
	"testing"
	"time"
)

// The reason a broker is out of reach names a closed port as such, and an
// open one as open.
func TestUnreachableReason(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := ln.Addr().String()
	if r := unreachableReason("tcp://"+addr, time.Second); !strings.Contains(r, "accepts connections") {
		t.Errorf("open port: %q", r)
	}
	ln.Close()
	if r := unreachableReason("tcp://"+addr, time.Second); !strings.Contains(r, "refused") {
		t.Errorf("closed port: %q, want connection refused", r)
	}
}
