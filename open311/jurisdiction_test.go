package open311_test

import (
	"net/http"
	"net/url"
	"strings"
	"testing"

	"cityhub/open311"
	"cityhub/store"
	"cityhub/store/storetest"
)

// NormalJurisdiction gives a jurisdiction_id as the host it names: case,
// a leading "www.", a scheme, a bare trailing slash and a port do not
// matter; anything else is kept, so it still fails to match.
func TestNormalJurisdiction(t *testing.T) {
	for in, want := range map[string]string{
		"comune.benevento.it":                 "comune.benevento.it",
		" WWW.Comune.Benevento.IT. ":          "comune.benevento.it",
		"https://www.comune.benevento.it/":    "comune.benevento.it",
		"http://127.0.0.1:18080/":             "127.0.0.1",
		"http://127.0.0.1:18080":              "127.0.0.1",
		"127.0.0.1:18080":                     "127.0.0.1",
		"https://comune.benevento.it:8443//":  "comune.benevento.it",
		"www.comune.benevento.it.:443":        "comune.benevento.it",
		"http://[::1]:18080/":                 "::1",
		"[::1]:18080":                         "::1",
		"::1":                                 "::1",
		"2001:db8::1":                         "2001:db8::1",
		"comune.benevento.it:":                "comune.benevento.it:",
		"comune.benevento.it:http":            "comune.benevento.it:http",
		"http://127.0.0.1:18080/open311":      "127.0.0.1:18080/open311",
		"comune.benevento.it:8080:9090":       "comune.benevento.it:8080:9090",
		"ftp://comune.benevento.it:21/":       "ftp://comune.benevento.it:21/",
		"comune.benevento.it.evil.example:80": "comune.benevento.it.evil.example",
	} {
		if got := open311.NormalJurisdiction(in); got != want {
			t.Errorf("NormalJurisdiction(%q) = %q, want %q", in, got, want)
		}
	}
}

// The hub accepts its own public address as jurisdiction_id, as the
// README and docs/participation.md say, also when that address carries a
// port; another host on the same port is still refused.
func TestJurisdictionWithAPortIsTheHubs(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db store.DB) {
		// The accepted ids as the hub gives them: the city's, then its
		// public URL's host name.
		e := newEnvWith(t, db, open311.Options{Jurisdictions: []string{"comune.benevento.it", "127.0.0.1"}})
		get := func(j string) (int, string) {
			code, b, _ := e.do(t, "GET", "/services.json?jurisdiction_id="+url.QueryEscape(j), nil, "")
			return code, string(b)
		}
		for _, j := range []string{"http://127.0.0.1:18080/", "127.0.0.1:18080", "https://comune.benevento.it:443/"} {
			if code, b := get(j); code != http.StatusOK {
				t.Errorf("jurisdiction_id %s: %d %s", j, code, b)
			}
		}
		for _, j := range []string{"http://127.0.0.2:18080/", "http://127.0.0.1:18080/open311"} {
			if code, b := get(j); code != http.StatusNotFound || !strings.Contains(b, "send jurisdiction_id comune.benevento.it or 127.0.0.1") {
				t.Errorf("jurisdiction_id %s: %d %s, want 404", j, code, b)
			}
		}
	})
}
