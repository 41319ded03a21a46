package participation_test

import (
	"testing"

	"cityhub/apperr"
	"cityhub/participation"
)

// A coordinate says a report has a point: located may be left out, and
// located true is still taken; located false beside a coordinate is
// refused with a reason of its own, rather than the point dropped (where
// the JSON API refused lat and lon without located as no_location).
func TestLocatedFrom(t *testing.T) {
	t.Parallel()
	yes, no := true, false
	for _, c := range []struct {
		name       string
		located    *bool
		coordinate bool
		want       bool
		reason     string
	}{
		{"a point, located left out", nil, true, true, ""},
		{"a point, located true", &yes, true, true, ""},
		{"no point, located left out", nil, false, false, ""},
		{"no point, located false", &no, false, false, ""},
		{"located true without a point (validate refuses it: bad_location)", &yes, false, true, ""},
		{"a point, located false", &no, true, false, "located_false_with_point"},
	} {
		got, err := participation.LocatedFrom(c.located, c.coordinate)
		if c.reason != "" {
			wantCode(t, c.name, err, apperr.Invalid, c.reason)
			continue
		}
		if err != nil || got != c.want {
			t.Errorf("%s: %v, %v; want %v", c.name, got, err, c.want)
		}
	}
}
