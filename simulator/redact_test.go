package simulator

import (
	"context"
	"net"
	"strings"
	"testing"
)

// A broker that does not answer is named in the error without the password
// of its URL.
func TestBrokerErrorHidesPassword(t *testing.T) {
	t.Parallel()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := l.Addr().String()
	l.Close() // nothing listens there: the station retries until the deadline
	sim := New(Config{URL: "tcp://station:S3cretPW@" + addr, Root: "cityhub/v1", Stations: Layout("bn", 1, 4)})
	err = sim.Start(context.Background())
	if err == nil {
		sim.Close()
		t.Fatal("Start against a closed port succeeded")
	}
	if strings.Contains(err.Error(), "S3cretPW") || !strings.Contains(err.Error(), "did not answer") {
		t.Fatalf("Start = %v; want the broker named without its password", err)
	}
}
