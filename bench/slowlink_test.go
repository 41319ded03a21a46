package bench

import (
	"context"
	"fmt"
	"net"
	"net/url"
	"sync"
	"testing"
	"time"

	"cityhub/store"
	"cityhub/store/postgres"
	"cityhub/store/storetest"
)

// slowLink listens on loopback and forwards every connection to target,
// holding each chunk of bytes, in either direction, for half of rtt before
// passing it on, in order: a database across a network link (another
// machine of the same data centre is a few tenths of a millisecond away,
// another zone a millisecond or more), where loopback's round trip costs
// almost nothing and so hides what each round trip costs. It returns the
// address to dial. Go's timers here wake about a millisecond late at the
// least, so a round trip below 2 ms cannot be set: the benchmarks measure
// the link's actual round trip beside what runs over it.
func slowLink(b testing.TB, target string, rtt time.Duration) string {
	b.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		b.Fatalf("slow link: %v", err)
	}
	var conns sync.WaitGroup
	b.Cleanup(func() {
		ln.Close()
		conns.Wait()
	})
	go func() {
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
			conns.Add(2)
			go func() { defer conns.Done(); delayCopy(s, c, rtt/2) }()
			go func() { defer conns.Done(); delayCopy(c, s, rtt/2) }()
		}
	}()
	return ln.Addr().String()
}

// delayCopy copies src to dst, each chunk d after it was read; when either
// side ends, it closes both.
func delayCopy(dst, src net.Conn, d time.Duration) {
	type chunk struct {
		b  []byte
		at time.Time
	}
	chunks := make(chan chunk, 256)
	go func() {
		defer close(chunks)
		for {
			buf := make([]byte, 32<<10)
			n, err := src.Read(buf)
			if n > 0 {
				chunks <- chunk{buf[:n], time.Now().Add(d)}
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

// openBenchStoreOverLink is openBenchStore on PostgreSQL reached through
// slowLink with round trip rtt (loopback itself when rtt is 0).
func openBenchStoreOverLink(b testing.TB, rtt time.Duration) store.DB {
	b.Helper()
	if rtt == 0 {
		return openBenchStore(b, "postgres")
	}
	u, err := url.Parse(storetest.PostgresURL(b) + "&pool_max_conns=" + fmt.Sprint(voucherPoolConns))
	if err != nil {
		b.Fatal(err)
	}
	if u.Host == "" {
		b.Skip("the slow link needs a database reached over TCP")
	}
	u.Host = slowLink(b, u.Host, rtt)
	db, err := postgres.Open(context.Background(), u.String(), storetest.Logger(b))
	if err != nil {
		b.Fatalf("open postgres over the slow link: %v", err)
	}
	b.Cleanup(func() { db.Close() })
	addCityAccounts(b, db)
	return db
}
