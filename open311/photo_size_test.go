package open311_test

import (
	"bytes"
	"encoding/json"
	"mime/multipart"
	"testing"

	"cityhub/open311"
	"cityhub/photo"
	"cityhub/store"
	"cityhub/store/storetest"
)

// A photo over the limit is refused with the limit said exactly: 8 MiB
// is 8,388,608 bytes, which "8 MB" is not, and a limit that is no whole
// number of MiB is given in bytes (or KiB), not rounded down.
func TestPhotoTooLargeSaysTheLimit(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db store.DB) {
		for _, tc := range []struct {
			limit, size int
			want        string
		}{
			{0, 9_000_000, "A photo may be at most 8 MiB (8388608 bytes)."},
			{100_000, 100_001, "A photo may be at most 100000 bytes."},
			{64 << 10, 70_000, "A photo may be at most 64 KiB (65536 bytes)."},
		} {
			e := newEnvWith(t, db, open311.Options{Photos: photo.Limits{MaxBytes: tc.limit}})
			var body bytes.Buffer
			mw := multipart.NewWriter(&body)
			for k, v := range map[string]string{"api_key": e.key, "service_code": "pothole", "lat": "41.1316", "long": "14.7802"} {
				_ = mw.WriteField(k, v)
			}
			fw, _ := mw.CreateFormFile("media", "big.jpg")
			_, _ = fw.Write(bytes.Repeat([]byte{0xff}, tc.size))
			_ = mw.Close()
			code, b, _ := e.do(t, "POST", "/requests.json", &body, mw.FormDataContentType())
			var errs []struct {
				Description string `json:"description"`
			}
			if err := json.Unmarshal(b, &errs); err != nil || code != 400 || len(errs) != 1 || errs[0].Description != tc.want {
				t.Errorf("limit %d, photo of %d bytes: %d %s, want %q", tc.limit, tc.size, code, b, tc.want)
			}
		}
	})
}
