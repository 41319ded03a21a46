package feeds

import (
	"cityhub/web/httpx"
	"context"
	"fmt"
	"net/http"
	"strconv"
	"sync"
	"sync/atomic"
	"time"

	"golang.org/x/sync/singleflight"
)

// OpenDataMaxAge is how long the open data, once computed, is served as it
// is. The voucher statistics sum every voucher and redemption of every
// campaign, and the participation counts every report: anyone may ask, as
// often as they like, so each hub computes them at most once in this time,
// and the readers of the moment share that one computation. Their
// generated_at says when; Cache-Control lets a proxy keep them as long.
const OpenDataMaxAge = time.Minute

// openComputeTimeout bounds one computation, which runs for all the
// readers waiting on it, whichever of them asked first.
const openComputeTimeout = 30 * time.Second

// snapshot keeps a value computed at most once per maxAge. A failed
// computation is not kept: the next reader tries again.
type snapshot[T any] struct {
	maxAge  time.Duration
	now     func() time.Time
	compute func(ctx context.Context) (T, error)

	flight singleflight.Group
	// waiters counts the readers waiting on a computation (for tests).
	waiters atomic.Int32
	mu      sync.Mutex
	val     T
	at      time.Time // when val was computed; zero: none yet
}

func newSnapshot[T any](maxAge time.Duration, compute func(ctx context.Context) (T, error)) *snapshot[T] {
	return &snapshot[T]{maxAge: maxAge, now: time.Now, compute: compute}
}

// get returns the kept value while it is fresh, else the one being
// computed, else a new one, and when it was computed. A reader that gives
// up (ctx) leaves the computation to the others.
func (s *snapshot[T]) get(ctx context.Context) (T, time.Time, error) {
	s.mu.Lock()
	val, at := s.val, s.at
	s.mu.Unlock()
	if !at.IsZero() && s.now().Sub(at) < s.maxAge {
		return val, at, nil
	}
	type kept struct {
		val T
		at  time.Time
	}
	ch := s.flight.DoChan("", func() (any, error) {
		cctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), openComputeTimeout)
		defer cancel()
		at := s.now()
		v, err := s.compute(cctx)
		if err != nil {
			return nil, err
		}
		s.mu.Lock()
		s.val, s.at = v, at
		s.mu.Unlock()
		return kept{v, at}, nil
	})
	var zero T
	s.waiters.Add(1)
	defer s.waiters.Add(-1)
	select {
	case r := <-ch:
		if r.Err != nil {
			return zero, time.Time{}, r.Err
		}
		k := r.Val.(kept)
		return k.val, k.at, nil
	case <-ctx.Done():
		return zero, time.Time{}, fmt.Errorf("wait for the open data: %w", ctx.Err())
	}
}

// waiting is how many readers wait on a computation.
func (s *snapshot[T]) waiting() int { return int(s.waiters.Load()) }

// setCacheHeaders lets a browser or proxy keep what was computed at at for
// the rest of maxAge, and gives the validators it sends back to ask whether
// its copy is still the one served. Set after the content's headers, which
// forbid keeping.
func (s *snapshot[T]) setCacheHeaders(h http.Header, at time.Time) {
	left := max(0, int((s.maxAge - s.now().Sub(at)).Seconds()))
	h.Set("Cache-Control", "public, max-age="+strconv.Itoa(left))
	h.Set("Last-Modified", at.UTC().Format(http.TimeFormat))
	h.Set("ETag", openDataETag(at))
}

// openDataETag names the copy computed at at. Every form of one kind of
// open data is written from that one copy, so the same at means the same
// bytes at each address; another hub's copy, computed at another time, has
// another tag and is sent whole.
func openDataETag(at time.Time) string {
	return `"` + strconv.FormatInt(at.UnixNano(), 36) + `"`
}

// answerNotModified answers 304 Not Modified, without the body, when the
// request's If-None-Match or If-Modified-Since says the caller holds the
// copy computed at at: harvesters poll the open data and keep what they
// fetched. Call it after setCacheHeaders. It reports whether it answered.
func answerNotModified(w http.ResponseWriter, r *http.Request, at time.Time) bool {
	if !notModified(r, openDataETag(at), at) {
		return false
	}
	// The copy's own headers say nothing a 304 carries (RFC 9110, 15.4.5).
	w.Header().Del("Content-Type")
	w.Header().Del("Content-Disposition")
	w.WriteHeader(http.StatusNotModified)
	return true
}

// openData reads one kind of open data (at most once per OpenDataMaxAge)
// and sets the headers all its forms share: anyone's browser may read it,
// and licence names its licence. It gives when the data was computed, or
// false when it answered an error.
func openData[T any](f *Handler, w http.ResponseWriter, r *http.Request, s *snapshot[T], licence func(T) string) (T, time.Time, bool) {
	od, at, err := s.get(r.Context())
	if err != nil {
		httpx.WriteError(f.log, w, r, err)
		return od, at, false
	}
	w.Header().Set("Access-Control-Allow-Origin", "*")
	// A browser app reads the tag to make conditional requests.
	w.Header().Set("Access-Control-Expose-Headers", "ETag")
	w.Header().Set("Link", `<`+licence(od)+`>; rel="license"`)
	return od, at, true
}
