package open311_test

import (
	"encoding/json"
	"net/url"
	"strings"
	"testing"

	"cityhub/store"
	"cityhub/store/storetest"
)

// A POST whose lat and long are not both degrees of a point (one left
// out, zero where the city is not, not a number, past ±90 or ±180) is
// told so in GeoReport's words, not that the place is outside the city.
func TestPostLocationNotDegrees(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db store.DB) {
		e := newEnv(t, db)
		for name, at := range map[string][2]string{
			"lat only":      {"41.1316", ""},
			"long only":     {"", "14.7802"},
			"zero long":     {"41.1316", "0"},
			"zero point":    {"0", "0"},
			"NaN":           {"NaN", "14.7802"},
			"Inf":           {"41.1316", "Inf"},
			"past the pole": {"141.1316", "14.7802"},
			"past 180":      {"41.1316", "-194.7802"},
		} {
			f := url.Values{"api_key": {e.key}, "service_code": {"pothole"}, "description": {"Deep hole near the arch"}}
			for i, k := range []string{"lat", "long"} {
				if at[i] != "" {
					f.Set(k, at[i])
				}
			}
			code, b := e.post(t, "json", f)
			var errs []struct {
				Code        int    `json:"code"`
				Description string `json:"description"`
			}
			if err := json.Unmarshal(b, &errs); err != nil || code != 400 || len(errs) != 1 ||
				errs[0].Description != "lat and long must both be decimal degrees." {
				t.Errorf("%s: %d %s", name, code, b)
			}
		}
		code, b := e.post(t, "json", url.Values{"api_key": {e.key}, "service_code": {"pothole"}, "lat": {"40.8518"}, "long": {"14.2681"}})
		if code != 400 || !strings.Contains(string(b), "outside the city") {
			t.Errorf("a point outside the city: %d %s", code, b)
		}
	})
}
