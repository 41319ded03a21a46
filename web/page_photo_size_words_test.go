package web

import (
	"bytes"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"

	"cityhub/identity"
	"cityhub/web/webtest"
)

// The report form refuses a photo over the limit in words that name the
// limit, as the API's refusal does ("A photo may be at most 8 MiB (8388608
// bytes)."), with its numbers written as the page's language writes them,
// where the page said only "Una foto è troppo grande": the limit is the
// hub's (CITYHUB_PHOTO_MAX_BYTES), whatever it is set to.
func TestReportFormPhotoTooLargeNamesTheLimit(t *testing.T) {
	t.Parallel()
	for _, c := range []struct {
		limit int
		words map[string]string
	}{
		{64 << 10, map[string]string{"it": "Una foto può essere al massimo di 64 KiB (65.536 byte)", "en": "A photo may be at most 64 KiB (65,536 bytes)"}},
		{100_000, map[string]string{"it": "Una foto può essere al massimo di 100.000 byte", "en": "A photo may be at most 100,000 bytes"}},
	} {
		_, env := newTestServer(t, "sqlite", withParticipation, func(env *testEnv, d *Deps) {
			d.Participation.Photos.MaxBytes = c.limit
		})
		srv := httptest.NewServer(env.Server)
		anna, _ := env.account(t, identity.RoleCitizen)
		for lang, want := range c.words {
			cit := webtest.SignedIn(t, srv.URL, anna.Email, testPassword)
			u, _ := url.Parse(srv.URL)
			cit.Client.Jar.SetCookies(u, []*http.Cookie{{Name: "cityhub_lang", Value: lang}})
			typed := map[string]string{"category": "pothole", "lat": "41.1307", "lon": "14.776", "description": "A deep hole in the road"}
			res, body := postReport(t, cit, typed, bytes.Repeat([]byte{0xff}, c.limit+1))
			if res.StatusCode != http.StatusBadRequest || !strings.Contains(body, `id="e-photo"`) || !strings.Contains(body, want) {
				t.Errorf("limit %d in %s: %d, want the photo's error %q:\n%s", c.limit, lang, res.StatusCode, want, body)
			}
		}
		srv.Close()
	}
}
