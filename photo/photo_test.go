package photo_test

import (
	"bytes"
	"context"
	"encoding/binary"
	"hash/crc32"
	"image"
	"image/color"
	"image/jpeg"
	"image/png"
	"os"
	"testing"

	"cityhub/apperr"
	"cityhub/photo"
)

// picture is a w×h image, red on its left half and blue on its right, so a
// turn shows in the pixels.
func picture(w, h int) *image.RGBA {
	img := image.NewRGBA(image.Rect(0, 0, w, h))
	for y := 0; y < h; y++ {
		for x := 0; x < w; x++ {
			c := color.RGBA{R: 220, A: 255}
			if x >= w/2 {
				c = color.RGBA{B: 220, A: 255}
			}
			img.Set(x, y, c)
		}
	}
	return img
}

func jpegBytes(t testing.TB, img image.Image) []byte {
	t.Helper()
	var b bytes.Buffer
	if err := jpeg.Encode(&b, img, &jpeg.Options{Quality: 90}); err != nil {
		t.Fatal(err)
	}
	return b.Bytes()
}

// gpsLatitude is a distinctive GPS value: 41° 7' 53.123" as rationals.
var gpsLatitude = []uint32{41, 1, 7, 1, 53123, 1000}

// withExif puts an APP1 EXIF segment right after the JPEG's SOI: IFD0 with
// the orientation and a pointer to a GPS IFD holding a latitude, as a
// phone writes them.
func withExif(jpg []byte, orientation uint16) []byte {
	be := binary.BigEndian
	var t bytes.Buffer
	t.WriteString("MM\x00\x2a")
	binary.Write(&t, be, uint32(8))
	// IFD0 at 8: two entries, then next-IFD 0.
	binary.Write(&t, be, uint16(2))
	binary.Write(&t, be, []uint16{0x0112, 3})
	binary.Write(&t, be, uint32(1))
	binary.Write(&t, be, []uint16{orientation, 0})
	gpsIFD := uint32(8 + 2 + 2*12 + 4)
	binary.Write(&t, be, []uint16{0x8825, 4})
	binary.Write(&t, be, uint32(1))
	binary.Write(&t, be, gpsIFD)
	binary.Write(&t, be, uint32(0))
	// GPS IFD: LatitudeRef "N", Latitude three rationals after the IFD.
	binary.Write(&t, be, uint16(2))
	binary.Write(&t, be, []uint16{0x0001, 2})
	binary.Write(&t, be, uint32(2))
	t.WriteString("N\x00\x00\x00")
	binary.Write(&t, be, []uint16{0x0002, 5})
	binary.Write(&t, be, uint32(3))
	binary.Write(&t, be, gpsIFD+2+2*12+4)
	binary.Write(&t, be, uint32(0))
	binary.Write(&t, be, gpsLatitude)
	seg := append([]byte("Exif\x00\x00"), t.Bytes()...)
	out := append([]byte{0xff, 0xd8, 0xff, 0xe1}, byte((len(seg)+2)>>8), byte(len(seg)+2))
	out = append(out, seg...)
	return append(out, jpg[2:]...)
}

func gpsBytes() []byte {
	var b bytes.Buffer
	binary.Write(&b, binary.BigEndian, gpsLatitude)
	return b.Bytes()
}

// A phone's JPEG with EXIF GPS comes out without any EXIF: no APP1
// segment, no GPS value, and turned upright as its orientation said.
func TestExifAndGPSAreDropped(t *testing.T) {
	in := withExif(jpegBytes(t, picture(64, 32)), 6)
	if !bytes.Contains(in, gpsBytes()) || !bytes.Contains(in, []byte("Exif")) {
		t.Fatal("the test image carries no GPS")
	}
	p, err := photo.Process(context.Background(), in, photo.Limits{})
	if err != nil {
		t.Fatal(err)
	}
	for name, out := range map[string][]byte{"photo": p.JPEG, "thumbnail": p.Thumbnail} {
		if bytes.Contains(out, []byte("Exif")) || bytes.Contains(out, gpsBytes()) || bytes.Contains(out, []byte{0xff, 0xe1}) {
			t.Fatalf("the %s still carries EXIF", name)
		}
		if _, err := jpeg.Decode(bytes.NewReader(out)); err != nil {
			t.Fatalf("the %s is no JPEG: %v", name, err)
		}
	}
	// Orientation 6: the camera was turned clockwise; the 64×32 picture
	// stands 32×64 with its red half on top.
	img, _ := jpeg.Decode(bytes.NewReader(p.JPEG))
	if p.Width != 32 || p.Height != 64 || img.Bounds().Dx() != 32 {
		t.Fatalf("not turned upright: %d×%d", p.Width, p.Height)
	}
	if r, _, b, _ := img.At(16, 8).RGBA(); r < b {
		t.Fatalf("the top is not the red half: r=%d b=%d", r, b)
	}
}

// PNG and WebP are accepted and become JPEG; big photos are scaled down,
// with a thumbnail.
func TestFormats(t *testing.T) {
	var pngBuf bytes.Buffer
	if err := png.Encode(&pngBuf, picture(3000, 1000)); err != nil {
		t.Fatal(err)
	}
	// A WebP from golang.org/x/image's test data (BSD licence).
	webpData, err := os.ReadFile("testdata/blue-purple-pink.lossy.webp")
	if err != nil {
		t.Fatal(err)
	}
	for name, tc := range map[string]struct {
		data   []byte
		format string
		w, h   int
	}{
		"png":  {pngBuf.Bytes(), "png", 2048, 682},
		"webp": {webpData, "webp", 0, 0},
		"jpeg": {jpegBytes(t, picture(100, 80)), "jpeg", 100, 80},
	} {
		p, err := photo.Process(context.Background(), tc.data, photo.Limits{})
		if err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		if p.Format != tc.format || photo.Format(p.JPEG) != "jpeg" || photo.Format(p.Thumbnail) != "jpeg" {
			t.Fatalf("%s: %+v", name, p.Format)
		}
		if tc.w != 0 && (p.Width != tc.w || p.Height != tc.h) {
			t.Fatalf("%s: %d×%d, want %d×%d", name, p.Width, p.Height, tc.w, tc.h)
		}
		th, err := jpeg.DecodeConfig(bytes.NewReader(p.Thumbnail))
		if err != nil || max(th.Width, th.Height) > photo.DefaultThumbEdge {
			t.Fatalf("%s: thumbnail %+v, %v", name, th, err)
		}
	}
}

// pngHeader is a PNG signature and an IHDR chunk declaring w×h, with no
// pixels: what a decompression bomb looks like before it is opened.
func pngHeader(w, h uint32) []byte { return pngHeaderDepth(w, h, 8) }

// pngHeaderDepth is pngHeader for an RGBA PNG of depth bits a sample.
func pngHeaderDepth(w, h uint32, depth byte) []byte {
	var ihdr bytes.Buffer
	ihdr.WriteString("IHDR")
	binary.Write(&ihdr, binary.BigEndian, []uint32{w, h})
	ihdr.Write([]byte{depth, 6, 0, 0, 0})
	var b bytes.Buffer
	b.WriteString("\x89PNG\r\n\x1a\n")
	binary.Write(&b, binary.BigEndian, uint32(13))
	b.Write(ihdr.Bytes())
	binary.Write(&b, binary.BigEndian, crc32.ChecksumIEEE(ihdr.Bytes()))
	return b.Bytes()
}

// Anything that is not a photo within the limits is refused with a reason.
func TestRefused(t *testing.T) {
	for name, tc := range map[string]struct {
		data   []byte
		limits photo.Limits
		reason string
	}{
		"empty":             {nil, photo.Limits{}, "photo_empty"},
		"html named .jpg":   {[]byte("<html><script>alert(1)</script></html>"), photo.Limits{}, "photo_format"},
		"gif":               {[]byte("GIF89a\x01\x00\x01\x00\x00\x00\x00;"), photo.Limits{}, "photo_format"},
		"svg":               {[]byte(`<svg xmlns="http://www.w3.org/2000/svg"/>`), photo.Limits{}, "photo_format"},
		"jpeg magic only":   {[]byte{0xff, 0xd8, 0xff, 0xe0, 0, 0}, photo.Limits{}, "photo_corrupt"},
		"truncated jpeg":    {jpegBytes(t, picture(64, 64))[:200], photo.Limits{}, "photo_corrupt"},
		"oversized":         {jpegBytes(t, picture(64, 64)), photo.Limits{MaxBytes: 100}, "photo_too_large"},
		"bomb":              {pngHeader(100_000, 100_000), photo.Limits{}, "photo_too_many_pixels"},
		"just too many":     {jpegBytes(t, picture(101, 100)), photo.Limits{MaxPixels: 10_000}, "photo_too_many_pixels"},
		"zero width header": {pngHeader(0, 10), photo.Limits{}, ""},
	} {
		_, err := photo.Process(context.Background(), tc.data, tc.limits)
		if !apperr.Has(err, apperr.Invalid) || (tc.reason != "" && apperr.ReasonOf(err) != tc.reason) {
			t.Errorf("%s: %v, want invalid/%s", name, err, tc.reason)
		}
	}
}

// The pixel cap counts pixels; the decode budget counts the bytes they
// take. A 16-bit RGBA PNG of 6000×6000 is within 40 megapixels, but would
// decode to 288 MB: it is refused from its header, before a pixel is
// decoded, while the same size at 8 bits (144 MB) passes the budget.
func TestDecodedBytesBudget(t *testing.T) {
	_, err := photo.Process(context.Background(), pngHeaderDepth(6000, 6000, 16), photo.Limits{})
	if apperr.ReasonOf(err) != "photo_too_big_to_decode" {
		t.Fatalf("16-bit 6000×6000 PNG: %v, want photo_too_big_to_decode", err)
	}
	_, err = photo.Process(context.Background(), pngHeaderDepth(6000, 6000, 8), photo.Limits{})
	if apperr.ReasonOf(err) != "photo_corrupt" {
		t.Fatalf("8-bit 6000×6000 PNG header: %v, want it past the budget (and then corrupt: it has no pixels)", err)
	}

	// Real images: a 16-bit PNG of 500×500 takes 2 MB decoded; a
	// baseline 4:2:0 JPEG of 1000×1000, 1.5 MB (a sample a pixel of luma,
	// a quarter each of the two chromas).
	var png16 bytes.Buffer
	img := image.NewNRGBA64(image.Rect(0, 0, 500, 500))
	if err := png.Encode(&png16, img); err != nil {
		t.Fatal(err)
	}
	jpg := jpegBytes(t, picture(1000, 1000))
	for name, tc := range map[string]struct {
		data   []byte
		budget int64
		ok     bool
	}{
		"16-bit png over":  {png16.Bytes(), 1900_000, false},
		"16-bit png under": {png16.Bytes(), 2 << 20, true},
		"jpeg over":        {jpg, 1400_000, false},
		"jpeg under":       {jpg, 1600_000, true},
	} {
		_, err := photo.Process(context.Background(), tc.data, photo.Limits{MaxDecodedBytes: tc.budget})
		if tc.ok && err != nil || !tc.ok && apperr.ReasonOf(err) != "photo_too_big_to_decode" {
			t.Errorf("%s: %v", name, err)
		}
	}
}

// Whatever bytes come in, Process answers a JPEG without metadata within
// the limits, or Invalid; it never panics or hangs.
func FuzzProcess(f *testing.F) {
	f.Add(withExif(jpegBytes(f, picture(16, 8)), 8))
	var pngBuf bytes.Buffer
	_ = png.Encode(&pngBuf, picture(8, 8))
	f.Add(pngBuf.Bytes())
	f.Add(pngHeader(1<<20, 1<<20))
	if w, err := os.ReadFile("testdata/blue-purple-pink.lossy.webp"); err == nil {
		f.Add(w)
	}
	f.Add([]byte("RIFF\x00\x00\x00\x00WEBPVP8 "))
	limits := photo.Limits{MaxBytes: 1 << 20, MaxPixels: 1 << 20, MaxEdge: 64, ThumbEdge: 16}
	f.Fuzz(func(t *testing.T, data []byte) {
		p, err := photo.Process(context.Background(), data, limits)
		if err != nil {
			if !apperr.Has(err, apperr.Invalid) {
				t.Fatalf("error %v is not Invalid", err)
			}
			return
		}
		cfg, err := jpeg.DecodeConfig(bytes.NewReader(p.JPEG))
		if err != nil || cfg.Width > 64 || cfg.Height > 64 || bytes.Contains(p.JPEG, []byte{0xff, 0xe1}) {
			t.Fatalf("output %+v, %v", cfg, err)
		}
	})
}

// A 12-megapixel phone photo: how long the upload path spends on it.
func BenchmarkProcess12MP(b *testing.B) {
	data := jpegBytes(b, picture(4000, 3000))
	b.SetBytes(int64(len(data)))
	for b.Loop() {
		if _, err := photo.Process(context.Background(), data, photo.Limits{}); err != nil {
			b.Fatal(err)
		}
	}
}

// bitWriter writes a VP8L bit stream, least significant bit first.
type bitWriter struct {
	buf  []byte
	acc  uint64
	nacc uint
}

func (b *bitWriter) put(v uint64, n uint) {
	b.acc |= v << b.nacc
	b.nacc += n
	for b.nacc >= 8 {
		b.buf = append(b.buf, byte(b.acc))
		b.acc >>= 8
		b.nacc -= 8
	}
}

// vp8l is a lossless WebP bit stream of w×h black pixels: no transform,
// five simple one-symbol prefix codes, so every pixel takes no bits at all
// and a picture of any size takes a few bytes.
func vp8l(w, h int) []byte {
	var b bitWriter
	b.put(0x2f, 8)
	b.put(uint64(w-1), 14)
	b.put(uint64(h-1), 14)
	b.put(0, 1+3+1+1+1) // no alpha hint, version 0, no transform, no colour cache, no meta prefix codes
	for range 5 {
		b.put(1, 1) // simple code
		b.put(0, 1) // one symbol
		b.put(0, 1) // of one bit
		b.put(0, 1) // symbol 0
	}
	b.put(0, 7)
	return append(b.buf, make([]byte, 16)...)
}

func riffChunk(id string, data []byte) []byte {
	out := binary.LittleEndian.AppendUint32([]byte(id), uint32(len(data)))
	out = append(out, data...)
	if len(data)%2 == 1 {
		out = append(out, 0)
	}
	return out
}

// losslessInVP8X is a WebP whose VP8X header declares w×h and no alpha (a
// colour model of YCbCr, as a lossy photo's) and whose payload is
// lossless: what a 62-byte bomb looks like.
func losslessInVP8X(w, h int) []byte {
	x := make([]byte, 10)
	x[4], x[5], x[6] = byte(w-1), byte((w-1)>>8), byte((w-1)>>16)
	x[7], x[8], x[9] = byte(h-1), byte((h-1)>>8), byte((h-1)>>16)
	body := append(riffChunk("VP8X", x), riffChunk("VP8L", vp8l(w, h))...)
	out := binary.LittleEndian.AppendUint32([]byte("RIFF"), uint32(4+len(body)))
	return append(append(out, "WEBP"...), body...)
}

// A lossless WebP decodes at eight bytes a pixel whatever its VP8X header
// says: a 6000×6000 one of under a hundred bytes (36 megapixels, within
// the pixel cap) would take 288 MB and is refused from its header; at
// 100×100 the budget is exactly eight bytes a pixel.
func TestLosslessWebPBudget(t *testing.T) {
	bomb := losslessInVP8X(6000, 6000)
	if len(bomb) > 100 {
		t.Fatalf("the bomb takes %d bytes", len(bomb))
	}
	if _, err := photo.Process(context.Background(), bomb, photo.Limits{}); apperr.ReasonOf(err) != "photo_too_big_to_decode" {
		t.Fatalf("6000×6000 lossless WebP in VP8X: %v, want photo_too_big_to_decode", err)
	}
	small := losslessInVP8X(100, 100)
	if _, err := photo.Process(context.Background(), small, photo.Limits{MaxDecodedBytes: 100*100*8 - 1}); apperr.ReasonOf(err) != "photo_too_big_to_decode" {
		t.Fatalf("100×100 lossless WebP under eight bytes a pixel: %v, want photo_too_big_to_decode", err)
	}
	p, err := photo.Process(context.Background(), small, photo.Limits{MaxDecodedBytes: 100 * 100 * 8})
	if err != nil || p.Format != "webp" || p.Width != 100 || p.Height != 100 {
		t.Fatalf("100×100 lossless WebP within eight bytes a pixel: %+v, %v", p, err)
	}
}

// A JPEG of many scans is refused before it is decoded: each scan costs
// the decoder a pass over the whole image, for a few bytes of the file.
// Ordinary JPEGs, of one scan or a progressive camera's ten, pass.
func TestTooManyScans(t *testing.T) {
	jpg := jpegBytes(t, picture(64, 64))
	sos := bytes.Index(jpg, []byte{0xff, 0xda})
	eoi := bytes.LastIndex(jpg, []byte{0xff, 0xd9})
	if sos < 0 || eoi < sos {
		t.Fatalf("no scan in the encoder's JPEG")
	}
	scans := func(n int) []byte {
		out := append([]byte{}, jpg[:sos]...)
		for range n {
			out = append(out, jpg[sos:eoi]...)
		}
		return append(out, 0xff, 0xd9)
	}
	if _, err := photo.Process(context.Background(), scans(photo.MaxJPEGScans+1), photo.Limits{}); apperr.ReasonOf(err) != "photo_too_big_to_decode" {
		t.Fatalf("a JPEG of %d scans: %v, want photo_too_big_to_decode", photo.MaxJPEGScans+1, err)
	}
	// Within the bound the decoder has its say (a baseline frame with
	// extra scans is its to judge), never the bound.
	if _, err := photo.Process(context.Background(), scans(photo.MaxJPEGScans), photo.Limits{}); apperr.ReasonOf(err) == "photo_too_big_to_decode" {
		t.Fatalf("a JPEG of %d scans refused by the bound: %v", photo.MaxJPEGScans, err)
	}
	if _, err := photo.Process(context.Background(), jpg, photo.Limits{}); err != nil {
		t.Fatalf("an ordinary JPEG: %v", err)
	}
}
