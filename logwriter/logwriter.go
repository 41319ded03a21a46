// Package logwriter takes a process's log lines off the paths that write
// them. A slog handler writes each line to its io.Writer under its own
// lock, so with the hub's line for every request, every request's
// goroutine waited in turn for a write to standard error (a system call
// each, longer when the file or the collector behind it is slow) before
// its answer was flushed. A Writer instead copies the line into a buffer
// and returns; one goroutine writes whatever gathered while its previous
// write was on its way, in one write. An idle process's line is written at
// once; a busy one's lines go out together, in the order they were given.
//
// The buffer is bounded: a writer that cannot keep up (a collector that
// stopped reading) makes Write wait for room, as the pipe itself would,
// rather than hold an unbounded backlog. Lines still in the buffer when
// the process dies without Close are lost: at most what gathered during
// one write.
package logwriter

import (
	"io"
	"sync"
)

// DefaultMax is the bound on bytes waiting to be written that New uses
// when given none: some thousands of request lines.
const DefaultMax = 1 << 20

// Writer is an io.Writer that hands each Write to one background writer.
// Each Write's bytes are written whole and in order, never split between
// or mixed with another's. Safe for concurrent use.
type Writer struct {
	out io.Writer
	max int

	mu      sync.Mutex
	changed sync.Cond // signalled when bytes are added, written or closing
	pending []byte    // given, not yet taken by the writer goroutine
	writing bool      // the writer goroutine holds a batch
	waiting int       // Writes waiting for room
	closed  bool
	err     error // the first error out gave, returned by later Writes
	done    chan struct{}
}

// New starts a Writer onto out holding at most max bytes not yet written
// (DefaultMax when max <= 0). Close it to write out the rest.
func New(out io.Writer, max int) *Writer {
	if max <= 0 {
		max = DefaultMax
	}
	w := &Writer{out: out, max: max, done: make(chan struct{})}
	w.changed.L = &w.mu
	go w.run()
	return w
}

// Write queues a copy of p to be written and returns at once, unless the
// bytes waiting already reach the bound: then it waits for room. A line
// longer than the bound is taken once nothing else waits. It returns the
// error out last gave, if any, having queued p all the same (the next
// write may succeed); after Close it writes p directly.
func (w *Writer) Write(p []byte) (int, error) {
	w.mu.Lock()
	for !w.closed && len(w.pending) > 0 && len(w.pending)+len(p) > w.max {
		w.waiting++
		w.changed.Wait()
		w.waiting--
	}
	if w.closed {
		w.mu.Unlock()
		// After what was queued before, never beside it.
		<-w.done
		return w.out.Write(p)
	}
	w.pending = append(w.pending, p...)
	err := w.err
	w.changed.Broadcast()
	w.mu.Unlock()
	return len(p), err
}

// run writes what was given, a batch at a time, until Close.
func (w *Writer) run() {
	defer close(w.done)
	var batch []byte
	for {
		w.mu.Lock()
		for len(w.pending) == 0 && !w.closed {
			w.changed.Wait()
		}
		if len(w.pending) == 0 {
			w.mu.Unlock()
			return
		}
		// Swap buffers: the next lines gather in the one just written.
		batch, w.pending = w.pending, batch[:0]
		w.writing = true
		w.mu.Unlock()

		_, err := w.out.Write(batch)

		w.mu.Lock()
		w.writing = false
		if err != nil && w.err == nil {
			w.err = err
		}
		w.changed.Broadcast()
		w.mu.Unlock()
	}
}

// Flush waits until every byte given before it was written.
func (w *Writer) Flush() {
	w.mu.Lock()
	defer w.mu.Unlock()
	for !w.closed && (len(w.pending) > 0 || w.writing) {
		w.changed.Wait()
	}
}

// Close writes what waits and stops the background writer; later Writes
// go straight to out. It returns the first error out gave. Safe to call
// more than once.
func (w *Writer) Close() error {
	w.mu.Lock()
	w.closed = true
	w.changed.Broadcast()
	w.mu.Unlock()
	<-w.done
	w.mu.Lock()
	defer w.mu.Unlock()
	return w.err
}
