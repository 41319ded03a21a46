package web

import (
	"bytes"
	"image"
	"image/color"
	"image/png"
	"math/rand/v2"
	"mime/multipart"
	"net/http"
	"net/http/httptest"
	"testing"

	"cityhub/identity"
	"cityhub/participation"
	"cityhub/store/storetest"
)

// noisyPhoto is a PNG of random pixels, larger than the 64 KiB the server
// keeps of a keyed request's body.
func noisyPhoto(t testing.TB) []byte {
	t.Helper()
	rnd := rand.New(rand.NewPCG(1, 2))
	img := image.NewRGBA(image.Rect(0, 0, 200, 160))
	for x := range 200 {
		for y := range 160 {
			img.Set(x, y, color.RGBA{uint8(rnd.IntN(256)), uint8(rnd.IntN(256)), uint8(rnd.IntN(256)), 255})
		}
	}
	var b bytes.Buffer
	if err := png.Encode(&b, img); err != nil {
		t.Fatal(err)
	}
	if b.Len() <= 64<<10 {
		t.Fatalf("photo of %d bytes is not over 64 KiB", b.Len())
	}
	return b.Bytes()
}

// A multipart report with a photo too large for the server to keep its
// answer, retried with the same Idempotency-Key, answers the first report
// and makes no second one.
func TestParticipationKeyedReportWithLargePhoto(t *testing.T) {
	t.Parallel()
	for _, engine := range storetest.Engines {
		t.Run(engine, func(t *testing.T) {
			_, env := newTestServer(t, engine, withParticipation)
			_, cit := env.account(t, identity.RoleCitizen)
			pic := noisyPhoto(t)
			send := func(key string) *httptest.ResponseRecorder {
				var body bytes.Buffer
				mw := multipart.NewWriter(&body)
				for k, v := range map[string]string{"category": "pothole", "lat": "41.1307", "lon": "14.776", "description": "A deep hole by the bus stop"} {
					_ = mw.WriteField(k, v)
				}
				fw, _ := mw.CreateFormFile("photo", "photo.png")
				_, _ = fw.Write(pic)
				_ = mw.Close()
				req := httptest.NewRequest("POST", "/api/v1/reports", &body)
				req.Header.Set("Content-Type", mw.FormDataContentType())
				req.Header.Set("Authorization", cit)
				req.Header.Set("Idempotency-Key", key)
				rec := httptest.NewRecorder()
				env.Server.ServeHTTP(rec, req)
				return rec
			}
			first := send("report-0001")
			if first.Code != http.StatusCreated {
				t.Fatalf("first: %d %s", first.Code, first.Body)
			}
			again := send("report-0001")
			if again.Code != http.StatusCreated || again.Header().Get("Idempotent-Replayed") != "true" {
				t.Fatalf("retry: %d replayed=%q %s", again.Code, again.Header().Get("Idempotent-Replayed"), again.Body)
			}
			var a, b participation.Report
			decodeInto(t, first, &a)
			decodeInto(t, again, &b)
			if a.ID != b.ID {
				t.Fatalf("retry made report %s, want the first %s", b.ID, a.ID)
			}
			var mine struct{ Reports []participation.Report }
			decodeInto(t, wantOK(t, env.do(t, "GET", "/api/v1/me/reports", cit, "")), &mine)
			if len(mine.Reports) != 1 {
				t.Fatalf("the citizen has %d reports, want 1", len(mine.Reports))
			}
			var v participation.ReportView
			decodeInto(t, wantOK(t, env.do(t, "GET", "/api/v1/reports/"+a.ID+"/details", cit, "")), &v)
			if len(v.Photos) != 1 {
				t.Fatalf("the report has %d photos, want 1", len(v.Photos))
			}
		})
	}
}
