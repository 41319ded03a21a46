package open311_test

import (
	"bytes"
	"context"
	"image"
	"image/jpeg"
	"mime/multipart"
	"strings"
	"testing"

	"cityhub/participation"
	"cityhub/store"
	"cityhub/store/storetest"
)

// A photo sent as a file under another name than "media" (media[], as
// some clients name arrays, or photo, as the JSON API names it) is 400 in
// the standard's errors document, naming the file and "media", before the
// api_key is looked at, and makes nothing: dropped, it would file a
// report without the photo its client meant to send. A text field the hub
// does not read (phone) is still ignored.
func TestPostRefusesAFileNotNamedMedia(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db store.DB) {
		e := newEnv(t, db)
		var jpg bytes.Buffer
		if err := jpeg.Encode(&jpg, image.NewRGBA(image.Rect(0, 0, 40, 30)), nil); err != nil {
			t.Fatal(err)
		}
		post := func(format string, fields map[string]string, files ...string) (int, []byte) {
			t.Helper()
			var body bytes.Buffer
			mw := multipart.NewWriter(&body)
			for k, v := range fields {
				_ = mw.WriteField(k, v)
			}
			for _, name := range files {
				fw, _ := mw.CreateFormFile(name, "red.png")
				_, _ = fw.Write(jpg.Bytes())
			}
			_ = mw.Close()
			code, b, _ := e.do(t, "POST", "/requests."+format, &body, mw.FormDataContentType())
			return code, b
		}
		fields := map[string]string{"api_key": e.key, "service_code": "rubbish", "lat": "41.1316", "long": "14.7802", "phone": "3331234567"}
		for _, files := range [][]string{{"media[]"}, {"photo"}, {"media", "photo"}} {
			code, b := post("json", fields, files...)
			errs := keysOf(t, strings.Join(files, ","), b, errorFields)
			last := files[len(files)-1]
			if code != 400 || len(errs) != 1 || errs[0]["code"] != float64(400) ||
				!strings.Contains(errs[0]["description"].(string), `"`+last+`"`) || !strings.Contains(errs[0]["description"].(string), `named "media"`) {
				t.Errorf("files %v: %d %s", files, code, b)
			}
		}
		if code, b := post("xml", fields, "media[]"); code != 400 || !strings.Contains(string(b), "<code>400</code>") || !strings.Contains(string(b), "media[]") {
			t.Errorf("xml: %d %s", code, b)
		}
		// The form is wrong whoever sends it: 400 before the key's 403.
		noKey := map[string]string{"service_code": "rubbish", "lat": "41.1316", "long": "14.7802"}
		if code, b := post("json", noKey, "photo"); code != 400 {
			t.Errorf("without a key: %d %s, want 400", code, b)
		}
		if list, _ := e.svc.PublicReports(context.Background(), participation.PublicFilter{}); len(list) != 0 {
			t.Fatalf("a misnamed file made a report: %+v", list)
		}
		// Named "media", the photo is kept.
		code, b := post("json", fields, "media")
		created := keysOf(t, "created", b, createdFields)
		if code != 200 {
			t.Fatalf("media: %d %s", code, b)
		}
		v, err := e.svc.Report(context.Background(), admin, created[0]["service_request_id"].(string))
		if err != nil || len(v.Photos) != 1 {
			t.Fatalf("photos kept: %+v, %v", v.Photos, err)
		}
	})
}
