package photo

import (
	"bytes"
	"context"
	"image"
	"image/jpeg"
	"sync"
	"testing"

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
