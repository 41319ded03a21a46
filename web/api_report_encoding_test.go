package web

import (
	"bytes"
	"compress/gzip"
	"mime/multipart"
	"net/http"
	"net/http/httptest"
	"testing"

	"cityhub/identity"
	"cityhub/store/storetest"
	"cityhub/web/httpx"
)

// A multipart report sent with a Content-Encoding is refused as a JSON
// body is, 415 unsupported_media_type: a gzipped form is not read as it
// came, nor a plain one declared gzip read as other than its header says.
// No report is made; identity is no encoding, and is taken.
func TestMultipartReportRefusesContentEncoding(t *testing.T) {
	t.Parallel()
	for _, engine := range storetest.Engines {
		t.Run(engine, func(t *testing.T) {
			_, env := newTestServer(t, engine, withParticipation)
			_, cit := env.account(t, identity.RoleCitizen)
			var form bytes.Buffer
			mw := multipart.NewWriter(&form)
			for _, f := range [][2]string{{"category", "pothole"}, {"description", "A deep hole by the bus stop"}, {"lat", "41.1307"}, {"lon", "14.776"}} {
				_ = mw.WriteField(f[0], f[1])
			}
			_ = mw.Close()
			var zipped bytes.Buffer
			zw := gzip.NewWriter(&zipped)
			_, _ = zw.Write(form.Bytes())
			_ = zw.Close()
			post := func(body []byte, encoding string) *httptest.ResponseRecorder {
				req := httptest.NewRequest("POST", "/api/v1/reports", bytes.NewReader(body))
				req.RemoteAddr = "192.0.2.31:1234"
				req.Header.Set("Content-Type", mw.FormDataContentType())
				req.Header.Set("Content-Encoding", encoding)
				req.Header.Set("Authorization", cit)
				rec := httptest.NewRecorder()
				env.Server.ServeHTTP(rec, req)
				return rec
			}
			for _, c := range []struct {
				what, encoding string
				body           []byte
			}{{"gzipped", "gzip", zipped.Bytes()}, {"plain, declared gzip", "gzip", form.Bytes()}, {"declared br", "br", form.Bytes()}} {
				if p := wantProblem(t, post(c.body, c.encoding), http.StatusUnsupportedMediaType); p.Reason != httpx.ReasonUnsupportedMedia {
					t.Errorf("%s: reason %q, want %s", c.what, p.Reason, httpx.ReasonUnsupportedMedia)
				}
			}
			if n := myReportCount(t, env, cit); n != 0 {
				t.Fatalf("%d reports after refused bodies, want none", n)
			}
			if rec := post(form.Bytes(), "identity"); rec.Code != http.StatusCreated {
				t.Fatalf("Content-Encoding identity: %d %s", rec.Code, rec.Body)
			}
		})
	}
}
