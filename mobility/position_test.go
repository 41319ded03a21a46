package mobility_test

import (
	"context"
	"math"
	"testing"

	"cityhub/apperr"
	"cityhub/mobility"
	"cityhub/mobility/mobilitytest"
	"cityhub/simulator"
	"cityhub/store/storetest"
)

// A position is latitude and longitude in range, neither NaN: every
// comparison lets NaN through, and a distance from it rounds to the
// smallest int. The station list refuses one that is not (the pages and
// the API ask it), as a station's own position is refused.
func TestPositionsAreOnTheEarth(t *testing.T) {
	t.Parallel()
	nan, inf := math.NaN(), math.Inf(1)
	for _, p := range []mobility.LatLon{{Lat: nan, Lon: 14}, {Lat: 41, Lon: nan}, {Lat: inf, Lon: 14}, {Lat: 41, Lon: -inf},
		{Lat: 90.1, Lon: 14}, {Lat: 41, Lon: -180.1}} {
		if p.Valid() || apperr.ReasonOf(p.Validate()) != "position" {
			t.Errorf("%v is taken for a position", p)
		}
		st := mobility.Station{ID: "st-1", NameIT: "Piazza", Lat: p.Lat, Lon: p.Lon, Capacity: 4}
		if apperr.ReasonOf(st.Validate()) != "station_position" {
			t.Errorf("a station at %v is valid", p)
		}
	}
	for _, q := range [][2]string{{"NaN", "14"}, {"41", "nan"}, {"Inf", "14"}, {"41", "-Inf"}, {"91", "14"}, {"", "14"}, {"41", "east"}} {
		if _, err := mobility.ParseLatLon(q[0], q[1]); apperr.ReasonOf(err) != "position" {
			t.Errorf("ParseLatLon(%q, %q): %v, want reason position", q[0], q[1], err)
		}
	}
	if p, err := mobility.ParseLatLon("-90", "180"); err != nil || p != (mobility.LatLon{Lat: -90, Lon: 180}) {
		t.Errorf("the edge of the map: %v %v", p, err)
	}

	svc := mobilitytest.NewService(storetest.Open(t, "sqlite").Mobility(), nil)
	ctx := context.Background()
	if err := simulator.SeedCatalogue(ctx, svc, simulator.Layout("geo", 2, 4)); err != nil {
		t.Fatal(err)
	}
	if list, err := svc.StationList(ctx, &mobility.LatLon{Lat: nan, Lon: nan}, "it"); apperr.ReasonOf(err) != "position" {
		t.Errorf("stations near NaN: %+v %v", list, err)
	}
	list, err := svc.StationList(ctx, &mobility.LatLon{Lat: 41.13, Lon: 14.78}, "it")
	if err != nil || len(list) != 2 || list[0].DistanceMeters == nil || *list[0].DistanceMeters < 0 {
		t.Errorf("stations near a position: %+v %v", list, err)
	}
}
