package bench

import (
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
)

// TestTills checks the benchmarks' lean client against net/http's server:
// what it sends arrives as sent, an answer streamed in chunks or one that
// closes its connection is read whole, and a kept-alive connection serves
// the next request.
func TestTills(t *testing.T) {
	srv := httptest.NewUnstartedServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, _ := io.ReadAll(r.Body)
		switch r.URL.Path {
		case "/echo":
			if r.Header.Get("Authorization") != "Bearer tok" || r.Header.Get("Idempotency-Key") != "k1" ||
				r.Header.Get("Content-Type") != "application/json" || r.Method != "POST" {
				http.Error(w, "headers not as sent: "+r.Method+" "+r.Header.Get("Authorization"), http.StatusBadRequest)
				return
			}
			w.WriteHeader(http.StatusCreated)
			w.Write(body)
		case "/chunked":
			for range 3 {
				w.Write([]byte(strings.Repeat("x", 5000)))
				w.(http.Flusher).Flush()
			}
		case "/close":
			w.Header().Set("Connection", "close")
			w.Write([]byte("bye"))
		}
	}))
	srv.Start()
	defer srv.Close()
	tl, err := newTills(srv.URL, 1)
	if err != nil {
		t.Fatal(err)
	}
	defer tl.close()

	status, out, err := tl.do("POST", "/echo", "Bearer tok", "k1", []byte(`{"a":1}`))
	if err != nil || status != http.StatusCreated || string(out) != `{"a":1}` {
		t.Fatalf("echo: %d %q %v", status, out, err)
	}
	if len(tl.idle) != 1 {
		t.Fatalf("the connection was not kept for the next request: %d idle", len(tl.idle))
	}
	kept := <-tl.idle
	tl.idle <- kept
	status, out, err = tl.do("GET", "/chunked", "", "", nil)
	if err != nil || status != http.StatusOK || len(out) != 15000 {
		t.Fatalf("chunked: %d, %d bytes, %v", status, len(out), err)
	}
	if got := <-tl.idle; got != kept {
		t.Fatal("a new connection was dialled though one was idle")
	} else {
		tl.idle <- got
	}
	status, out, err = tl.do("GET", "/close", "", "", nil)
	if err != nil || status != http.StatusOK || string(out) != "bye" {
		t.Fatalf("close: %d %q %v", status, out, err)
	}
	if len(tl.idle) != 0 {
		t.Fatal("a connection the server closed was kept")
	}
	if _, err := newTills("https://example.org", 1); err == nil {
		t.Fatal("an https address was taken")
	}
}
