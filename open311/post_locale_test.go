package open311_test

import (
	"context"
	"net/url"
	"testing"

	"cityhub/store"
	"cityhub/store/storetest"
)

// A report posted with Accept-Language keeps that language, as the
// answer's service_notice follows it: the e-mails telling its reporter of
// each change of status go in it. It was stored Italian whatever the app
// asked for. A language the hub does not speak, or none, is Italian.
func TestPostKeepsTheLanguageAsked(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db store.DB) {
		ctx := context.Background()
		e := newEnv(t, db)
		form := url.Values{"api_key": {e.key}, "service_code": {"pothole"}, "lat": {"41.1316"}, "long": {"14.7802"},
			"email": {"reporter@example.org"}}
		for _, tc := range []struct{ accept, want string }{
			{"en", "en"}, {"en-GB,en;q=0.9,it;q=0.5", "en"}, {"it", "it"}, {"fr", "it"}, {"", "it"},
		} {
			code, b, _ := e.doLang(t, "POST", "/requests.json", form, tc.accept)
			created := keysOf(t, "created", b, createdFields)
			if code != 200 {
				t.Fatalf("Accept-Language %q: %d %s", tc.accept, code, b)
			}
			v, err := e.svc.Report(ctx, admin, created[0]["service_request_id"].(string))
			if err != nil || v.Report.Locale != tc.want {
				t.Errorf("Accept-Language %q: report in %q (%v), want %q", tc.accept, v.Report.Locale, err, tc.want)
			}
		}
	})
}
