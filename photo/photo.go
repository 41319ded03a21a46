// Package photo turns an uploaded picture into one the hub may keep and
// show: it accepts JPEG, PNG and WebP within a size and a pixel limit,
// decodes it, turns it upright, and encodes it again as a JPEG with a
// thumbnail. Re-encoding writes pixels only, so whatever metadata the
// upload carried (EXIF with the camera's GPS position, comments, ICC
// profiles) is gone. It knows nothing of reports, storage or HTTP.
//
// The upload is untrusted. Its size is checked before anything is read;
// its header is read before any pixel is decoded, and the image is refused
// when its declared pixels, or the memory decoding them would take (the
// pixels times the bytes each needs in the declared format: a 16-bit PNG
// takes eight, a progressive JPEG keeps its coefficients too), exceed the
// limits. At most MaxConcurrentDecodes uploads are decoded at once in the
// process, so the memory in use is bounded by that many budgets, whatever
// the number of requests. This bounds the damage of a decompression bomb;
// it does not make a decode cheap: a photo within the limits still costs
// up to MaxDecodedBytes and a few hundred milliseconds of CPU, so callers
// take it only from people and apps the hub knows.
package photo

import (
	"bytes"
	"context"
	"encoding/binary"
	"fmt"
	"image"
	"image/color"
	"image/jpeg"
	"image/png"

	"golang.org/x/image/draw"
	"golang.org/x/image/webp"

	"cityhub/apperr"
)

// Limits bound what an upload may be and what is kept; zero fields take
// the defaults.
type Limits struct {
	MaxBytes  int // the upload's size, default 8 MiB
	MaxPixels int // width × height as declared, default 40 million
	// MaxDecodedBytes is the memory decoding may take, estimated from the
	// header, default 192 MiB.
	MaxDecodedBytes int64
	MaxEdge         int // the kept image's longer side, default 2048
	ThumbEdge       int // the thumbnail's longer side, default 320
	Quality         int // JPEG quality, default 82
}

// Defaults of Limits.
const (
	DefaultMaxBytes  = 8 << 20
	DefaultMaxPixels = 40_000_000
	// DefaultMaxDecodedBytes lets a 40-megapixel 8-bit RGBA PNG or a
	// 12-megapixel progressive JPEG through, and refuses a 16-bit PNG of
	// 6000×6000 (288 MB decoded from a file of a few hundred KB).
	DefaultMaxDecodedBytes = 192 << 20
	DefaultMaxEdge         = 2048
	DefaultThumbEdge       = 320
	DefaultQuality         = 82
)

func (l Limits) withDefaults() Limits {
	if l.MaxBytes <= 0 {
		l.MaxBytes = DefaultMaxBytes
	}
	if l.MaxPixels <= 0 {
		l.MaxPixels = DefaultMaxPixels
	}
	if l.MaxDecodedBytes <= 0 {
		l.MaxDecodedBytes = DefaultMaxDecodedBytes
	}
	if l.MaxEdge <= 0 {
		l.MaxEdge = DefaultMaxEdge
	}
	if l.ThumbEdge <= 0 {
		l.ThumbEdge = DefaultThumbEdge
	}
	if l.Quality <= 0 || l.Quality > 100 {
		l.Quality = DefaultQuality
	}
	return l
}

// Processed is a photo ready to keep: JPEG bytes without metadata.
type Processed struct {
	JPEG      []byte
	Thumbnail []byte
	Width     int
	Height    int
	// Format is what was uploaded: "jpeg", "png" or "webp".
	Format string
}

// Format names what data starts like: "jpeg", "png", "webp", or "".
func Format(data []byte) string {
	switch {
	case len(data) >= 3 && data[0] == 0xff && data[1] == 0xd8 && data[2] == 0xff:
		return "jpeg"
	case bytes.HasPrefix(data, []byte("\x89PNG\r\n\x1a\n")):
		return "png"
	case len(data) >= 12 && string(data[0:4]) == "RIFF" && string(data[8:12]) == "WEBP":
		return "webp"
	}
	return ""
}

// MaxConcurrentDecodes is how many uploads the process decodes at once;
// the others wait their turn (or their context's end).
const MaxConcurrentDecodes = 2

// decodeSlots holds one token per decode in progress, process-wide: the
// memory bound is per process, whichever handler calls.
var decodeSlots = make(chan struct{}, MaxConcurrentDecodes)

// testHookDecoding, when set by a test, runs while a decode slot is held.
var testHookDecoding func()

// Process checks, decodes and re-encodes an upload, waiting for a decode
// slot (at most MaxConcurrentDecodes at once) as long as ctx allows.
// Errors are Invalid with a reason: photo_empty, photo_too_large,
// photo_format (not a JPEG, PNG or WebP), photo_too_many_pixels,
// photo_too_big_to_decode (the memory decoding would take is over
// MaxDecodedBytes), photo_corrupt (it says it is one but does not decode);
// Unavailable (photo_busy) when ctx ends before a slot is free.
func Process(ctx context.Context, data []byte, l Limits) (p Processed, err error) {
	l = l.withDefaults()
	if len(data) == 0 {
		return p, apperr.R(apperr.Invalid, "photo_empty", "The photo is empty.")
	}
	if len(data) > l.MaxBytes {
		return p, apperr.R(apperr.Invalid, "photo_too_large", "A photo may be at most %d MB.", l.MaxBytes>>20)
	}
	format := Format(data)
	var decodeConfig func([]byte) (image.Config, error)
	var decode func([]byte) (image.Image, error)
	switch format {
	case "jpeg":
		decodeConfig = func(b []byte) (image.Config, error) { return jpeg.DecodeConfig(bytes.NewReader(b)) }
		decode = func(b []byte) (image.Image, error) { return jpeg.Decode(bytes.NewReader(b)) }
	case "png":
		decodeConfig = func(b []byte) (image.Config, error) { return png.DecodeConfig(bytes.NewReader(b)) }
		decode = func(b []byte) (image.Image, error) { return png.Decode(bytes.NewReader(b)) }
	case "webp":
		decodeConfig = func(b []byte) (image.Config, error) { return webp.DecodeConfig(bytes.NewReader(b)) }
		decode = func(b []byte) (image.Image, error) { return webp.Decode(bytes.NewReader(b)) }
	default:
		return p, apperr.R(apperr.Invalid, "photo_format", "A photo must be a JPEG, PNG or WebP image.")
	}
	corrupt := func(cause error) error {
		e := apperr.Wrap(cause, apperr.Invalid, "The photo could not be read; it may be damaged.")
		e.Reason = "photo_corrupt"
		return e
	}
	// A decoder bug must not take the hub down with it: whatever an
	// upload makes a decoder do, the answer is that the photo is unreadable.
	defer func() {
		if r := recover(); r != nil {
			p, err = Processed{}, corrupt(fmt.Errorf("decoder panic: %v", r))
		}
	}()
	cfg, err := decodeConfig(data)
	if err != nil {
		return p, corrupt(err)
	}
	if cfg.Width <= 0 || cfg.Height <= 0 || int64(cfg.Width)*int64(cfg.Height) > int64(l.MaxPixels) {
		return p, apperr.R(apperr.Invalid, "photo_too_many_pixels", "A photo may have at most %d megapixels.", l.MaxPixels/1_000_000)
	}
	if decodedBytes(format, data, cfg) > l.MaxDecodedBytes {
		return p, apperr.R(apperr.Invalid, "photo_too_big_to_decode",
			"This photo is too big to process (too many pixels for its colour depth); send it smaller or as an ordinary JPEG.")
	}
	select {
	case decodeSlots <- struct{}{}:
	case <-ctx.Done():
		e := apperr.Wrap(ctx.Err(), apperr.Unavailable, "The hub is busy with other photos; try again in a moment.")
		e.Reason = "photo_busy"
		return p, e
	}
	defer func() { <-decodeSlots }()
	if testHookDecoding != nil {
		testHookDecoding()
	}
	img, err := decode(data)
	if err != nil {
		return p, corrupt(err)
	}
	full := fit(img, l.MaxEdge, draw.ApproxBiLinear)
	if format == "jpeg" {
		// Phones store a portrait photo sideways and say so in EXIF,
		// which re-encoding drops: the pixels are turned instead.
		full = upright(full, orientation(data))
	}
	thumb := fit(full, l.ThumbEdge, draw.CatmullRom)
	if p.JPEG, err = encode(full, l.Quality); err != nil {
		return Processed{}, err
	}
	if p.Thumbnail, err = encode(thumb, l.Quality); err != nil {
		return Processed{}, err
	}
	b := full.Bounds()
	p.Width, p.Height, p.Format = b.Dx(), b.Dy(), format
	return p, nil
}

// decodedBytes estimates, from the header alone, the memory decoding data
// takes: its pixels times the bytes each needs in the declared format.
// Where the header does not settle it, the larger case counts.
func decodedBytes(format string, data []byte, cfg image.Config) int64 {
	px := int64(cfg.Width) * int64(cfg.Height)
	switch format {
	case "jpeg":
		if n := jpegDecodedBytes(data); n > 0 {
			return n
		}
	case "png":
		// A grey or truecolour PNG with a transparent colour (tRNS, which
		// the header does not show) decodes to NRGBA: 4 bytes a pixel,
		// 8 at 16 bits. An interlaced one is decoded pass by pass into
		// images of its own size in all, then merged: twice that.
		per := int64(4)
		if len(data) > 28 {
			switch depth, ctype := data[24], data[25]; {
			case ctype == 3:
				per = 1
			case depth == 16:
				per = 8
			}
			if data[28] == 1 {
				per *= 2
			}
		}
		return px * per
	case "webp":
		if cfg.ColorModel == color.NRGBAModel {
			// Lossless: the decoder's own ARGB words and then NRGBA.
			return px * 8
		}
	}
	return px * bytesPerPixel(cfg.ColorModel)
}

// bytesPerPixel is what one pixel takes in the image a decoder returns for
// model; 8 (the largest) for a model not listed.
func bytesPerPixel(model color.Model) int64 {
	switch model {
	case color.GrayModel, color.AlphaModel:
		return 1
	case color.Gray16Model, color.Alpha16Model:
		return 2
	case color.YCbCrModel:
		return 3 // 4:4:4 at most
	case color.NYCbCrAModel, color.RGBAModel, color.NRGBAModel, color.CMYKModel:
		return 4
	}
	if _, ok := model.(color.Palette); ok {
		return 1
	}
	return 8
}

// jpegDecodedBytes reads a JPEG's frame header (SOF) and gives what the
// decoder allocates for it: a byte per sample of every component's blocks,
// four more per sample when the JPEG is progressive (it keeps every
// block's coefficients as int32 until the last scan), and the CMYK image a
// four-component JPEG is converted to. 0 when no frame header is found.
func jpegDecodedBytes(data []byte) int64 {
	i := 2 // after SOI
	for i+4 <= len(data) {
		if data[i] != 0xff {
			return 0
		}
		marker := data[i+1]
		if marker == 0xd8 || (marker >= 0xd0 && marker <= 0xd7) || marker == 0x01 || marker == 0xff {
			i++
			continue
		}
		if marker == 0xda || marker == 0xd9 {
			return 0
		}
		n := int(binary.BigEndian.Uint16(data[i+2:]))
		if n < 2 || i+2+n > len(data) {
			return 0
		}
		seg := data[i+4 : i+2+n]
		if marker >= 0xc0 && marker <= 0xc2 {
			return sofBytes(seg, marker == 0xc2)
		}
		i += 2 + n
	}
	return 0
}

func sofBytes(seg []byte, progressive bool) int64 {
	if len(seg) < 6 {
		return 0
	}
	h, w, nc := int64(binary.BigEndian.Uint16(seg[1:])), int64(binary.BigEndian.Uint16(seg[3:])), int(seg[5])
	if len(seg) < 6+3*nc || nc == 0 {
		return 0
	}
	var hmax, vmax int64 = 1, 1
	for c := 0; c < nc; c++ {
		hv := seg[6+3*c+1]
		hmax, vmax = max(hmax, int64(hv>>4)), max(vmax, int64(hv&0x0f))
	}
	mcuX, mcuY := (w+8*hmax-1)/(8*hmax), (h+8*vmax-1)/(8*vmax)
	var samples int64
	for c := 0; c < nc; c++ {
		hv := seg[6+3*c+1]
		samples += mcuX * int64(hv>>4) * mcuY * int64(hv&0x0f) * 64
	}
	total := samples
	if progressive {
		total += 4 * samples
	}
	if nc == 4 {
		total += 4 * w * h
	}
	return total
}

// fit scales img down so that its longer side is at most edge, onto an
// opaque white canvas (JPEG has no transparency).
func fit(img image.Image, edge int, scaler draw.Scaler) *image.RGBA {
	b := img.Bounds()
	w, h := b.Dx(), b.Dy()
	if w > edge || h > edge {
		if w >= h {
			w, h = edge, max(1, h*edge/w)
		} else {
			w, h = max(1, w*edge/h), edge
		}
	}
	dst := image.NewRGBA(image.Rect(0, 0, w, h))
	op := draw.Src
	if o, ok := img.(interface{ Opaque() bool }); !ok || !o.Opaque() {
		// Transparent parts become white, not black.
		draw.Draw(dst, dst.Bounds(), image.White, image.Point{}, draw.Src)
		op = draw.Over
	}
	if w == b.Dx() && h == b.Dy() {
		draw.Draw(dst, dst.Bounds(), img, b.Min, op)
	} else {
		scaler.Scale(dst, dst.Bounds(), img, b, op, nil)
	}
	return dst
}

func encode(img image.Image, quality int) ([]byte, error) {
	var buf bytes.Buffer
	if err := jpeg.Encode(&buf, img, &jpeg.Options{Quality: quality}); err != nil {
		return nil, fmt.Errorf("encode jpeg: %w", err)
	}
	return buf.Bytes(), nil
}
