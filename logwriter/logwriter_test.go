package logwriter

import (
	"bytes"
	"errors"
	"fmt"
	"runtime"
	"strings"
	"sync"
	"testing"
	"time"
)

// gated is an out whose writes wait for a release each, recording what
// each write was given.
type gated struct {
	mu      sync.Mutex
	writes  []string
	entered chan struct{} // a write has begun
	release chan struct{} // let one write finish
	err     error
}

func newGated() *gated {
	return &gated{entered: make(chan struct{}, 1000), release: make(chan struct{}, 1000)}
}

func (g *gated) Write(p []byte) (int, error) {
	g.entered <- struct{}{}
	<-g.release
	g.mu.Lock()
	defer g.mu.Unlock()
	g.writes = append(g.writes, string(p))
	return len(p), g.err
}

func (g *gated) all() string {
	g.mu.Lock()
	defer g.mu.Unlock()
	return strings.Join(g.writes, "")
}

func (g *gated) count() int {
	g.mu.Lock()
	defer g.mu.Unlock()
	return len(g.writes)
}

// waitFor waits until cond holds, failing after a minute.
func waitFor(t *testing.T, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(time.Minute)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("not within a minute: %s", what)
		}
		runtime.Gosched()
	}
}

// While one write is on its way, lines are taken at once and go out
// together in the next write, in order.
func TestLinesGatherWhileAWriteIsOnItsWay(t *testing.T) {
	out := newGated()
	w := New(out, 0)
	if _, err := w.Write([]byte("first\n")); err != nil {
		t.Fatal(err)
	}
	<-out.entered // the writer holds "first" and waits
	var want strings.Builder
	want.WriteString("first\n")
	for i := range 100 {
		line := fmt.Sprintf("line %d\n", i)
		want.WriteString(line)
		// Returns although the write before is stuck.
		if n, err := w.Write([]byte(line)); err != nil || n != len(line) {
			t.Fatalf("write %d: %d %v", i, n, err)
		}
	}
	out.release <- struct{}{}
	<-out.entered
	out.release <- struct{}{}
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
	if got := out.all(); got != want.String() {
		t.Fatalf("written:\n%s\nwant:\n%s", got, want.String())
	}
	if n := out.count(); n != 2 {
		t.Fatalf("%d writes, want 2 (the first line, then the hundred gathered meanwhile)", n)
	}
}

// Many goroutines' lines all arrive, each whole, each goroutine's in its
// order.
func TestConcurrentLinesArriveWholeAndInOrder(t *testing.T) {
	var buf lockedBuffer
	w := New(&buf, 4096)
	const goroutines, lines = 16, 500
	var wg sync.WaitGroup
	for g := range goroutines {
		wg.Go(func() {
			for i := range lines {
				fmt.Fprintf(w, "g%02d %04d %s\n", g, i, strings.Repeat("x", i%50))
			}
		})
	}
	wg.Wait()
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
	next := make([]int, goroutines)
	got := strings.Split(strings.TrimSuffix(buf.String(), "\n"), "\n")
	if len(got) != goroutines*lines {
		t.Fatalf("%d lines, want %d", len(got), goroutines*lines)
	}
	for _, l := range got {
		var g, i int
		if _, err := fmt.Sscanf(l, "g%02d %04d", &g, &i); err != nil || g < 0 || g >= goroutines {
			t.Fatalf("line %q: not one line whole: %v", l, err)
		}
		if want := fmt.Sprintf("g%02d %04d %s", g, next[g], strings.Repeat("x", next[g]%50)); l != want {
			t.Fatalf("line %q, want %q", l, want)
		}
		next[g]++
	}
}

// A writer that cannot keep up makes Write wait once the bound is
// reached, and lets it go when room is made.
func TestWriteWaitsAtTheBound(t *testing.T) {
	out := newGated()
	w := New(out, 10)
	w.Write([]byte("aaaa\n"))
	<-out.entered // "aaaa" is being written
	w.Write([]byte("bbbb\n"))
	w.Write([]byte("cccc\n")) // 10 bytes wait: the bound
	returned := make(chan struct{})
	go func() {
		w.Write([]byte("dddd\n"))
		close(returned)
	}()
	waitFor(t, "the write past the bound to wait", func() bool {
		w.mu.Lock()
		defer w.mu.Unlock()
		return w.waiting == 1
	})
	select {
	case <-returned:
		t.Fatal("a write past the bound returned before room was made")
	default:
	}
	out.release <- struct{}{} // "aaaa" done; "bbbb""cccc" taken, room made
	<-returned
	for range 2 {
		<-out.entered
		out.release <- struct{}{}
	}
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
	if got := out.all(); got != "aaaa\nbbbb\ncccc\ndddd\n" {
		t.Fatalf("written %q", got)
	}
}

// Flush and Close write out what waits; after Close a Write goes straight
// through; an error of out is told to later Writes and by Close.
func TestFlushCloseAndErrors(t *testing.T) {
	var buf lockedBuffer
	w := New(&buf, 0)
	w.Write([]byte("one\n"))
	w.Flush()
	if buf.String() != "one\n" {
		t.Fatalf("after Flush: %q", buf.String())
	}
	w.Write([]byte("two\n"))
	if err := w.Close(); err != nil || buf.String() != "one\ntwo\n" {
		t.Fatalf("after Close: %q %v", buf.String(), err)
	}
	if _, err := w.Write([]byte("three\n")); err != nil || buf.String() != "one\ntwo\nthree\n" {
		t.Fatalf("after Close, a write: %q %v", buf.String(), err)
	}
	if err := w.Close(); err != nil {
		t.Fatalf("a second Close: %v", err)
	}

	out := newGated()
	out.err = errors.New("collector gone")
	bad := New(out, 0)
	bad.Write([]byte("lost\n"))
	<-out.entered
	out.release <- struct{}{}
	bad.Flush()
	if _, err := bad.Write([]byte("next\n")); err == nil {
		t.Fatal("a write after out failed said nothing")
	}
	<-out.entered
	out.release <- struct{}{}
	if err := bad.Close(); err == nil || err.Error() != "collector gone" {
		t.Fatalf("Close: %v", err)
	}
}

type lockedBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (b *lockedBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.Write(p)
}

func (b *lockedBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.String()
}
