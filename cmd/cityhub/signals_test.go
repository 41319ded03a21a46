package main

import (
	"bufio"
	"errors"
	"io"
	"net"
	"os"
	"os/exec"
	"regexp"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"
)

// signalHubEnv marks the test binary re-run as a hub stopped by signals.
const signalHubEnv = "CITYHUB_TEST_SIGNAL_HUB"

// TestSignalHub is not a test: it is the hub process that
// TestSecondInterruptStopsAtOnce starts (this test binary run again), with
// main's handling of signals.
func TestSignalHub(t *testing.T) {
	if os.Getenv(signalHubEnv) != "1" {
		t.Skip("run as a child hub process only")
	}
	runMain([]string{"serve"}, withTestHashCost(os.LookupEnv), os.Stdout, os.Stderr, os.Exit)
}

// The first Ctrl-C stops the hub after its requests in flight, however
// long they take (up to the shutdown timeout, a minute here); a second one
// stops it at once, with status 1 and a line saying so.
func TestSecondInterruptStopsAtOnce(t *testing.T) {
	t.Parallel()
	if testing.Short() {
		t.Skip("starts a hub as a child process")
	}
	child := exec.Command(os.Args[0], "-test.run=^TestSignalHub$")
	child.Env = append(os.Environ(), signalHubEnv+"=1", "CITYHUB_DATA_DIR="+t.TempDir(), "CITYHUB_HTTP_ADDR=127.0.0.1:0",
		"CITYHUB_MQTT_BROKER_ADDR=127.0.0.1:0", "CITYHUB_SHUTDOWN_TIMEOUT=60s", "CITYHUB_LOG_LEVEL=warn")
	out, err := child.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	errOut, err := child.StderrPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := child.Start(); err != nil {
		t.Fatal(err)
	}
	defer child.Process.Kill()
	listening := make(chan string, 1)
	go func() {
		re := regexp.MustCompile(`listening on http://(\S+)`)
		sc := bufio.NewScanner(out)
		for sc.Scan() {
			if m := re.FindStringSubmatch(sc.Text()); m != nil {
				listening <- m[1]
			}
		}
	}()
	lines := make(chan string, 16)
	go func() {
		sc := bufio.NewScanner(errOut)
		for sc.Scan() {
			lines <- sc.Text()
		}
		close(lines)
	}()
	waitLine := func(what string, re *regexp.Regexp) {
		t.Helper()
		deadline := time.After(30 * time.Second)
		for {
			select {
			case l, ok := <-lines:
				if !ok {
					t.Fatalf("the hub ended before %s", what)
				}
				if re.MatchString(l) {
					return
				}
			case <-deadline:
				t.Fatalf("the hub did not say %s", what)
			}
		}
	}
	var addr string
	select {
	case addr = <-listening:
	case <-time.After(60 * time.Second):
		t.Fatal("the hub did not start")
	}
	// A request in flight the hub will wait for: half a login's body.
	conn, err := net.Dial("tcp", addr)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	body := `{"email":"nobody@example.org","password":"not the password"}`
	if _, err := io.WriteString(conn, "POST /api/v1/auth/login HTTP/1.1\r\nHost: hub\r\nContent-Type: application/json\r\n"+
		"Expect: 100-continue\r\nContent-Length: "+strconv.Itoa(len(body))+"\r\n\r\n"+body[:10]); err != nil {
		t.Fatal(err)
	}
	if err := conn.SetReadDeadline(time.Now().Add(30 * time.Second)); err != nil {
		t.Fatal(err)
	}
	if l, err := bufio.NewReader(conn).ReadString('\n'); err != nil || !strings.Contains(l, "100 Continue") {
		t.Fatalf("the login handler did not start reading the body: %q %v", l, err)
	}

	if err := child.Process.Signal(syscall.SIGINT); err != nil {
		t.Fatal(err)
	}
	waitLine("that it stops after the requests in flight", regexp.MustCompile(`interrupt: stopping after the requests in flight`))
	if err := child.Process.Signal(syscall.SIGINT); err != nil {
		t.Fatal(err)
	}
	waitLine("that it stops at once", regexp.MustCompile(`interrupt again: stopping at once`))
	// Wait only now: it closes the pipes once the child has exited, and a
	// line the child wrote just before exiting, not read yet, would be lost.
	exited := make(chan error, 1)
	go func() { exited <- child.Wait() }()
	select {
	case err := <-exited:
		var ee *exec.ExitError
		if !errors.As(err, &ee) || ee.ExitCode() != 1 {
			t.Fatalf("after the second interrupt: %v, want exit status 1", err)
		}
	case <-time.After(10 * time.Second):
		t.Fatal("the hub did not stop at once on the second interrupt")
	}
}
