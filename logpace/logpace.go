// Package logpace decides which of many like events are logged: a line at
// most once a minute per key (a station, a username, a client and its
// error), counting those left out, and at most a burst of lines a minute
// in all, so that whoever can make an event cannot fill the log with it.
package logpace

import (
	"sync"
	"time"
)

const (
	// Every is how often one key is logged at most.
	Every = time.Minute
	// Burst is how many lines a minute all keys together get at most.
	Burst = 100
	// keysBound bounds the keys remembered; past it they are forgotten
	// together, which at worst logs each once more.
	keysBound = 100_000
)

// Pace is safe for concurrent use; its zero value is ready.
type Pace struct {
	mu      sync.Mutex
	last    map[string]line
	window  time.Time // start of the current window of the overall bound
	written int       // lines in it
}

type line struct {
	at         time.Time
	suppressed int // events not logged since at
}

// Note records an event of key at now and reports whether to log it, and
// how many events of key went unlogged before it.
func (p *Pace) Note(key string, now time.Time) (logIt bool, suppressed int) {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.last == nil {
		p.last = map[string]line{}
	}
	l, seen := p.last[key]
	if seen && now.Sub(l.at) < Every && now.Sub(l.at) > -Every {
		l.suppressed++
		p.last[key] = l
		return false, 0
	}
	if now.Sub(p.window) >= Every || now.Before(p.window) {
		p.window, p.written = now, 0
	}
	if p.written >= Burst {
		l.suppressed++
		p.last[key] = l
		return false, 0
	}
	p.written++
	if !seen && len(p.last) >= keysBound {
		clear(p.last)
	}
	p.last[key] = line{at: now}
	return true, l.suppressed
}
