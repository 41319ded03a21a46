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
// takes eight, a lossless WebP eight, a progressive JPEG keeps its
// coefficients too), exceed the limits.
//
// At most MaxConcurrentDecodes uploads are worked at once in the process,
// each holding a decode slot from before the first byte of its file is
// read (Read) until its JPEGs are made: its bytes (at most MaxBytes), the
// decoded image (at most MaxDecodedBytes) and the re-encoded copies. An
// upload waiting for a slot holds none of its bytes; at most
// MaxWaitingUploads wait, each at most MaxWait, and any more are refused at
// once (photo_busy). So the memory photos take is bounded by that many
// budgets, whatever the number of requests. This bounds the damage of a
// decompression bomb; it does not make a decode cheap: a photo within the
// limits still costs up to MaxDecodedBytes and a few hundred milliseconds
// of CPU, so callers take it only from people and apps the hub knows.
package photo

import (
	"bytes"
	"context"
	"encoding/binary"
	"errors"
	"fmt"
	"image"
	"image/color"
	"image/jpeg"
	"image/png"
	"io"
	"time"

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

// MaxConcurrentDecodes is how many uploads the process works at once (reads,
// decodes and re-encodes); the others wait their turn.
const MaxConcurrentDecodes = 2

// MaxWaitingUploads is how many uploads may wait for a decode slot at
// once, process-wide; one more is refused at once (photo_busy) rather
// than queued.
const MaxWaitingUploads = 8

// MaxWait is how long an upload waits for a decode slot at most (less when
// its context ends first); then it is refused (photo_busy).
const MaxWait = 10 * time.Second

// decodeSlots holds one token per upload being worked, process-wide: the
// memory bound is per process, whichever handler calls. places holds one
// per upload worked or waiting, so that the queue is bounded too.
var (
	decodeSlots = make(chan struct{}, MaxConcurrentDecodes)
	places      = make(chan struct{}, MaxConcurrentDecodes+MaxWaitingUploads)
)

// maxWait is MaxWait; tests shorten it.
var maxWait = MaxWait

// testHookDecoding, when set by a test, runs while a decode slot is held.
// testHookWaiting runs when an upload starts waiting for a slot.
var testHookDecoding, testHookWaiting func()

// errWaitedTooLong is why an upload that waited MaxWait is refused.
var errWaitedTooLong = errors.New("photo: waited too long for a decode slot")

// busy is the refusal of an upload the hub has no room for now.
func busy(cause error) error {
	e := apperr.Wrap(cause, apperr.Unavailable, "The hub is busy with other photos; try again in a moment.")
	e.Reason = "photo_busy"
	return apperr.Throttled(e, 2*time.Second)
}

// A Turn is an upload's place among those the process works or queues:
// Reserve takes one (Acquire also waits for its decode slot), Release gives
// both back. Not for concurrent use.
type Turn struct {
	decoding, released bool
}

// Reserve takes a place for an upload without waiting: Unavailable
// (photo_busy) when MaxConcurrentDecodes uploads are worked and
// MaxWaitingUploads wait already. The caller releases the turn.
func Reserve() (*Turn, error) {
	select {
	case places <- struct{}{}:
		return &Turn{}, nil
	default:
		return nil, busy(nil)
	}
}

// wait waits for the turn's decode slot, at most MaxWait and as long as
// ctx allows: Unavailable (photo_busy) when neither gives it one. The
// turn keeps its place either way, until Release.
func (t *Turn) wait(ctx context.Context) error {
	select {
	case decodeSlots <- struct{}{}:
		t.decoding = true
		return nil
	default:
	}
	if testHookWaiting != nil {
		testHookWaiting()
	}
	timer := time.NewTimer(maxWait)
	defer timer.Stop()
	select {
	case decodeSlots <- struct{}{}:
		t.decoding = true
		return nil
	case <-ctx.Done():
		return busy(ctx.Err())
	case <-timer.C:
		return busy(errWaitedTooLong)
	}
}

// Release gives back the turn's decode slot, if it had one, and its place.
// Calling it again does nothing.
func (t *Turn) Release() {
	if t == nil || t.released {
		return
	}
	t.released = true
	if t.decoding {
		t.decoding = false
		<-decodeSlots
	}
	<-places
}

// Acquire is Reserve then Wait: a turn holding a decode slot, or photo_busy
// (the queue is full, or the wait ended first). The caller releases it.
func Acquire(ctx context.Context) (*Turn, error) {
	t, err := Reserve()
	if err != nil {
		return nil, err
	}
	if err := t.wait(ctx); err != nil {
		t.Release()
		return nil, err
	}
	return t, nil
}

// ReadError is the error of opening or reading an upload in Read: the
// caller's side (a form it could not read), not the photo's.
type ReadError struct{ Err error }

func (e *ReadError) Error() string { return "photo: read upload: " + e.Err.Error() }
func (e *ReadError) Unwrap() error { return e.Err }

// Read processes the upload open gives (a multipart file, say) as Process
// does, taking its decode slot before open is called: an upload waiting
// for its turn holds none of its bytes, and one that is worked holds at
// most MaxBytes of them (one more byte tells it is too large). Errors are
// Process's, photo_busy when no slot comes (see Acquire), and *ReadError
// when open or reading fails.
func Read(ctx context.Context, open func() (io.ReadCloser, error), l Limits) (Processed, error) {
	l = l.withDefaults()
	t, err := Acquire(ctx)
	if err != nil {
		return Processed{}, err
	}
	defer t.Release()
	f, err := open()
	if err != nil {
		return Processed{}, &ReadError{Err: err}
	}
	data, err := io.ReadAll(io.LimitReader(f, int64(l.MaxBytes)+1))
	f.Close()
	if err != nil {
		return Processed{}, &ReadError{Err: err}
	}
	job, err := prepare(data, l)
	if err != nil {
		return Processed{}, err
	}
	return job.run(l)
}

// Process checks, decodes and re-encodes an upload already in memory,
// waiting for a decode slot (see Acquire) once its header passed the
// checks. Errors are Invalid with a reason: photo_empty, photo_too_large
// (its one value, apperr.ArgsOf, the limit as a Size), photo_format (not
// a JPEG, PNG or WebP), photo_too_many_pixels,
// photo_too_big_to_decode (the memory decoding would take is over
// MaxDecodedBytes), photo_corrupt (it says it is one but does not decode);
// Unavailable (photo_busy) when no slot comes: MaxWaitingUploads wait
// already, or MaxWait or ctx ends first.
func Process(ctx context.Context, data []byte, l Limits) (Processed, error) {
	l = l.withDefaults()
	job, err := prepare(data, l)
	if err != nil {
		return Processed{}, err
	}
	t, err := Acquire(ctx)
	if err != nil {
		return Processed{}, err
	}
	defer t.Release()
	return job.run(l)
}

// job is an upload whose header passed the checks, ready to decode.
type job struct {
	data   []byte
	format string
	decode func([]byte) (image.Image, error)
}

func corrupt(cause error) error {
	e := apperr.Wrap(cause, apperr.Invalid, "The photo could not be read; it may be damaged.")
	e.Reason = "photo_corrupt"
	return e
}

// Size is a number of bytes a refusal names (the limit photo_too_large
// carries): it prints (%s, %v) exactly, in MiB or KiB too when it is a
// whole number of them ("8 MiB (8388608 bytes)"), where "8 MB" read as
// 8,000,000 and a limit of a fraction of a MiB was said as 0. Pages write
// it in their own language from Whole.
type Size int

// Whole is n in the largest binary unit it is a whole number of: (8,
// "MiB") for 8 MiB, (64, "KiB") for 64 KiB, or (n, "") when it is neither.
func (n Size) Whole() (int, string) {
	switch {
	case n >= 1<<20 && n%(1<<20) == 0:
		return int(n >> 20), "MiB"
	case n >= 1<<10 && n%(1<<10) == 0:
		return int(n >> 10), "KiB"
	}
	return int(n), ""
}

func (n Size) String() string {
	if w, unit := n.Whole(); unit != "" {
		return fmt.Sprintf("%d %s (%d bytes)", w, unit, int(n))
	}
	return fmt.Sprintf("%d bytes", int(n))
}

// prepare checks data's size, format and header against l (with its
// defaults) without decoding a pixel.
func prepare(data []byte, l Limits) (j job, err error) {
	if len(data) == 0 {
		return j, apperr.R(apperr.Invalid, "photo_empty", "The photo is empty.")
	}
	if len(data) > l.MaxBytes {
		return j, apperr.R(apperr.Invalid, "photo_too_large", "A photo may be at most %s.", Size(l.MaxBytes))
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
		return j, apperr.R(apperr.Invalid, "photo_format", "A photo must be a JPEG, PNG or WebP image.")
	}
	// A decoder bug must not take the hub down with it: whatever an
	// upload makes a decoder do, the answer is that the photo is unreadable.
	defer func() {
		if r := recover(); r != nil {
			j, err = job{}, corrupt(fmt.Errorf("decoder panic: %v", r))
		}
	}()
	cfg, err := decodeConfig(data)
	if err != nil {
		return j, corrupt(err)
	}
	if cfg.Width <= 0 || cfg.Height <= 0 || int64(cfg.Width)*int64(cfg.Height) > int64(l.MaxPixels) {
		return j, apperr.R(apperr.Invalid, "photo_too_many_pixels", "A photo may have at most %d megapixels.", l.MaxPixels/1_000_000)
	}
	if decodedBytes(format, data, cfg) > l.MaxDecodedBytes {
		return j, apperr.R(apperr.Invalid, "photo_too_big_to_decode",
			"This photo is too big to process (too many pixels for its colour depth); send it smaller or as an ordinary JPEG.")
	}
	if format == "jpeg" && jpegScans(data) > MaxJPEGScans {
		return j, apperr.R(apperr.Invalid, "photo_too_big_to_decode",
			"This photo is stored in too many passes to process; send it as an ordinary JPEG.")
	}
	return job{data: data, format: format, decode: decode}, nil
}

// run decodes and re-encodes the job, under a decode slot its caller holds.
func (j job) run(l Limits) (p Processed, err error) {
	defer func() {
		if r := recover(); r != nil {
			p, err = Processed{}, corrupt(fmt.Errorf("decoder panic: %v", r))
		}
	}()
	if testHookDecoding != nil {
		testHookDecoding()
	}
	img, err := j.decode(j.data)
	if err != nil {
		return p, corrupt(err)
	}
	full := fit(img, l.MaxEdge, draw.ApproxBiLinear)
	if j.format == "jpeg" {
		// Phones store a portrait photo sideways and say so in EXIF,
		// which re-encoding drops: the pixels are turned instead.
		full = upright(full, orientation(j.data))
	}
	thumb := fit(full, l.ThumbEdge, draw.CatmullRom)
	if p.JPEG, err = encode(full, l.Quality); err != nil {
		return Processed{}, err
	}
	if p.Thumbnail, err = encode(thumb, l.Quality); err != nil {
		return Processed{}, err
	}
	b := full.Bounds()
	p.Width, p.Height, p.Format = b.Dx(), b.Dy(), j.format
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
		// The header's colour model says nothing of the payload behind
		// a VP8X header: what counts is the chunks.
		return px * webpBytesPerPixel(data)
	}
	return px * bytesPerPixel(cfg.ColorModel)
}

// webpBytesPerPixel is what a pixel of a WebP takes decoding it, from its
// RIFF chunks in the order the decoder reads them (it stops at the first
// image chunk): a lossless (VP8L) image takes eight (the decoder's ARGB
// bytes, and as many again unpacking a colour-indexed one); a lossy (VP8)
// one three (YCbCr, 4:2:0 in fact); an alpha plane (ALPH) one more when
// stored plain and eight more when compressed, which the decoder decodes as
// a lossless image of its own. When the chunks do not settle it (none is
// an image, or their lengths run past the data), the larger case counts:
// eight, with the alpha plane's.
func webpBytesPerPixel(data []byte) int64 {
	alpha := int64(0)
	for i := 12; i+8 <= len(data); {
		id, n := string(data[i:i+4]), int64(binary.LittleEndian.Uint32(data[i+4:]))
		switch id {
		case "VP8L":
			return 8 + alpha
		case "VP8 ":
			return 3 + alpha
		case "ALPH":
			// The first byte's low bits are the compression: 0 plain,
			// anything else (1, lossless) the dearer case.
			alpha = 8
			if n > 0 && i+8 < len(data) && data[i+8]&0x03 == 0 {
				alpha = 1
			}
		}
		next := int64(i) + 8 + n + n&1
		if next > int64(len(data)) {
			break
		}
		i = int(next)
	}
	return 8 + alpha
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
	var n int64
	jpegWalk(data, func(marker byte, seg []byte) bool {
		switch {
		case marker == 0xda: // start of scan: no frame header before it
			return false
		case marker >= 0xc0 && marker <= 0xc2:
			n = sofBytes(seg, marker == 0xc2)
			return false
		}
		return true
	})
	return n
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
