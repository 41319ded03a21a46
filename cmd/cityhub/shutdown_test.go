package main

import (
	"bufio"
	"cityhub/internal/testutil"
	"context"
	"io"
	"net"
	"net/http"
	"strconv"
	"strings"
	"testing"
	"time"
)

// On SIGTERM the hub stops taking new connections but finishes a request
// that is already being handled, then exits cleanly.
func TestShutdownFinishesInFlightRequests(t *testing.T) {
	t.Parallel()
	env := map[string]string{"CITYHUB_DATA_DIR": t.TempDir(), "CITYHUB_HTTP_ADDR": "127.0.0.1:0", "CITYHUB_MQTT_BROKER_ADDR": "127.0.0.1:0"}
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	stdout, logs := &testutil.Buffer{}, &testutil.Buffer{}
	done := make(chan error, 1)
	go func() {
		done <- run(ctx, []string{"serve"}, testGetenv(env), stdout, logs)
	}()
	var url string
	for deadline := time.Now().Add(60 * time.Second); url == ""; {
		if time.Now().After(deadline) {
			t.Fatal("hub did not start")
		}
		if i := strings.Index(stdout.String(), "listening on "); i >= 0 {
			url = strings.Fields(stdout.String()[i+len("listening on "):])[0]
		}
		time.Sleep(20 * time.Millisecond)
	}
	conn, err := net.Dial("tcp", strings.TrimPrefix(url, "http://"))
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	body := `{"email":"nobody@example.org","password":"not the password"}`
	// Half the body. The server answers "100 Continue" when the login
	// handler first reads the body: from then on the handler is running,
	// waiting for the rest.
	if _, err := io.WriteString(conn, "POST /api/v1/auth/login HTTP/1.1\r\nHost: hub\r\nContent-Type: application/json\r\n"+
		"Expect: 100-continue\r\nContent-Length: "+strconv.Itoa(len(body))+"\r\n\r\n"+body[:10]); err != nil {
		t.Fatal(err)
	}
	answers := bufio.NewReader(conn)
	// A stalled hub fails the test instead of hanging it.
	if err := conn.SetReadDeadline(time.Now().Add(testutil.MinWait)); err != nil {
		t.Fatal(err)
	}
	if resp, err := http.ReadResponse(answers, nil); err != nil || resp.StatusCode != http.StatusContinue {
		t.Fatalf("the login handler did not start reading the body: %v %v", resp, err)
	}
	cancel() // what SIGTERM does in main
	// The hub is shutting down once it says so and its listener refuses new
	// connections; with the request still in flight it must not have exited.
	// The rest of the body is sent as soon as it is: the server's
	// ReadTimeout (15 s, web.HTTPServer) counts from the request's start.
	addr := strings.TrimPrefix(url, "http://")
	testutil.Eventually(t, 30*time.Second, "the hub shutting down and refusing new connections", func() bool {
		if !strings.Contains(logs.String(), "shutting down") {
			return false
		}
		c, err := net.DialTimeout("tcp", addr, time.Second)
		if err == nil {
			c.Close()
		}
		return err != nil
	})
	select {
	case err := <-done:
		t.Fatalf("hub exited with a request in flight: %v", err)
	default:
	}
	if _, err := io.WriteString(conn, body[10:]); err != nil {
		t.Fatal(err)
	}
	if err := conn.SetReadDeadline(time.Now().Add(testutil.MinWait)); err != nil {
		t.Fatal(err)
	}
	resp, err := http.ReadResponse(answers, nil)
	if err != nil {
		t.Fatalf("the in-flight request got no answer: %v", err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusUnauthorized {
		t.Errorf("in-flight login answered %d, want 401", resp.StatusCode)
	}
	select {
	case err := <-done:
		if err != nil {
			t.Fatalf("hub stopped with error: %v", err)
		}
	case <-time.After(30 * time.Second):
		t.Fatal("hub did not stop after the in-flight request finished")
	}
}

// A request still running when CITYHUB_SHUTDOWN_TIMEOUT runs out is cut,
// and the hub exits non-zero saying so, with the setting and its value.
// It said only "shutdown: context deadline exceeded".
func TestShutdownTimeoutCutsRequests(t *testing.T) {
	t.Parallel()
	env := map[string]string{"CITYHUB_DATA_DIR": t.TempDir(), "CITYHUB_HTTP_ADDR": "127.0.0.1:0", "CITYHUB_MQTT_BROKER_ADDR": "127.0.0.1:0",
		"CITYHUB_SHUTDOWN_TIMEOUT": "1s"}
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	stdout, logs := &testutil.Buffer{}, &testutil.Buffer{}
	done := make(chan error, 1)
	go func() {
		done <- run(ctx, []string{"serve"}, testGetenv(env), stdout, logs)
	}()
	var url string
	testutil.Eventually(t, 60*time.Second, "the hub listening", func() bool {
		if i := strings.Index(stdout.String(), "listening on "); i >= 0 {
			url = strings.Fields(stdout.String()[i+len("listening on "):])[0]
		}
		return url != ""
	})
	conn, err := net.Dial("tcp", strings.TrimPrefix(url, "http://"))
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	// Half the body, as above: the login handler runs, waiting for the
	// rest, which never comes.
	if _, err := io.WriteString(conn, "POST /api/v1/auth/login HTTP/1.1\r\nHost: hub\r\nContent-Type: application/json\r\n"+
		"Expect: 100-continue\r\nContent-Length: 60\r\n\r\n{\"email\":"); err != nil {
		t.Fatal(err)
	}
	answers := bufio.NewReader(conn)
	if err := conn.SetReadDeadline(time.Now().Add(testutil.MinWait)); err != nil {
		t.Fatal(err)
	}
	if resp, err := http.ReadResponse(answers, nil); err != nil || resp.StatusCode != http.StatusContinue {
		t.Fatalf("the login handler did not start reading the body: %v %v", resp, err)
	}
	cancel()
	select {
	case err := <-done:
		want := "requests still running after CITYHUB_SHUTDOWN_TIMEOUT (1s) were cut"
		if err == nil || !strings.Contains(err.Error(), want) || strings.Contains(err.Error(), "deadline") {
			t.Fatalf("hub stopped with %v, want %q", err, want)
		}
	case <-time.After(testutil.MinWait):
		t.Fatal("hub did not stop after its shutdown timeout")
	}
	// The connection was closed, not left to the process's exit.
	if err := conn.SetReadDeadline(time.Now().Add(testutil.MinWait)); err != nil {
		t.Fatal(err)
	}
	if _, err := answers.ReadByte(); err != io.EOF {
		t.Errorf("the cut request's connection: read %v, want it closed", err)
	}
}
