package main

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"net/http"
	"regexp"
	"sync"
	"testing"
	"time"
)

// syncBuffer is a bytes.Buffer safe to write from the hub and read from the test.
type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

// startHub runs the real program on :0 in dir with env and returns its URL.
// It stops the hub when the test ends and checks that it stopped cleanly.
func startHub(t *testing.T, args []string, env map[string]string) (string, *syncBuffer) {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	stdout, stderr := &syncBuffer{}, &syncBuffer{}
	getenv := func(k string) string { return env[k] }
	done := make(chan error, 1)
	go func() { done <- run(ctx, args, getenv, stdout, stderr) }()
	t.Cleanup(func() {
		cancel()
		select {
		case err := <-done:
			if err != nil {
				t.Errorf("hub stopped with error: %v\nstderr:\n%s", err, stderr.String())
			}
		case <-time.After(30 * time.Second):
			t.Errorf("hub did not stop within 30s")
		}
	})
	re := regexp.MustCompile(`listening on (http://\S+)`)
	deadline := time.Now().Add(60 * time.Second)
	for time.Now().Before(deadline) {
		select {
		case err := <-done:
			t.Fatalf("hub exited early: %v\nstderr:\n%s", err, stderr.String())
		default:
		}
		if m := re.FindStringSubmatch(stdout.String()); m != nil {
			url := m[1]
			resp, err := http.Get(url + "/healthz")
			if err == nil {
				io.Copy(io.Discard, resp.Body)
				resp.Body.Close()
				if resp.StatusCode == http.StatusOK {
					return url, stdout
				}
			}
		}
		time.Sleep(50 * time.Millisecond)
	}
	t.Fatalf("hub did not become healthy\nstdout:\n%s\nstderr:\n%s", stdout.String(), stderr.String())
	return "", nil
}

func TestDemoStartsOnEmptyDirectory(t *testing.T) {
	dir := t.TempDir()
	url, stdout := startHub(t, []string{"demo"}, map[string]string{
		"CITYHUB_HTTP_ADDR":        "127.0.0.1:0",
		"CITYHUB_DATA_DIR":         dir,
		"CITYHUB_MQTT_BROKER_ADDR": "127.0.0.1:0",
	})
	resp, err := http.Get(url + "/readyz")
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("readyz = %d, want 200", resp.StatusCode)
	}
	if !regexp.MustCompile(`cityhub demo: open http://127\.0\.0\.1:\d+`).MatchString(stdout.String()) {
		t.Errorf("demo did not print its URL:\n%s", stdout.String())
	}
}

func TestUnknownCommand(t *testing.T) {
	var out, errb bytes.Buffer
	err := run(context.Background(), []string{"frobnicate"}, func(string) string { return "" }, &out, &errb)
	if err == nil {
		t.Fatal("unknown command accepted")
	}
	if !bytes.Contains(errb.Bytes(), []byte("usage:")) {
		t.Errorf("no usage printed: %q", errb.String())
	}
}

func TestVersion(t *testing.T) {
	var out bytes.Buffer
	if err := run(context.Background(), []string{"version"}, func(string) string { return "" }, &out, io.Discard); err != nil {
		t.Fatal(err)
	}
	if got := out.String(); got != fmt.Sprintf("cityhub %s\n", version) {
		t.Errorf("version printed %q", got)
	}
}
