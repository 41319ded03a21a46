package photo

import (
	"bytes"
	"context"
	"errors"
	"image"
	"image/jpeg"
	"io"
	"sync"
	"testing"
	"time"

	"cityhub/apperr"
)

// However many uploads arrive at once, at most MaxConcurrentDecodes are
// decoded together; the others wait for a slot, and give up with
// photo_busy when their context ends first.
func TestConcurrentDecodesLimited(t *testing.T) {
	var buf bytes.Buffer
	if err := jpeg.Encode(&buf, image.NewGray(image.Rect(0, 0, 64, 64)), nil); err != nil {
		t.Fatal(err)
	}
	entered, release := make(chan struct{}, 16), make(chan struct{})
	testHookDecoding = func() { entered <- struct{}{}; <-release }
	defer func() { testHookDecoding = nil }()

	const uploads = 6
	ctx, cancel := context.WithCancel(context.Background())
	var wg sync.WaitGroup
	errs := make(chan error, uploads)
	for range uploads {
		wg.Add(1)
		go func() {
			defer wg.Done()
			_, err := Process(ctx, buf.Bytes(), Limits{})
			errs <- err
		}()
	}
	for range MaxConcurrentDecodes {
		<-entered
	}
	// The slots are full: the other uploads wait. Ending their context
	// sends them away without a decode.
	cancel()
	for range uploads - MaxConcurrentDecodes {
		if err := <-errs; apperr.ReasonOf(err) != "photo_busy" || !apperr.Has(err, apperr.Unavailable) {
			t.Fatalf("a waiting upload: %v, want unavailable/photo_busy", err)
		}
	}
	close(release)
	wg.Wait()
	close(errs)
	for err := range errs {
		if err != nil {
			t.Fatalf("a decoded upload: %v", err)
		}
	}
	if n := len(entered); n != 0 {
		t.Fatalf("%d more uploads were decoded beyond the %d slots", n, MaxConcurrentDecodes)
	}
}

// fillTurns takes every decode slot and every place in the queue, as
// uploads being worked and waiting would, and gives them back at the
// test's end.
func fillTurns(t *testing.T) {
	t.Helper()
	var all []*Turn
	t.Cleanup(func() {
		for _, turn := range all {
			turn.Release()
		}
	})
	for range MaxConcurrentDecodes {
		turn, err := Acquire(context.Background())
		if err != nil {
			t.Fatalf("a free slot: %v", err)
		}
		all = append(all, turn)
	}
	for range MaxWaitingUploads {
		turn, err := Reserve()
		if err != nil {
			t.Fatalf("a free place in the queue: %v", err)
		}
		all = append(all, turn)
	}
}

// Read takes its decode slot before it opens the upload: while the slots
// are taken, a waiting upload's file is not opened, let alone read into
// memory; it is once a slot is free.
func TestReadTakesItsTurnBeforeReading(t *testing.T) {
	var buf bytes.Buffer
	if err := jpeg.Encode(&buf, image.NewGray(image.Rect(0, 0, 64, 64)), nil); err != nil {
		t.Fatal(err)
	}
	var held []*Turn
	for range MaxConcurrentDecodes {
		turn, err := Acquire(context.Background())
		if err != nil {
			t.Fatal(err)
		}
		held = append(held, turn)
	}
	defer func() {
		for _, turn := range held {
			turn.Release()
		}
	}()
	waiting := make(chan struct{}, 1)
	testHookWaiting = func() { waiting <- struct{}{} }
	defer func() { testHookWaiting = nil }()
	opened := make(chan struct{}, 1)
	done := make(chan error, 1)
	go func() {
		_, err := Read(context.Background(), func() (io.ReadCloser, error) {
			opened <- struct{}{}
			return io.NopCloser(bytes.NewReader(buf.Bytes())), nil
		}, Limits{})
		done <- err
	}()
	<-waiting
	select {
	case <-opened:
		t.Fatal("the upload was opened while it waited for a slot")
	default:
	}
	held[0].Release()
	if err := <-done; err != nil {
		t.Fatalf("read once a slot was free: %v", err)
	}
	if len(opened) != 1 {
		t.Fatal("the upload was never opened")
	}
}

// The queue is bounded: with every slot taken and MaxWaitingUploads
// waiting, one more upload is refused at once (photo_busy) without its
// file being opened; and a wait is bounded: an upload refused after
// MaxWait even when its context would wait for ever.
func TestWaitingIsBounded(t *testing.T) {
	var buf bytes.Buffer
	if err := jpeg.Encode(&buf, image.NewGray(image.Rect(0, 0, 8, 8)), nil); err != nil {
		t.Fatal(err)
	}
	opens := 0
	open := func() (io.ReadCloser, error) {
		opens++
		return io.NopCloser(bytes.NewReader(buf.Bytes())), nil
	}
	t.Run("queue full", func(t *testing.T) {
		fillTurns(t)
		_, err := Read(context.Background(), open, Limits{})
		if apperr.ReasonOf(err) != "photo_busy" || !apperr.Has(err, apperr.Unavailable) {
			t.Fatalf("an upload past the queue: %v, want unavailable/photo_busy", err)
		}
		if _, err := Process(context.Background(), buf.Bytes(), Limits{}); apperr.ReasonOf(err) != "photo_busy" {
			t.Fatalf("an upload in memory past the queue: %v, want photo_busy", err)
		}
		if opens != 0 {
			t.Fatal("a refused upload was opened")
		}
	})
	t.Run("wait over", func(t *testing.T) {
		defer func(d time.Duration) { maxWait = d }(maxWait)
		maxWait = 20 * time.Millisecond
		for range MaxConcurrentDecodes {
			turn, err := Acquire(context.Background())
			if err != nil {
				t.Fatal(err)
			}
			defer turn.Release()
		}
		_, err := Read(context.Background(), open, Limits{})
		if apperr.ReasonOf(err) != "photo_busy" || !errors.Is(err, errWaitedTooLong) {
			t.Fatalf("an upload that waited too long: %v, want photo_busy", err)
		}
		if opens != 0 {
			t.Fatal("an upload that never got a slot was opened")
		}
	})
	// Every place is free again: an upload is worked.
	if _, err := Read(context.Background(), open, Limits{}); err != nil || opens != 1 {
		t.Fatalf("an upload with room: %v, opened %d times", err, opens)
	}
	if len(places) != 0 || len(decodeSlots) != 0 {
		t.Fatalf("%d places and %d slots still held", len(places), len(decodeSlots))
	}
}
