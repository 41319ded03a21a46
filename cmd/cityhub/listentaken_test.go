package main

import (
	"context"
	"io"
	"net"
	"strings"
	"testing"
	"time"
)

// serve on an HTTP address another program holds says which setting to
// change, as the embedded broker's taken address does, where it said only
// "bind: address already in use".
func TestServeNamesTheTakenHTTPAddress(t *testing.T) {
	t.Parallel()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	env := map[string]string{"CITYHUB_DATA_DIR": t.TempDir(), "CITYHUB_HTTP_ADDR": ln.Addr().String(), "CITYHUB_MQTT_BROKER_ADDR": "127.0.0.1:0"}
	ctx, cancel := context.WithTimeout(t.Context(), 30*time.Second)
	defer cancel()
	err = run(ctx, []string{"serve"}, testGetenv(env), io.Discard, io.Discard)
	if err == nil || !strings.Contains(err.Error(), ln.Addr().String()+" is taken") || !strings.Contains(err.Error(), "CITYHUB_HTTP_ADDR") {
		t.Fatalf("serve on a taken address: %v, want it taken, naming CITYHUB_HTTP_ADDR", err)
	}
	err = run(ctx, []string{"serve", "-http-addr", ln.Addr().String()}, testGetenv(env), io.Discard, io.Discard)
	if err == nil || !strings.Contains(err.Error(), "-http-addr") {
		t.Fatalf("serve -http-addr on a taken address: %v, want it naming -http-addr", err)
	}
}
