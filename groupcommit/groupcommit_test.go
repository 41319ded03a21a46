package groupcommit

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"testing"
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
