package photo

import "testing"

// The scans of a progressive JPEG's layout are counted across the tables
// between them, stuffed bytes and restart markers inside their data, and
// fill bytes before a marker.
func TestJPEGScansCounted(t *testing.T) {
	seg := func(marker byte, body ...byte) []byte {
		n := len(body) + 2
		return append([]byte{0xff, marker, byte(n >> 8), byte(n)}, body...)
	}
	var data []byte
	data = append(data, 0xff, 0xd8)
	data = append(data, seg(0xc2, 8, 0, 16, 0, 16, 1, 1, 0x11, 0)...)
	for range 3 {
		data = append(data, seg(0xc4, 0, 1, 2, 3)...)
		data = append(data, seg(0xda, 1, 1, 0, 0, 63, 0)...)
		data = append(data, 0x12, 0xff, 0x00, 0x34, 0xff, 0xd0, 0x56, 0xff, 0xd7, 0x78)
		data = append(data, 0xff) // a fill byte before the next marker
	}
	data = append(data, 0xff, 0xd9)
	if got := jpegScans(data); got != 3 {
		t.Fatalf("scans = %d, want 3", got)
	}
	// Cut inside a scan's data: what was seen is counted, no more.
	if got := jpegScans(data[:len(data)/2]); got < 1 || got > 2 {
		t.Fatalf("scans of half the file = %d", got)
	}
}
