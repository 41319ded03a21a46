package participation_test

import (
	"testing"

	"cityhub/apperr"
	"cityhub/participation"
)

// A coordinate says a report has a point: located may be left out, and
// located true is still taken; located false beside a coordinate is
// refused with a reason of its own, rather than the point dropped (where
// the JSON API refused lat and lon without located as no_location), but
// not beside coordinates of 0, which a client writing every field of a
// report without a point sends.
func TestLocatedFrom(t *testing.T) {
	t.Parallel()
	yes, no := true, false
	lat, lon, zero := 41.1307, 14.776, 0.0
	for _, c := range []struct {
		name     string
		located  *bool
		lat, lon *float64
		want     bool
		reason   string
	}{
		{"a point, located left out", nil, &lat, &lon, true, ""},
		{"half a point, located left out (validate refuses it: bad_location)", nil, &lat, nil, true, ""},
		{"a point of zeros, located left out (validate refuses it: bad_location)", nil, &zero, &zero, true, ""},
		{"a point, located true", &yes, &lat, &lon, true, ""},
		{"no point, located left out", nil, nil, nil, false, ""},
		{"no point, located false", &no, nil, nil, false, ""},
		{"zeros, located false", &no, &zero, &zero, false, ""},
		{"located true without a point (validate refuses it: bad_location)", &yes, nil, nil, true, ""},
		{"a point, located false", &no, &lat, &lon, false, "located_false_with_point"},
		{"a longitude, located false", &no, nil, &lon, false, "located_false_with_point"},
		{"a latitude beside a zero, located false", &no, &lat, &zero, false, "located_false_with_point"},
	} {
		got, err := participation.LocatedFrom(c.located, c.lat, c.lon)
		if c.reason != "" {
			wantCode(t, c.name, err, apperr.Invalid, c.reason)
			continue
		}
		if err != nil || got != c.want {
			t.Errorf("%s: %v, %v; want %v", c.name, got, err, c.want)
		}
	}
}
