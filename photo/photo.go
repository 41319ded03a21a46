// Package photo turns an uploaded picture into one the hub may keep and
// show: it accepts JPEG, PNG and WebP within a size and a pixel limit,
// decodes it, turns it upright, and encodes it again as a JPEG with a
// thumbnail. Re-encoding writes pixels only, so whatever metadata the
// upload carried (EXIF with the camera's GPS position, comments, ICC
// profiles) is gone. It knows nothing of reports, storage or HTTP.
//
// The upload is untrusted: its size is checked before anything is read,
// and its declared dimensions before any pixel is decoded, so a small file
// that claims to be a gigapixel image (a decompression bomb) costs nothing.
package photo

import (
	"bytes"
	"fmt"
	"image"
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
	MaxEdge   int // the kept image's longer side, default 2048
	ThumbEdge int // the thumbnail's longer side, default 320
	Quality   int // JPEG quality, default 82
}

// Defaults of Limits.
const (
	DefaultMaxBytes  = 8 << 20
	DefaultMaxPixels = 40_000_000
	DefaultMaxEdge   = 2048
	DefaultThumbEdge = 320
	DefaultQuality   = 82
)

func (l Limits) withDefaults() Limits {
	if l.MaxBytes <= 0 {
		l.MaxBytes = DefaultMaxBytes
	}
	if l.MaxPixels <= 0 {
		l.MaxPixels = DefaultMaxPixels
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

// Process checks, decodes and re-encodes an upload. Errors are Invalid
// with a reason: photo_empty, photo_too_large, photo_format (not a JPEG,
// PNG or WebP), photo_too_many_pixels, photo_corrupt (it says it is one
// but does not decode).
func Process(data []byte, l Limits) (p Processed, err error) {
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
