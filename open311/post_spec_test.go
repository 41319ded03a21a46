package open311_test

import (
	"context"
	"net/url"
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
		// The key is still looked at first: without one, 403.
		form.Del("api_key")
		if code, b := e.post(t, "json", form); code != 403 {
			t.Errorf("without a key: %d %s", code, b)
		}
		if list, _ := e.svc.PublicReports(context.Background(), participation.PublicFilter{}); len(list) != 0 {
			t.Fatalf("an unknown service made a report: %+v", list)
		}
	})
}
