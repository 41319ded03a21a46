package ui

import "testing"

// The pages' CSP allows images from the tile server's origin only: a
// {s} server letter becomes a leftmost wildcard label, anything else
// that is not a plain http(s) URL allows nothing more.
func TestTilesOrigin(t *testing.T) {
	for tmpl, want := range map[string]string{
		"https://tile.openstreetmap.org/{z}/{x}/{y}.png":       "https://tile.openstreetmap.org",
		"https://{s}.tile.example.org/{z}/{x}/{y}.png":         "https://*.tile.example.org",
		"http://tiles.comune.example:8080/osm/{z}/{x}/{y}.png": "http://tiles.comune.example:8080",
		"javascript:alert(1)":                                  "",
		"https://a;b/{z}/{x}/{y}":                              "",
		"/tiles/{z}/{x}/{y}.png":                               "",
	} {
		if got := TilesOrigin(tmpl); got != want {
			t.Errorf("TilesOrigin(%q) = %q, want %q", tmpl, got, want)
		}
	}
}
