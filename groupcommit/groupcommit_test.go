package groupcommit

import (
	"context"
	"errors"
	"fmt"
	"runtime"
	"slices"
	"sync"
	"testing"
	"time"

	"cityhub/internal/testutil"
)

// Requests that arrive while a batch is being written go together in the
// next one, each gets its own result, and a failed or crashed batch fails
// its own requests only.
func TestGroupWritesWhatQueuedMeanwhileInOneBatch(t *testing.T) {
	const n = 10
	first := make(chan struct{})  // closed when the first batch is being written
	others := make(chan struct{}) // closed when the other n-1 have queued
	var mu sync.Mutex
	var batches [][]int
	g := &Group[int, string]{Max: 64, Write: func(_ context.Context, reqs []int) ([]string, error) {
		mu.Lock()
		batches = append(batches, append([]int(nil), reqs...))
		k := len(batches)
		mu.Unlock()
		if k == 1 {
			close(first)
			<-others
		}
		out := make([]string, len(reqs))
		for i, r := range reqs {
			out[i] = fmt.Sprint("answer ", r)
		}
		return out, nil
	}}
	g.Queued = func(q int) {
		if q == n-1 { // the first left the queue when its batch began
			close(others)
		}
	}
	var wg sync.WaitGroup
	got := make([]string, n)
	run := func(i int) {
		defer wg.Done()
		res, err := g.Do(context.Background(), i)
		if err != nil {
			t.Error(err)
		}
		got[i] = res
	}
	wg.Add(1)
	go run(0)
	<-first
	for i := 1; i < n; i++ {
		wg.Add(1)
		go run(i)
	}
	wg.Wait()
	if len(batches) != 2 || len(batches[0]) != 1 || len(batches[1]) != n-1 {
		t.Fatalf("batches %v, want the first alone and the %d others together", batches, n-1)
	}
	for i, r := range got {
		if r != fmt.Sprint("answer ", i) {
			t.Errorf("request %d got %q", i, r)
		}
	}
}

func TestGroupFailsOnlyItsBatch(t *testing.T) {
	boom := errors.New("boom")
	g := &Group[int, int]{Max: 4, Write: func(_ context.Context, reqs []int) ([]int, error) {
		if reqs[0] == 1 {
			return nil, boom
		}
		if reqs[0] == 2 {
			panic("crash")
		}
		return reqs, nil
	}}
	if _, err := g.Do(context.Background(), 1); !errors.Is(err, boom) {
		t.Fatalf("a failed batch: %v", err)
	}
	func() {
		defer func() {
			if recover() == nil {
				t.Error("the writer's panic was swallowed")
			}
		}()
		_, _ = g.Do(context.Background(), 2)
	}()
	// The group is not left busy by the crash: the next request is written.
	if r, err := g.Do(context.Background(), 3); err != nil || r != 3 {
		t.Fatalf("after a crash: %d %v", r, err)
	}
}

// A batch is at most max requests; the rest wait for the next one.
func TestGroupBoundsABatch(t *testing.T) {
	const n, max = 9, 4
	first := make(chan struct{})
	others := make(chan struct{})
	var mu sync.Mutex
	var sizes []int
	g := &Group[int, int]{Max: max, Write: func(_ context.Context, reqs []int) ([]int, error) {
		mu.Lock()
		sizes = append(sizes, len(reqs))
		k := len(sizes)
		mu.Unlock()
		if k == 1 {
			close(first)
			<-others
		}
		return reqs, nil
	}}
	g.Queued = func(q int) {
		if q == n-1 {
			close(others)
		}
	}
	var wg sync.WaitGroup
	wg.Add(1)
	go func() { defer wg.Done(); _, _ = g.Do(context.Background(), 0) }()
	<-first
	for i := 1; i < n; i++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			if r, err := g.Do(context.Background(), i); err != nil || r != i {
				t.Errorf("request %d: %d %v", i, r, err)
			}
		}()
	}
	wg.Wait()
	if fmt.Sprint(sizes) != "[1 4 4]" {
		t.Errorf("batch sizes %v, want [1 4 4]", sizes)
	}
}

// A caller that gives up while its request waits in the queue leaves at
// once, unwritten; one whose request a batch has taken waits for the
// batch and gets its result.
func TestGroupCallerThatGivesUpLeavesTheQueue(t *testing.T) {
	release := [2]chan struct{}{make(chan struct{}), make(chan struct{})}
	writing := make(chan int, 2) // the batch being written, by number
	var mu sync.Mutex
	var batches [][]int
	g := &Group[int, int]{Max: 8, Write: func(_ context.Context, reqs []int) ([]int, error) {
		mu.Lock()
		batches = append(batches, slices.Clone(reqs))
		k := len(batches)
		mu.Unlock()
		if k <= 2 {
			writing <- k
			<-release[k-1]
		}
		return reqs, nil
	}}
	queued := make(chan int, 16)
	g.Queued = func(q int) { queued <- q }
	type result struct {
		r   int
		err error
	}
	do := func(ctx context.Context, i int) <-chan result {
		out := make(chan result, 1)
		go func() { r, err := g.Do(ctx, i); out <- result{r, err} }()
		return out
	}
	wait := func(what string, ch <-chan result) result {
		t.Helper()
		return testutil.Receive(t, 10*time.Second, what, ch)
	}

	first := do(context.Background(), 0)
	<-queued
	if k := <-writing; k != 1 {
		t.Fatalf("batch %d written first", k)
	}
	giveUp, cancel := context.WithCancel(context.Background())
	leaving := do(giveUp, 1)
	<-queued
	staying := do(context.Background(), 2)
	<-queued
	takenCtx, takenCancel := context.WithCancel(context.Background())
	defer takenCancel()
	taken := do(takenCtx, 4)
	<-queued
	cancel()
	if r := wait("the caller that gave up", leaving); !errors.Is(r.err, context.Canceled) {
		t.Fatalf("the caller that gave up: %d %v, want its context's error at once", r.r, r.err)
	}
	close(release[0])
	if r := wait("the first", first); r.err != nil || r.r != 0 {
		t.Fatalf("the first: %d %v", r.r, r.err)
	}
	// The second batch holds requests 2 (its writer) and 4; the caller of
	// 4 gives up while it is written, and still gets its result. Request
	// 3, queued behind that batch, leaves when its caller gives up.
	<-writing
	takenCancel()
	lateCtx, lateCancel := context.WithCancel(context.Background())
	late := do(lateCtx, 3)
	<-queued
	lateCancel()
	if r := wait("the caller that gave up late", late); !errors.Is(r.err, context.Canceled) {
		t.Fatalf("request 3, queued behind the second batch: %d %v, want its context's error", r.r, r.err)
	}
	close(release[1])
	if r := wait("request 2", staying); r.err != nil || r.r != 2 {
		t.Fatalf("request 2: %d %v", r.r, r.err)
	}
	if r := wait("request 4", taken); r.err != nil || r.r != 4 {
		t.Fatalf("request 4, given up while its batch was written: %d %v, want its result", r.r, r.err)
	}
	if fmt.Sprint(batches) != "[[0] [2 4]]" {
		t.Fatalf("batches %v, want [[0] [2 4]]: the callers that gave up in the queue are not written", batches)
	}
}

// Callers that give up at random moments, racing the batches: each either
// leaves unwritten with its context's error, or is written exactly once
// and gets its own result; nobody is left waiting.
func TestGroupCallersGivingUpRace(t *testing.T) {
	var mu sync.Mutex
	written := map[int]int{}
	g := &Group[int, int]{Max: 5, Write: func(_ context.Context, reqs []int) ([]int, error) {
		mu.Lock()
		for _, r := range reqs {
			written[r]++
		}
		mu.Unlock()
		time.Sleep(50 * time.Microsecond) // a round trip's worth, for others to queue
		return reqs, nil
	}}
	const n = 400
	errs := make([]error, n)
	res := make([]int, n)
	var wg sync.WaitGroup
	for i := range n {
		wg.Go(func() {
			ctx, cancel := context.WithCancel(context.Background())
			defer cancel()
			if i%2 == 0 {
				go func() {
					for range i % 7 {
						runtime.Gosched()
					}
					cancel()
				}()
			}
			res[i], errs[i] = g.Do(ctx, i)
		})
	}
	wg.Wait()
	left := 0
	for i := range n {
		switch {
		case errs[i] != nil:
			if !errors.Is(errs[i], context.Canceled) || written[i] != 0 {
				t.Errorf("request %d: %v, written %d times", i, errs[i], written[i])
			}
			left++
		case res[i] != i || written[i] != 1:
			t.Errorf("request %d: result %d, written %d times", i, res[i], written[i])
		}
	}
	t.Logf("%d of %d callers left the queue", left, n)
}

// A caller made the next batch's writer does not leave when its context
// ends: the requests queued behind it wait for it to write them, and
// would wait for good. Its context ends while the batch before is being
// written, so that it is made the writer or leaves first, as the scheduler
// has it; either way the request behind it is written.
func TestGroupNextWriterDoesNotLeave(t *testing.T) {
	// The rule itself: the writer-to-be stays queued, another caller
	// leaves.
	g := &Group[int, int]{}
	lead := &call[int, int]{req: 1, done: make(chan struct{}), lead: true}
	other := &call[int, int]{req: 2, done: make(chan struct{})}
	g.queue = []*call[int, int]{lead, other}
	if g.leave(lead) || !g.leave(other) || len(g.queue) != 1 || g.queue[0] != lead {
		t.Fatalf("queue %v after both tried to leave, want the writer-to-be alone", g.queue)
	}

	for round := range 200 {
		ctx, cancel := context.WithCancel(context.Background())
		writing, both := make(chan struct{}), make(chan struct{})
		g := &Group[int, int]{Max: 4}
		first := true
		g.Write = func(_ context.Context, reqs []int) ([]int, error) {
			if first {
				first = false
				close(writing)
				<-both
				cancel() // the next writer's caller gives up as this batch ends
			}
			return reqs, nil
		}
		queued := make(chan int, 3)
		g.Queued = func(q int) { queued <- q }
		results := make(chan error, 2)
		go func() { _, err := g.Do(context.Background(), 0); results <- err }()
		<-queued
		<-writing
		go func() { _, err := g.Do(ctx, 1); results <- err }()
		<-queued
		behind := make(chan error, 1)
		go func() {
			r, err := g.Do(context.Background(), 2)
			if err == nil && r != 2 {
				err = fmt.Errorf("result %d", r)
			}
			behind <- err
		}()
		<-queued
		close(both)
		select {
		case err := <-behind:
			if err != nil {
				t.Fatalf("round %d: the request behind the caller that gave up: %v", round, err)
			}
		case <-time.After(5 * time.Second):
			t.Fatalf("round %d: the request behind the next writer, whose caller gave up, was never written", round)
		}
		for range 2 {
			if err := <-results; err != nil && !errors.Is(err, context.Canceled) {
				t.Fatalf("round %d: %v", round, err)
			}
		}
	}
}
