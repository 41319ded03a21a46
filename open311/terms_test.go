package open311_test

import (
	"bytes"
	"encoding/json"
	"mime/multipart"
	"net/url"
	"strings"
	"testing"

	"cityhub/store"
	"cityhub/store/storetest"
)

// Open311's refusals name the fields as GeoReport v2 does (service_code,
// lat and long, address_string, first_name and last_name, media), never
// as the hub's own API does (category, lon, address, name, photo).
func TestRefusalsInGeoReportTerms(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db store.DB) {
		e := newEnv(t, db)
		check := func(what string, code int, b []byte, wantCode int, want string) {
			t.Helper()
			if code != wantCode || !strings.Contains(string(b), want) {
				t.Errorf("%s: %d %s, want %d with %q", what, code, b, wantCode, want)
			}
			for _, hub := range []string{"category", "photo", "lon ", "The address", "The name"} {
				if strings.Contains(string(b), hub) {
					t.Errorf("%s: %s says %q", what, b, hub)
				}
			}
		}
		for path, want := range map[string]struct {
			code int
			text string
		}{
			"/requests.json?service_code=nope":                                  {400, `service_code \"nope\" was not found: services.json lists the services.`},
			"/requests.xml?service_code=pothole,nope":                           {400, `service_code &#34;nope&#34; was not found: services.xml lists the services.`},
			"/services/nope.json":                                               {404, `service_code \"nope\" was not found: services.json lists the services.`},
			"/requests.json?service_code=pothole,nope&service_request_id=rep_x": {200, `[]`},
		} {
			code, b, _ := e.do(t, "GET", path, nil, "")
			check(path, code, b, want.code, want.text)
		}

		base := func() url.Values {
			return url.Values{"api_key": {e.key}, "service_code": {"pothole"}, "lat": {"41.1316"}, "long": {"14.7802"}}
		}
		for name, tc := range map[string]struct {
			edit func(url.Values)
			want string
		}{
			"no place":    {func(f url.Values) { f.Del("lat"); f.Del("long") }, "Say where: lat and long, or address_string."},
			"two lines":   {func(f url.Values) { f.Set("address_string", "Via Traiano 1\nBenevento") }, "address_string must be one line"},
			"long street": {func(f url.Values) { f.Set("address_string", strings.Repeat("a", 201)) }, "address_string must be one line of at most 200 characters"},
			"bad name":    {func(f url.Values) { f.Set("first_name", "Dario\x1b") }, "first_name and last_name must make one line"},
		} {
			f := base()
			tc.edit(f)
			code, b := e.post(t, "json", f)
			check(name, code, b, 400, tc.want)
		}

		var body bytes.Buffer
		mw := multipart.NewWriter(&body)
		for k, v := range base() {
			_ = mw.WriteField(k, v[0])
		}
		for range 4 {
			fw, _ := mw.CreateFormFile("media", "x.jpg")
			_, _ = fw.Write([]byte("not decoded"))
		}
		_ = mw.Close()
		code, b, _ := e.do(t, "POST", "/requests.json", &body, mw.FormDataContentType())
		check("four media", code, b, 400, "At most 3 media files.")
		if !json.Valid(b) {
			t.Errorf("four media: %s", b)
		}
	})
}
