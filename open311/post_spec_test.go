package open311_test

import (
	"context"
	"fmt"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"testing"

	"cityhub/participation"
	"cityhub/store"
	"cityhub/store/storetest"
)

// A POST naming a service_code the city does not have is 404 with the
// standard's errors document, in JSON and XML ("404 - service_code or
// jurisdiction_id was not found"), and makes nothing.
func TestPostUnknownServiceCodeIsNotFound(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db store.DB) {
		e := newEnv(t, db)
		form := url.Values{"api_key": {e.key}, "service_code": {"ufo"}, "lat": {"41.1316"}, "long": {"14.7802"}}
		code, b := e.post(t, "json", form)
		errs := keysOf(t, "unknown service", b, errorFields)
		if code != 404 || len(errs) != 1 || errs[0]["code"] != float64(404) || !strings.Contains(errs[0]["description"].(string), `"ufo"`) {
			t.Errorf("json: %d %s", code, b)
		}
		code, b = e.post(t, "xml", form)
		if els := xmlElements(t, b, "errors", "error"); code != 404 || len(els) != 1 || !strings.Contains(string(b), "<code>404</code>") {
			t.Errorf("xml: %d %s", code, b)
		}
		// The key is still looked at first: with one no app holds, 403,
		// not the catalogue's 404.
		form.Set("api_key", "not-a-key-of-any-app")
		if code, b := e.post(t, "json", form); code != 403 {
			t.Errorf("with a wrong key: %d %s", code, b)
		}
		if list, _ := e.svc.PublicReports(context.Background(), participation.PublicFilter{}); len(list) != 0 {
			t.Fatalf("an unknown service made a report: %+v", list)
		}
	})
}

// A POST's media_url is accepted but neither fetched nor kept (the hub
// makes no requests to addresses a client names, and keeps no photo staff
// did not approve): the answer's service_notice says so, and how photos
// are sent, in the language asked for. A media_url that is no http(s)
// address, or a very long one, is 400 and makes nothing.
func TestPostMediaURLIsToldNotKept(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db store.DB) {
		ctx := context.Background()
		e := newEnv(t, db)
		const link = "https://farm3.static.example.com/2002/2212426634_5ed477a060.jpg"
		base := url.Values{"api_key": {e.key}, "service_code": {"pothole"}, "lat": {"41.1316"}, "long": {"14.7802"}}
		for _, bad := range []string{"ftp://example.com/a.jpg", "javascript:alert(1)", "/media/a.jpg", "example.com/a.jpg", "http://",
			"https://example.com/" + strings.Repeat("a", 2048), "http://exa mple.com/a.jpg"} {
			f := url.Values{"media_url": {bad}}
			for k, v := range base {
				f[k] = v
			}
			code, b := e.post(t, "json", f)
			if errs := keysOf(t, fmt.Sprintf("%.40q", bad), b, errorFields); code != 400 || !strings.Contains(errs[0]["description"].(string), "media_url") {
				t.Errorf("media_url %.40q: %d %s", bad, code, b)
			}
		}
		if list, _ := e.svc.PublicReports(ctx, participation.PublicFilter{}); len(list) != 0 {
			t.Fatalf("a bad media_url made a report: %+v", list)
		}

		f := url.Values{"media_url": {link}}
		for k, v := range base {
			f[k] = v
		}
		for _, tc := range []struct{ lang, want string }{
			{"en", `The media_url was not kept: this hub fetches no links. Send photos with the request as multipart/form-data files named "media" (up to 3); they are public once city staff approve them.`},
			{"it", `Il media_url non è stato conservato: l'hub non scarica collegamenti. Inviate le foto con la richiesta come file multipart/form-data di nome "media" (fino a 3); diventano pubbliche dopo l'approvazione del personale del Comune.`},
		} {
			code, b, _ := e.doLang(t, "POST", "/requests.json", f, tc.lang)
			created := keysOf(t, "created", b, createdFields)
			if code != 200 || created[0]["service_notice"] != tc.want {
				t.Fatalf("%s: %d %s", tc.lang, code, b)
			}
			id := created[0]["service_request_id"].(string)
			v, err := e.svc.Report(ctx, admin, id)
			if err != nil || len(v.Photos) != 0 || strings.Contains(fmt.Sprint(v), "farm3") {
				t.Fatalf("the report keeps the link: %+v %v", v, err)
			}
			if _, b, _ := e.do(t, "GET", "/requests/"+id+".json", nil, ""); strings.Contains(string(b), "farm3") {
				t.Fatalf("the request shows the link: %s", b)
			}
		}
		code, b, _ := e.doLang(t, "POST", "/requests.xml", f, "en")
		if code != 200 || !strings.Contains(string(b), "<service_notice>The media_url was not kept") {
			t.Fatalf("xml: %d %s", code, b)
		}
		// Without media_url, no notice.
		code, b = e.post(t, "json", base)
		if created := keysOf(t, "created", b, createdFields); code != 200 || created[0]["service_notice"] != "" {
			t.Fatalf("without media_url: %d %s", code, b)
		}
	})
}

// doLang posts form to path with Accept-Language lang.
func (e *env) doLang(t *testing.T, method, path string, form url.Values, lang string) (int, []byte, string) {
	t.Helper()
	return e.send(t, method, path, strings.NewReader(form.Encode()),
		http.Header{"Content-Type": {"application/x-www-form-urlencoded"}, "Accept-Language": {lang}})
}

// Services are realtime, so POST answers the service_request_id and no
// token, which GeoReport v2 says "should not be returned if
// service_request_id is returned", in JSON and XML; tokens/ still resolves
// a report's token (one given out before, say).
func TestPostAnswersNoToken(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db store.DB) {
		ctx := context.Background()
		e := newEnv(t, db)
		form := url.Values{"api_key": {e.key}, "service_code": {"pothole"}, "lat": {"41.1316"}, "long": {"14.7802"}}
		code, b := e.post(t, "json", form)
		created := keysOf(t, "created", b, createdFields)
		if code != 200 || len(created) != 1 || len(created[0]) != len(createdFields) || created[0]["service_request_id"] == "" {
			t.Fatalf("json: %d %s, want only %v", code, b, createdFields)
		}
		code, b = e.post(t, "xml", form)
		if els := xmlElements(t, b, "service_requests", "request"); code != 200 || len(els) != 1 || !slices.Equal(els[0], createdFields) {
			t.Fatalf("xml: %d %s, want only %v", code, b, createdFields)
		}
		id := created[0]["service_request_id"].(string)
		v, err := e.svc.Report(ctx, admin, id)
		if err != nil || v.Report.Token == "" {
			t.Fatalf("report %+v, %v", v.Report, err)
		}
		for _, f := range []string{"json", "xml"} {
			code, b, _ := e.do(t, "GET", "/tokens/"+v.Report.Token+"."+f, nil, "")
			if code != 200 || !strings.Contains(string(b), id) {
				t.Errorf("tokens/ %s: %d %s", f, code, b)
			}
		}
	})
}

// A POST whose only location is an address_id is 400 saying the hub knows
// no address ids (it has no address database) and to give lat and long or
// address_string, not that no location was given; with lat and long, or
// an address_string, the address_id is ignored.
func TestPostAddressIDAloneIsNotKnown(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db store.DB) {
		e := newEnv(t, db)
		form := url.Values{"api_key": {e.key}, "service_code": {"pothole"}, "address_id": {"545483"}}
		for _, f := range []string{"json", "xml"} {
			code, b := e.post(t, f, form)
			if code != 400 || !strings.Contains(string(b), "address_id is not known to this jurisdiction") ||
				!strings.Contains(string(b), "lat and long, or address_string") {
				t.Errorf("%s: %d %s", f, code, b)
			}
		}
		if list, _ := e.svc.PublicReports(context.Background(), participation.PublicFilter{}); len(list) != 0 {
			t.Fatalf("an address_id alone made a report: %+v", list)
		}
		for _, where := range []url.Values{{"lat": {"41.1316"}, "long": {"14.7802"}}, {"address_string": {"Via Traiano 1"}}} {
			f := url.Values{}
			for k, v := range form {
				f[k] = v
			}
			for k, v := range where {
				f[k] = v
			}
			if code, b := e.post(t, "json", f); code != 200 {
				t.Errorf("address_id with %v: %d %s", where, code, b)
			}
		}
	})
}
