package open311_test

import (
	"encoding/json"
	"net/http"
	"strings"
	"testing"

	"cityhub/store"
	"cityhub/store/storetest"
)

// A POST whose body is not a form (GeoReport v2 posts are
// application/x-www-form-urlencoded, or multipart/form-data with photos)
// is 415 in the standard's errors document, whatever it holds, a valid
// api_key included, and nothing is made; the key is not what is wrong. So
// is a form declared in another charset than UTF-8.
func TestPostRefusesBodiesThatAreNoForm(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db store.DB) {
		e := newEnv(t, db)
		body := `{"api_key":"` + e.key + `","service_code":"pothole","lat":41.1316,"long":14.7802}`
		for _, tc := range []struct{ format, ctype, wantType string }{
			{"json", "application/json", "application/json"},
			{"json", "text/plain; charset=utf-8", "application/json"},
			{"xml", "application/xml", "text/xml"},
			{"json", "", "application/json"},
		} {
			code, b, ctype := e.do(t, "POST", "/requests."+tc.format, strings.NewReader(body), tc.ctype)
			if code != http.StatusUnsupportedMediaType || !strings.HasPrefix(ctype, tc.wantType) {
				t.Fatalf("%s as %q: %d %s %s, want 415 as %s", tc.format, tc.ctype, code, ctype, b, tc.wantType)
			}
			if tc.format == "xml" {
				if els := xmlElements(t, b, "errors", "error"); len(els) != 1 || !strings.Contains(string(b), "<code>415</code>") {
					t.Fatalf("xml error %s", b)
				}
				continue
			}
			errs := keysOf(t, "415", b, errorFields)
			if len(errs) != 1 || errs[0]["code"] != float64(http.StatusUnsupportedMediaType) ||
				!strings.Contains(errs[0]["description"].(string), "application/x-www-form-urlencoded") {
				t.Fatalf("%s as %q: errors %s", tc.format, tc.ctype, b)
			}
		}
		// A form sent compressed, or declared so, is 415 too.
		for _, enc := range []string{"gzip", "br, identity"} {
			h := http.Header{"Content-Type": {"application/x-www-form-urlencoded"}, "Content-Encoding": {enc}}
			form := "api_key=" + e.key + "&service_code=pothole&lat=41.1316&long=14.7802&description=Buca"
			code, b, _ := e.send(t, "POST", "/requests.json", strings.NewReader(form), h)
			if errs := keysOf(t, "415", b, errorFields); code != http.StatusUnsupportedMediaType || len(errs) != 1 ||
				!strings.Contains(errs[0]["description"].(string), "Content-Encoding") {
				t.Fatalf("a form declared %s: %d %s, want 415", enc, code, b)
			}
		}
		// A form declared in another charset is 415, saying to send UTF-8;
		// one declared UTF-8, in any case, is read.
		latin1 := "api_key=" + e.key + "&service_code=pothole&lat=41.1316&long=14.7802&description=Buca%E8"
		if code, b, _ := e.do(t, "POST", "/requests.json", strings.NewReader(latin1), "application/x-www-form-urlencoded; charset=ISO-8859-1"); code != http.StatusUnsupportedMediaType ||
			!strings.Contains(string(b), "UTF-8") {
			t.Fatalf("a Latin-1 form: %d %s, want 415 asking for UTF-8", code, b)
		}
		utf8 := "api_key=" + e.key + "&service_code=pothole&lat=41.1316&long=14.7802&description=Buca%20l%C3%AC"
		if code, b, _ := e.do(t, "POST", "/requests.json", strings.NewReader(utf8), "application/x-www-form-urlencoded; charset=UTF-8"); code != http.StatusOK {
			t.Fatalf("a form declared UTF-8: %d %s", code, b)
		}
		// An empty post without a type is an empty form: the key is missing.
		if code, b, _ := e.do(t, "POST", "/requests.json", nil, ""); code != http.StatusForbidden {
			t.Fatalf("empty post: %d %s", code, b)
		}
		code, b, _ := e.do(t, "GET", "/requests.json", nil, "")
		var list []map[string]any
		if err := json.Unmarshal(b, &list); code != http.StatusOK || err != nil || len(list) != 1 {
			t.Fatalf("requests after refused posts: %d %s", code, b)
		}
	})
}
