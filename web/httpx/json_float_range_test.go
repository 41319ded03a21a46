package httpx

import (
	"math"
	"testing"
)

// A number too large for its floating-point field (1e400 for a float64,
// 1e39 for a float32) is a number out of the field's range, not a value of
// the wrong type: it is read as the largest value the field holds, on its
// side, for the operation to refuse as out of range, as a whole number too
// large for its integer field is. It answered wrong_type ("must be a
// number") where a latitude of 91 got the operation's bad_location.
func TestDecodeJSONNumberBeyondItsFloatField(t *testing.T) {
	type body struct {
		Lat   float64               `json:"lat"`
		Lon   *float64              `json:"lon"`
		Small float32               `json:"small"`
		Rows  []struct{ X float64 } `json:"rows"`
		By    map[string]float64    `json:"by"`
	}
	var dst body
	err := decodeBody(`{"lat":1e400,"lon":-1e400,"small":1e39,"rows":[{"X":1.5},{"X":-9e999}],"by":{"a":1e400,"b":2}}`, &dst)
	switch {
	case err != nil:
		t.Fatalf("refused: %v", err)
	case dst.Lat != math.MaxFloat64:
		t.Errorf("lat %v, want the largest float64", dst.Lat)
	case dst.Lon == nil || *dst.Lon != -math.MaxFloat64:
		t.Errorf("lon %v, want the most negative float64", dst.Lon)
	case dst.Small != math.MaxFloat32:
		t.Errorf("small %v, want the largest float32", dst.Small)
	case len(dst.Rows) != 2 || dst.Rows[0].X != 1.5 || dst.Rows[1].X != -math.MaxFloat64:
		t.Errorf("rows %+v", dst.Rows)
	case dst.By["a"] != math.MaxFloat64 || dst.By["b"] != 2:
		t.Errorf("by %v", dst.By)
	}
	// A number as small as zero was read as zero already, and a float64
	// field holds what a float32 one does not.
	var plain body
	if err := decodeBody(`{"lat":1e-400,"lon":1e39}`, &plain); err != nil || plain.Lat != 0 || plain.Lon == nil || *plain.Lon != 1e39 {
		t.Errorf("1e-400 and 1e39 into float64 fields: %v %v, %v", plain.Lat, plain.Lon, err)
	}
}
