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

// jpegScans counts data's scans, walking its markers and skipping each
// scan's entropy-coded bytes; it stops at the end of the image, at the end
// of data, or as soon as the count passes MaxJPEGScans. A file that does
// not parse is left to the decoder to refuse.
func jpegScans(data []byte) int {
	scans := 0
	i := 2 // after SOI
	for i+4 <= len(data) && scans <= MaxJPEGScans {
		if data[i] != 0xff {
			return scans
		}
		marker := data[i+1]
		switch {
		case marker == 0xff: // fill byte
			i++
			continue
		case marker == 0xd9: // EOI
			return scans
		case marker == 0x01 || marker >= 0xd0 && marker <= 0xd8: // no length
			i += 2
			continue
		}
		n := int(binary.BigEndian.Uint16(data[i+2:]))
		if n < 2 || i+2+n > len(data) {
			return scans
		}
		i += 2 + n
		if marker != 0xda {
			continue
		}
		scans++
		// The scan's data runs to the next marker that is neither a
		// stuffed 0xFF00 nor a restart marker.
		for {
			k := bytes.IndexByte(data[i:], 0xff)
			if k < 0 || i+k+1 >= len(data) {
				return scans
			}
			i += k
			if next := data[i+1]; next != 0x00 && (next < 0xd0 || next > 0xd7) {
				break
			}
			i++
		}
	}
	return scans
}
