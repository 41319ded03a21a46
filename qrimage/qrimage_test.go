package qrimage

import (
	"bytes"
	"image/png"
	"strings"
	"sync"
	"testing"

	"github.com/skip2/go-qrcode"
)

// The image is the symbol go-qrcode makes, module for module, each module
// a square of whole pixels, at least as wide as asked.
func TestPNGIsTheSymbolScaled(t *testing.T) {
	for _, c := range []struct {
		content string
		min     int
	}{{"TKT-7F3K-9QXM-2HDP-WN4C", 320}, {"TKT-7F3K-9QXM-2HDP-WN4C", 1}, {strings.Repeat("eyJhbGciOiJFZERTQSJ9.", 8), 384}} {
		data, err := PNG(c.content, c.min)
		if err != nil {
			t.Fatal(err)
		}
		img, err := png.Decode(bytes.NewReader(data))
		if err != nil {
			t.Fatalf("decode: %v", err)
		}
		q, err := qrcode.New(c.content, qrcode.Medium)
		if err != nil {
			t.Fatal(err)
		}
		bits := q.Bitmap()
		n := len(bits)
		size := img.Bounds().Dx()
		if img.Bounds().Dy() != size || size < c.min || size%n != 0 || size-n >= c.min && size > n {
			t.Fatalf("%d modules drawn %dx%d for at least %d pixels", n, size, img.Bounds().Dy(), c.min)
		}
		scale := size / n
		for y := range size {
			for x := range size {
				r, _, _, _ := img.At(x, y).RGBA()
				if black := r == 0; black != bits[y/scale][x/scale] {
					t.Fatalf("pixel (%d,%d) black=%v, module (%d,%d) is %v", x, y, black, x/scale, y/scale, bits[y/scale][x/scale])
				}
			}
		}
	}
}

// Too much to fit a QR code is an error, not a panic.
func TestPNGRefusesTooMuch(t *testing.T) {
	if _, err := PNG(strings.Repeat("x", 5000), 320); err == nil {
		t.Fatal("5000 bytes drawn as one QR code")
	}
}

// Images drawn at once share the pooled compressors without mixing.
func TestPNGConcurrent(t *testing.T) {
	want, err := PNG("TKT-AAAA", 200)
	if err != nil {
		t.Fatal(err)
	}
	var wg sync.WaitGroup
	for range 8 {
		wg.Go(func() {
			for range 20 {
				got, err := PNG("TKT-AAAA", 200)
				if err != nil || !bytes.Equal(got, want) {
					t.Errorf("a concurrent image differs: %v", err)
					return
				}
			}
		})
	}
	wg.Wait()
}

// BenchmarkTicketCode is a ticket's code as the receipt draws it, beside
// go-qrcode's own PNG at the size the receipt asked for before.
func BenchmarkTicketCode(b *testing.B) {
	const code = "TKT-7F3K-9QXM-2HDP-WN4C"
	b.Run("qrimage-320", func(b *testing.B) {
		for b.Loop() {
			if _, err := PNG(code, 320); err != nil {
				b.Fatal(err)
			}
		}
	})
	b.Run("go-qrcode-512", func(b *testing.B) {
		for b.Loop() {
			if _, err := qrcode.Encode(code, qrcode.Medium, 512); err != nil {
				b.Fatal(err)
			}
		}
	})
}
