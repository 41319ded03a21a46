package main

import (
	"context"
	"net"
	"regexp"
	"strings"
	"testing"
	"time"

	"cityhub/internal/testutil"
	"cityhub/tlsserve/tlstest"
)

// cityhub check tries the addresses serve listens on: the embedded
// broker's, the HTTP one and, serving HTTPS itself, the HTTPS one. Taken
// (by another program, or by this hub already running), each is a WARN
// naming it, where check used to say "ok" and serve then failed; free,
// they are ok.
func TestCheckWarnsOfTakenAddresses(t *testing.T) {
	t.Parallel()
	var taken []string
	for range 3 {
		ln, err := net.Listen("tcp", "127.0.0.1:0")
		if err != nil {
			t.Fatal(err)
		}
		defer ln.Close()
		taken = append(taken, ln.Addr().String())
	}
	free := func() string {
		ln, err := net.Listen("tcp", "127.0.0.1:0")
		if err != nil {
			t.Fatal(err)
		}
		defer ln.Close()
		return ln.Addr().String()
	}
	const host = "hub.comune.benevento.it"
	cert, key, _ := tlstest.WriteCertificate(t, t.TempDir(), host, 0o600)
	env := func(broker, http, https string) map[string]string {
		return map[string]string{
			"CITYHUB_DATA_DIR":         t.TempDir(),
			"CITYHUB_MQTT_BROKER_ADDR": broker,
			"CITYHUB_HTTP_ADDR":        http,
			"CITYHUB_HTTPS_ADDR":       https,
			"CITYHUB_TLS_CERT_FILE":    cert,
			"CITYHUB_TLS_KEY_FILE":     key,
			"CITYHUB_PUBLIC_URL":       "https://" + host,
		}
	}
	line := func(out, name string) (mark, detail string) {
		m := regexp.MustCompile(`(?m)^(ok  |FAIL|WARN)  ` + name + `\s+(.*)$`).FindStringSubmatch(out)
		if m == nil {
			t.Fatalf("no %s line:\n%s", name, out)
		}
		return m[1], m[2]
	}
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()

	var out testutil.Buffer
	if err := run(ctx, []string{"check"}, testGetenv(env(taken[0], taken[1], taken[2])), &out, &testutil.Buffer{}); err != nil {
		t.Fatalf("check with taken addresses failed (a warning does not fail it): %v\n%s", err, out.String())
	}
	if mark, detail := line(out.String(), "broker"); mark != "WARN" || !strings.Contains(detail, taken[0]+" is taken") || !strings.Contains(detail, "unless it is this hub already running") {
		t.Errorf("broker line %s %q; want WARN saying %s is taken", mark, detail, taken[0])
	}
	mark, detail := line(out.String(), "listen")
	if mark != "WARN" {
		t.Errorf("listen line %s %q; want WARN", mark, detail)
	}
	for _, a := range []string{"HTTP " + taken[1] + " is taken", "HTTPS " + taken[2] + " is taken"} {
		if !strings.Contains(detail, a) {
			t.Errorf("listen line %q does not say %q", detail, a)
		}
	}

	out = testutil.Buffer{}
	b, h, s := free(), free(), free()
	if err := run(ctx, []string{"check"}, testGetenv(env(b, h, s)), &out, &testutil.Buffer{}); err != nil {
		t.Fatalf("check: %v\n%s", err, out.String())
	}
	if mark, detail := line(out.String(), "broker"); mark != "ok  " || !strings.Contains(detail, "the hub starts it on "+b) {
		t.Errorf("broker line on a free address: %s %q", mark, detail)
	}
	if mark, detail := line(out.String(), "listen"); mark != "ok  " || !strings.Contains(detail, "HTTP "+h+" is free") || !strings.Contains(detail, "HTTPS "+s+" is free") {
		t.Errorf("listen line on free addresses: %s %q", mark, detail)
	}
}
