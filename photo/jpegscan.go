package photo

import (
	"bytes"
	"encoding/binary"
)

// MaxJPEGScans bounds the scans (SOS segments) a JPEG may have. A
// progressive JPEG is decoded scan by scan, and each scan visits every block
// of its components: the work grows with the scans, which cost a few bytes
// each, so a file of a few hundred kilobytes could keep a decode slot busy
// for minutes. Cameras and encoders write at most a few dozen (libjpeg's
// default progressive script has ten).
const MaxJPEGScans = 100

// jpegWalk walks a JPEG's markers after its SOI, calling seg with each
// segment that has a length (its marker and its payload, the start of
// scan's header included), and skipping each scan's entropy-coded data
// when seg asks to go on. It stops when seg returns false, at the end of
// the image, at the end of data, or at bytes that do not parse: every
// offset is checked against data's length, and what does not parse is
// left to the decoder to refuse. The one walk serves every look the hub
// takes at a JPEG before decoding it (its orientation, its frame's size,
// its scans).
func jpegWalk(data []byte, seg func(marker byte, payload []byte) bool) {
	i := 2 // after SOI
	for i+4 <= len(data) {
		if data[i] != 0xff {
			return
		}
		marker := data[i+1]
		switch {
		case marker == 0xff: // fill byte
			i++
			continue
		case marker == 0xd9: // EOI
			return
		case marker == 0x01 || marker >= 0xd0 && marker <= 0xd8: // no length
			i += 2
			continue
		}
		n := int(binary.BigEndian.Uint16(data[i+2:]))
		if n < 2 || i+2+n > len(data) {
			return
		}
		if !seg(marker, data[i+4:i+2+n]) {
			return
		}
		i += 2 + n
		if marker != 0xda {
			continue
		}
		// The scan's data runs to the next marker that is neither a
		// stuffed 0xFF00 nor a restart marker.
		for {
			k := bytes.IndexByte(data[i:], 0xff)
			if k < 0 || i+k+1 >= len(data) {
				return
			}
			i += k
			if next := data[i+1]; next != 0x00 && (next < 0xd0 || next > 0xd7) {
				break
			}
			i++
		}
	}
}

// jpegScans counts data's scans; it stops counting as soon as the count
// passes MaxJPEGScans.
func jpegScans(data []byte) int {
	scans := 0
	jpegWalk(data, func(marker byte, _ []byte) bool {
		if marker == 0xda {
			scans++
		}
		return scans <= MaxJPEGScans
	})
	return scans
}
