// Package packaging holds the Debian package's files (nfpm.yaml, the unit,
// the environment file, the maintainer scripts) and their tests.
package packaging

import (
	"bufio"
	"bytes"
	"context"
	"crypto/tls"
	"crypto/x509"
	"io"
	"net"
	"net/http"
	"os"
	"os/exec"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	"cityhub/internal/testutil"
	"cityhub/tlsserve/tlstest"
)

// TestDebianPackage builds the package, installs it on this machine with
// dpkg -i, checks its files, user and unit, starts the installed binary as
// the installed user with the installed environment file, purges it and
// checks that the purge left nothing behind. It changes the machine while it
// runs (a user, /usr/bin/cityhub), so it runs only with
// CITYHUB_TEST_PACKAGE=1, as root, where dpkg exists; scripts/test sets it
// there. It never touches a machine where cityhub is already installed.
func TestDebianPackage(t *testing.T) {
	requireDisposableMachine(t)
	start := time.Now()
	// Registered first, so it runs after the purge below.
	t.Cleanup(func() {
		t.Logf("built, installed, checked and purged in %v", time.Since(start).Round(100*time.Millisecond))
	})
	deb := buildPackage(t, "")
	st, err := os.Stat(deb)
	if err != nil {
		t.Fatal(err)
	}
	t.Logf("%s: %.1f MB", deb, float64(st.Size())/1e6)
	t.Logf("contents:\n%s", mustRun(t, "dpkg-deb", "-c", deb))

	mustRun(t, "dpkg", "-i", deb)
	t.Cleanup(func() {
		if out, err := exec.Command("dpkg", "--purge", "cityhub").CombinedOutput(); err != nil {
			t.Errorf("dpkg --purge: %v\n%s", err, out)
		}
		// Purging keeps the data by design (postremove.sh); the test's
		// own is removed here.
		os.RemoveAll("/var/lib/cityhub")
		for _, path := range []string{"/usr/bin/cityhub", "/etc/cityhub", "/usr/lib/systemd/system/cityhub.service", "/usr/share/doc/cityhub"} {
			if _, err := os.Stat(path); err == nil {
				t.Errorf("%s is still there after dpkg --purge", path)
			}
		}
		for _, db := range []string{"passwd", "group"} {
			if out, err := exec.Command("getent", db, "cityhub").Output(); err == nil {
				t.Errorf("dpkg --purge left the %s entry %s", db, out)
			}
		}
	})
	for path, mode := range map[string]os.FileMode{
		"/usr/bin/cityhub":                        0o755,
		"/etc/cityhub/cityhub.env":                0o640,
		"/usr/lib/systemd/system/cityhub.service": 0o644,
		"/var/lib/cityhub":                        os.ModeDir | 0o700,
		"/usr/share/doc/cityhub":                  os.ModeDir | 0o755,
		"/usr/share/doc/cityhub/README.md":        0o644,
		"/usr/share/doc/cityhub/copyright":        0o644,
		"/usr/share/doc/cityhub/licenses":         os.ModeDir | 0o755,
	} {
		st, err := os.Stat(path)
		if err != nil {
			t.Errorf("%s: %v", path, err)
			continue
		}
		if st.Mode()&(os.ModeDir|os.ModePerm) != mode {
			t.Errorf("%s: mode %v, want %v", path, st.Mode(), mode)
		}
	}
	if out := mustRun(t, "getent", "passwd", "cityhub"); !strings.Contains(out, "/usr/sbin/nologin") {
		t.Errorf("the cityhub user may log in: %s", out)
	}
	// What the unit's Documentation= names is there, and the README is
	// this one.
	for _, doc := range documentation(t) {
		if _, err := os.Stat(doc); err != nil {
			t.Errorf("the unit's Documentation=file://%s: %v", doc, err)
		}
	}
	if shipped, _ := os.ReadFile("/usr/share/doc/cityhub/README.md"); !bytes.Equal(shipped, mustRead(t, "../README.md")) {
		t.Error("/usr/share/doc/cityhub/README.md differs from README.md")
	}
	if licences, err := os.ReadDir("/usr/share/doc/cityhub/licenses"); err != nil || len(licences) == 0 {
		t.Errorf("the embedded files' licences: %d files, %v", len(licences), err)
	}
	// The shipped env file is the tested one.
	shipped, _ := os.ReadFile("/etc/cityhub/cityhub.env")
	ours, _ := os.ReadFile("cityhub.env")
	if string(shipped) != string(ours) {
		t.Error("/etc/cityhub/cityhub.env differs from packaging/cityhub.env")
	}
	if _, err := exec.LookPath("systemd-analyze"); err == nil {
		mustRun(t, "systemd-analyze", "verify", "/usr/lib/systemd/system/cityhub.service")
		if out, err := exec.Command("systemd-analyze", "security", "--offline=true", "/usr/lib/systemd/system/cityhub.service").CombinedOutput(); err == nil {
			t.Logf("systemd-analyze security: %s", lastLine(string(out)))
			// The README gives 1.5 (systemd 252); other versions weigh a
			// little differently, so the bound leaves room, but a unit
			// that lost its hardening is well above it.
			m := regexp.MustCompile(`Overall exposure level for cityhub\.service: (\d+\.\d+)`).FindStringSubmatch(string(out))
			if m == nil {
				t.Errorf("systemd-analyze security gave no exposure level:\n%s", out)
			} else if level, _ := strconv.ParseFloat(m[1], 64); level > 2.0 {
				t.Errorf("systemd-analyze security rates the unit's exposure %s, want at most 2.0 (README: 1.5)", m[1])
			}
		} else {
			t.Logf("systemd-analyze security (offline) unavailable: %v", err)
		}
	} else {
		t.Log("systemd-analyze is not installed: the unit was not verified")
	}

	// The installed binary, as the installed user, with the installed
	// environment file (as systemd would read it) and the unit's data dir.
	_, stop := startInstalled(t)
	stop()
	if st, err := os.Stat("/var/lib/cityhub/cityhub.db"); err != nil || st.Mode().Perm() != 0o600 {
		t.Errorf("the database the installed hub made: %v %v, want 0600", st, err)
	}
	serveHTTPSOn443(t)
}

// requireDisposableMachine skips the test unless CITYHUB_TEST_PACKAGE asks
// for the package tests, and fails it unless they can run here (root,
// dpkg). A machine where cityhub is installed, or where its user, group or
// data directory exist, is skipped: the tests' purge and clean-up would
// remove a real installation's package, user and data, so they refuse
// rather than guess.
func requireDisposableMachine(t *testing.T) {
	t.Helper()
	if v := os.Getenv("CITYHUB_TEST_PACKAGE"); v == "" || v == "0" {
		t.Skip("installs a package on this machine: set CITYHUB_TEST_PACKAGE=1 (as root, on Debian)")
	}
	if os.Geteuid() != 0 {
		t.Fatal("CITYHUB_TEST_PACKAGE needs root")
	}
	if _, err := exec.LookPath("dpkg"); err != nil {
		t.Fatal("CITYHUB_TEST_PACKAGE needs dpkg")
	}
	if out, err := exec.Command("dpkg-query", "-W", "-f=${db:Status-Status}", "cityhub").Output(); err == nil && strings.TrimSpace(string(out)) != "not-installed" {
		t.Skipf("the cityhub package is on this machine (%s): the test would replace and purge it", out)
	}
	for _, db := range []string{"passwd", "group"} {
		if err := exec.Command("getent", db, "cityhub").Run(); err == nil {
			t.Skipf("this machine has a cityhub %s entry: the test's purge would delete it", db)
		}
	}
	if _, err := os.Stat("/var/lib/cityhub"); err == nil {
		t.Skip("/var/lib/cityhub exists: the test would delete it")
	}
}

// buildPackage runs scripts/package, with VERSION set when version is not
// empty (else the package takes the git description), and returns the
// .deb's path.
func buildPackage(t *testing.T, version string) string {
	t.Helper()
	cmd := exec.Command("../scripts/package")
	cmd.Env = os.Environ()
	if version != "" {
		cmd.Env = append(cmd.Env, "VERSION="+version)
	}
	out, err := cmd.CombinedOutput()
	if err != nil {
		t.Fatalf("scripts/package (VERSION=%q): %v\n%s", version, err, out)
	}
	return "../" + strings.TrimSpace(lastLine(string(out)))
}

// startInstalled starts the installed binary as systemd would start the
// unit: as the installed user, with the installed environment file and the
// unit's data directory, listening on free loopback ports (env adds
// settings after the file's). It returns once /readyz answers 200, with
// the hub's URL and a stop that interrupts it and fails the test unless it
// stops cleanly.
func startInstalled(t *testing.T, env ...string) (string, func()) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 90*time.Second)
	// Kills the hub if the test ends before stop (a failed start).
	t.Cleanup(cancel)
	// The file is read first; the unit's data directory and the test's
	// free ports come after it, whatever it says.
	script := "set -a; . /etc/cityhub/cityhub.env; CITYHUB_DATA_DIR=/var/lib/cityhub; " +
		"CITYHUB_HTTP_ADDR=127.0.0.1:0; CITYHUB_MQTT_BROKER_ADDR=127.0.0.1:0"
	for _, kv := range env {
		script += "; " + kv
	}
	cmd := exec.CommandContext(ctx, "setpriv", "--reuid=cityhub", "--regid=cityhub", "--init-groups", "--",
		"sh", "-c", script+"; exec /usr/bin/cityhub serve")
	cmd.Env = []string{"PATH=/usr/bin:/bin"}
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	var stderr strings.Builder
	cmd.Stderr = &stderr
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	listening := regexp.MustCompile(`listening on (http://\S+)`)
	sc := bufio.NewScanner(stdout)
	url := ""
	for sc.Scan() {
		if m := listening.FindStringSubmatch(sc.Text()); m != nil {
			url = m[1]
			break
		}
	}
	if url == "" {
		cmd.Wait()
		t.Fatalf("the installed hub did not start:\n%s", stderr.String())
	}
	// The rest of stdout is read to its end before Wait, which closes it.
	drained := make(chan struct{})
	go func() { io.Copy(io.Discard, stdout); close(drained) }()
	stop := func() {
		t.Helper()
		cmd.Process.Signal(os.Interrupt)
		<-drained
		if err := cmd.Wait(); err != nil {
			t.Errorf("the installed hub stopped with %v:\n%s", err, stderr.String())
		}
	}
	// The hub listens before it is ready (its broker and outbox start
	// after): it must become ready, not be ready at once.
	testutil.Eventually(t, 30*time.Second, "the installed hub's /readyz answers 200", func() bool {
		code, _, err := get(http.DefaultClient, url+"/readyz")
		return err == nil && code == http.StatusOK
	})
	return url, stop
}

// serveHTTPSOn443 starts the installed binary as the installed user with
// only the capability the unit grants (setpriv's ambient set standing in
// for systemd's), serving HTTPS on 127.0.0.1:443 from certificate files,
// and checks that it answers there. Skipped when something else holds the
// port.
func serveHTTPSOn443(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:443")
	if err != nil {
		t.Logf("127.0.0.1:443 is taken (%v): the HTTPS start is not tried", err)
		return
	}
	ln.Close()
	dir, err := os.MkdirTemp("", "cityhub-tls")
	if err != nil {
		t.Fatal(err)
	}
	defer os.RemoveAll(dir)
	certFile, keyFile, _ := tlstest.WriteCertificate(t, dir, "hub.cityhub.test", 0o640)
	for _, p := range []string{dir, certFile, keyFile} {
		mustRun(t, "chgrp", "cityhub", p)
	}
	if err := os.Chmod(dir, 0o750); err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	cmd := exec.CommandContext(ctx, "setpriv", "--reuid=cityhub", "--regid=cityhub", "--init-groups",
		"--inh-caps=+net_bind_service", "--ambient-caps=+net_bind_service", "--bounding-set=-all,+net_bind_service", "--",
		"sh", "-c", "set -a; . /etc/cityhub/cityhub.env; exec /usr/bin/cityhub serve")
	cmd.Env = []string{"PATH=/usr/bin:/bin", "CITYHUB_DATA_DIR=/var/lib/cityhub",
		"CITYHUB_HTTP_ADDR=127.0.0.1:0", "CITYHUB_MQTT_BROKER_ADDR=127.0.0.1:0",
		"CITYHUB_HTTPS_ADDR=127.0.0.1:443", "CITYHUB_PUBLIC_URL=https://hub.cityhub.test",
		"CITYHUB_TLS_CERT_FILE=" + certFile, "CITYHUB_TLS_KEY_FILE=" + keyFile}
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	var stderr strings.Builder
	cmd.Stderr = &stderr
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	sc := bufio.NewScanner(stdout)
	started := false
	for sc.Scan() {
		if strings.Contains(sc.Text(), "HTTPS on 127.0.0.1:443") {
			started = true
			break
		}
	}
	if !started {
		cmd.Wait()
		t.Fatalf("the installed hub did not serve HTTPS on :443:\n%s", stderr.String())
	}
	go io.Copy(io.Discard, stdout)
	// The certificate's name, resolved to 127.0.0.1, trusting only it.
	pemBytes, err := os.ReadFile(certFile)
	if err != nil {
		t.Fatal(err)
	}
	roots := x509.NewCertPool()
	roots.AppendCertsFromPEM(pemBytes)
	client := &http.Client{Timeout: 10 * time.Second, Transport: &http.Transport{
		TLSClientConfig: &tls.Config{RootCAs: roots},
		DialContext: func(ctx context.Context, network, _ string) (net.Conn, error) {
			return (&net.Dialer{}).DialContext(ctx, network, "127.0.0.1:443")
		},
	}}
	// It serves before it is ready: /readyz answers 503 until its database
	// and its broker client answer, which on a loaded machine (the whole
	// suite running) came a moment after.
	code, hsts, err := get(client, "https://hub.cityhub.test/readyz")
	for deadline := time.Now().Add(30 * time.Second); err == nil && code == http.StatusServiceUnavailable && time.Now().Before(deadline); {
		time.Sleep(100 * time.Millisecond)
		code, hsts, err = get(client, "https://hub.cityhub.test/readyz")
	}
	if err != nil || code != http.StatusOK || !strings.HasPrefix(hsts, "max-age=") {
		t.Errorf("https://hub.cityhub.test/readyz on :443 answered %d, HSTS %q, %v: want 200 with HSTS", code, hsts, err)
	} else {
		t.Logf("the installed hub, as cityhub with CAP_NET_BIND_SERVICE alone, served HTTPS on 127.0.0.1:443: %d %s", code, hsts)
	}
	cmd.Process.Signal(os.Interrupt)
	if err := cmd.Wait(); err != nil {
		t.Errorf("the installed hub stopped with %v:\n%s", err, stderr.String())
	}
}

// get fetches url and returns its status and Strict-Transport-Security
// header, reading the body to the end.
func get(client *http.Client, url string) (int, string, error) {
	resp, err := client.Get(url)
	if err != nil {
		return 0, "", err
	}
	defer resp.Body.Close()
	_, err = io.Copy(io.Discard, resp.Body)
	return resp.StatusCode, resp.Header.Get("Strict-Transport-Security"), err
}

func mustRead(t *testing.T, path string) []byte {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func mustRun(t *testing.T, name string, args ...string) string {
	t.Helper()
	out, err := exec.Command(name, args...).CombinedOutput()
	if err != nil {
		t.Fatalf("%s %s: %v\n%s", name, strings.Join(args, " "), err, out)
	}
	return string(out)
}

func lastLine(s string) string {
	lines := strings.Split(strings.TrimSpace(s), "\n")
	return lines[len(lines)-1]
}
