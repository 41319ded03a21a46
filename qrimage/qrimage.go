// Package qrimage draws QR codes as PNG images: the tickets' in the
// receipt e-mail and the wallet's rotating codes.
//
// The symbol is go-qrcode's. The drawing and the PNG are this package's,
// because go-qrcode's PNG costs several times what the symbol does: it
// scales the symbol to any size, pixel by pixel, and compresses at the
// slowest level with a new compressor each time. A ticket's code at 512
// pixels took 3.4 ms of CPU, inside the transaction that sells the ticket
// (bench/README.md, "A ticket's QR code drawn in a fifth of the time").
// Here each module is a whole number of pixels (sharp edges, which a
// camera reads best), rows are copied instead of drawn, and the PNG is
// compressed fast, with compressors reused.
package qrimage

import (
	"bytes"
	"fmt"
	"image"
	"image/color"
	"image/png"
	"sync"

	"github.com/skip2/go-qrcode"
)

// PNG draws content as a QR code at error-correction level M (which
// DESIGN.md sizes the tokens for), with its quiet zone, as a black on
// white PNG at least minPixels wide and high: each module is the smallest
// whole number of pixels that reaches it.
func PNG(content string, minPixels int) ([]byte, error) {
	q, err := qrcode.New(content, qrcode.Medium)
	if err != nil {
		return nil, fmt.Errorf("qr code: %w", err)
	}
	var buf bytes.Buffer
	if err := encoder.Encode(&buf, draw(q.Bitmap(), minPixels)); err != nil {
		return nil, fmt.Errorf("qr code png: %w", err)
	}
	return buf.Bytes(), nil
}

// palette is white (index 0) and black (1).
var palette = color.Palette{color.White, color.Black}

// draw scales bits (true is black) by the whole number of pixels per
// module that makes the image at least minPixels wide.
func draw(bits [][]bool, minPixels int) *image.Paletted {
	n := len(bits)
	scale := max(1, (minPixels+n-1)/n)
	size := n * scale
	img := image.NewPaletted(image.Rect(0, 0, size, size), palette)
	for y, row := range bits {
		top := y * scale * img.Stride
		line := img.Pix[top : top+size]
		for x, black := range row {
			if black {
				for i := x * scale; i < (x+1)*scale; i++ {
					line[i] = 1
				}
			}
		}
		for k := 1; k < scale; k++ {
			copy(img.Pix[top+k*img.Stride:], line)
		}
	}
	return img
}

// encoder compresses fast: a QR code is mostly runs, which the fastest
// level already packs to a few hundred bytes.
var encoder = png.Encoder{CompressionLevel: png.BestSpeed, BufferPool: &buffers{}}

// buffers keeps the PNG encoders' compressors for reuse.
type buffers struct{ pool sync.Pool }

func (b *buffers) Get() *png.EncoderBuffer {
	buf, _ := b.pool.Get().(*png.EncoderBuffer)
	return buf
}

func (b *buffers) Put(buf *png.EncoderBuffer) { b.pool.Put(buf) }
