package bench

import (
	"bufio"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
	"os"
	"strconv"
	"time"
)

// tills is the benchmarks' HTTP client: kept-alive HTTP/1.1 connections
// to the hub, one per client at a time, each request written whole in one
// write and its answer read by net/http's own parser (http.ReadResponse).
//
// Why not http.Client: a till is a device of its own, so what the machine
// spends on the client side of a benchmark is not the hub's cost, but on
// one machine it shares the two cores with the hub and the database.
// http.Client hands every request and answer between goroutines (a
// connection's reader and writer loops, the caller) and a context's
// timers; on 2 cores that measured 140 µs of a redemption's 1 ms
// (bench/README.md, "A redemption's campaign and shop are checked by the
// statement that writes it"). pgbench's clients, the baseline's, are a
// loop in C. These tills are the same kind of load generator as wrk or
// pgbench: they send what a till sends and check every answer's status,
// and the server side (net/http's server, every middleware, the handler)
// is the one `cityhub serve` runs. CITYHUB_BENCH_TILLS=go runs a
// benchmark with http.Client instead, to see the difference.
type tills struct {
	host string // host:port of the hub
	idle chan *tillConn
}

// tillConn is one kept-alive connection and its buffers.
type tillConn struct {
	conn net.Conn
	r    *bufio.Reader
	req  []byte
}

// tillTimeout bounds one request, as http.Client's Timeout did.
const tillTimeout = 60 * time.Second

func newTills(serverURL string, conns int) (*tills, error) {
	u, err := url.Parse(serverURL)
	if err != nil || u.Scheme != "http" {
		return nil, fmt.Errorf("tills need an http:// address, not %q (%v)", serverURL, err)
	}
	return &tills{host: u.Host, idle: make(chan *tillConn, conns)}, nil
}

// goTills reports whether the benchmarks should use http.Client.
func goTills() bool { return os.Getenv("CITYHUB_BENCH_TILLS") == "go" }

// do sends one request and returns the answer's status and body. A
// connection the answer closes, or that failed, is not used again.
func (t *tills) do(method, path, bearer, key string, body []byte) (int, []byte, error) {
	c, err := t.take()
	if err != nil {
		return 0, nil, err
	}
	status, out, keep, err := c.roundTrip(t.host, method, path, bearer, key, body)
	if err != nil || !keep {
		c.conn.Close()
		return status, out, err
	}
	select {
	case t.idle <- c:
	default:
		c.conn.Close()
	}
	return status, out, nil
}

func (t *tills) take() (*tillConn, error) {
	select {
	case c := <-t.idle:
		return c, nil
	default:
	}
	conn, err := net.Dial("tcp", t.host)
	if err != nil {
		return nil, fmt.Errorf("dial the hub: %w", err)
	}
	return &tillConn{conn: conn, r: bufio.NewReaderSize(conn, 8<<10)}, nil
}

// close closes the idle connections.
func (t *tills) close() {
	for {
		select {
		case c := <-t.idle:
			c.conn.Close()
		default:
			return
		}
	}
}

func (c *tillConn) roundTrip(host, method, path, bearer, key string, body []byte) (status int, out []byte, keep bool, err error) {
	b := c.req[:0]
	b = append(b, method...)
	b = append(b, ' ')
	b = append(b, path...)
	b = append(b, " HTTP/1.1\r\nHost: "...)
	b = append(b, host...)
	b = append(b, "\r\nUser-Agent: cityhub-bench-till\r\n"...)
	if bearer != "" {
		b = append(b, "Authorization: "...)
		b = append(b, bearer...)
		b = append(b, "\r\n"...)
	}
	if key != "" {
		b = append(b, "Idempotency-Key: "...)
		b = append(b, key...)
		b = append(b, "\r\n"...)
	}
	if body != nil {
		b = append(b, "Content-Type: application/json\r\nContent-Length: "...)
		b = strconv.AppendInt(b, int64(len(body)), 10)
		b = append(b, "\r\n"...)
	}
	b = append(b, "\r\n"...)
	b = append(b, body...)
	c.req = b
	if err := c.conn.SetDeadline(time.Now().Add(tillTimeout)); err != nil {
		return 0, nil, false, err
	}
	if _, err := c.conn.Write(b); err != nil {
		return 0, nil, false, fmt.Errorf("%s %s: write: %w", method, path, err)
	}
	res, err := http.ReadResponse(c.r, &http.Request{Method: method})
	if err != nil {
		return 0, nil, false, fmt.Errorf("%s %s: read the answer: %w", method, path, err)
	}
	out, err = io.ReadAll(res.Body)
	res.Body.Close()
	if err != nil {
		return 0, nil, false, fmt.Errorf("%s %s: read the answer's body: %w", method, path, err)
	}
	return res.StatusCode, out, !res.Close, nil
}
