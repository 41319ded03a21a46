package bench

import (
	"bytes"
	"crypto/rand"
	"io"
	"net"
	"sync"
	"testing"
	"time"
)

// slowLink listens on loopback and forwards every connection to target,
// holding each chunk of bytes, in either direction, for half of rtt before
// passing it on, in order: a database across a network link (another
// machine of the same data centre is a few tenths of a millisecond away,
// another zone a millisecond or more), where loopback's round trip costs
// almost nothing and so hides what each round trip costs. It returns the
// address to dial. A sleep lasts about a millisecond at the least on the
// machines measured, so a round trip below 2 ms cannot be set, and a set
// one comes out a little longer: the benchmarks measure the link's actual
// round trip beside what runs over it. When the test ends, every
// connection still open is closed.
func slowLink(b testing.TB, target string, rtt time.Duration) string {
	b.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		b.Fatalf("slow link: %v", err)
	}
	var (
		mu     sync.Mutex
		open   = map[net.Conn]bool{}
		closed bool
		wg     sync.WaitGroup
	)
	keep := func(c net.Conn) bool {
		mu.Lock()
		defer mu.Unlock()
		if closed {
			c.Close()
			return false
		}
		open[c] = true
		return true
	}
	b.Cleanup(func() {
		ln.Close()
		mu.Lock()
		closed = true
		for c := range open {
			c.Close()
		}
		mu.Unlock()
		wg.Wait()
	})
	wg.Add(1)
	go func() {
		defer wg.Done()
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			s, err := net.Dial("tcp", target)
			if err != nil {
				c.Close()
				continue
			}
			if !keep(c) || !keep(s) {
				c.Close()
				s.Close()
				continue
			}
			wg.Add(2)
			go func() { defer wg.Done(); delayCopy(s, c, rtt/2) }()
			go func() { defer wg.Done(); delayCopy(c, s, rtt/2) }()
		}
	}()
	return ln.Addr().String()
}

// delayCopy copies src to dst, each chunk d after it was read; when either
// side ends, it closes both (a PostgreSQL connection never half-closes).
func delayCopy(dst, src net.Conn, d time.Duration) {
	type chunk struct {
		b  []byte
		at time.Time
	}
	chunks := make(chan chunk, 256)
	go func() {
		defer close(chunks)
		buf := make([]byte, 32<<10)
		for {
			n, err := src.Read(buf)
			if n > 0 {
				chunks <- chunk{bytes.Clone(buf[:n]), time.Now().Add(d)}
			}
			if err != nil {
				return
			}
		}
	}()
	for c := range chunks {
		time.Sleep(time.Until(c.at))
		if _, err := dst.Write(c.b); err != nil {
			break
		}
	}
	dst.Close()
	src.Close()
	for range chunks { // let the reader end
	}
}

// overLink is the engine name of PostgreSQL behind a link of 2 ms round
// trip, for the benchmarks that take an engine.
const overLink = "postgres-rtt=2ms"

// The slow link passes every byte on, in order, both ways, and a round
// trip over it takes at least the round trip it was given.
func TestSlowLinkKeepsOrderAndDelays(t *testing.T) {
	echo, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer echo.Close()
	go func() {
		for {
			c, err := echo.Accept()
			if err != nil {
				return
			}
			go func() { defer c.Close(); io.Copy(c, c) }()
		}
	}()
	const rtt = 4 * time.Millisecond
	c, err := net.Dial("tcp", slowLink(t, echo.Addr().String(), rtt))
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()

	// One byte there and back: a round trip.
	start := time.Now()
	if _, err := c.Write([]byte{1}); err != nil {
		t.Fatal(err)
	}
	one := make([]byte, 1)
	if _, err := io.ReadFull(c, one); err != nil || one[0] != 1 {
		t.Fatalf("the byte back: %v %v", one, err)
	}
	if took := time.Since(start); took < rtt {
		t.Fatalf("a round trip took %s over a link of %s", took, rtt)
	}

	// 1 MB in pieces: all of it back, in order.
	sent := make([]byte, 1<<20)
	rand.Read(sent)
	go func() {
		for i := 0; i < len(sent); i += 10_000 {
			if _, err := c.Write(sent[i:min(i+10_000, len(sent))]); err != nil {
				return
			}
		}
	}()
	got := make([]byte, len(sent))
	if _, err := io.ReadFull(c, got); err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(got, sent) {
		t.Fatal("the bytes came back changed or out of order")
	}
}
