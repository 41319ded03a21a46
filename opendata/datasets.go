// Package opendata describes what the hub publishes for anyone to reuse
// and writes that description as a DCAT-AP_IT catalogue, the national
// profile of DCAT-AP that dati.gov.it harvests. The open data page lists
// the same datasets, so the two cannot drift apart.
package opendata

import "strings"

// Dataset is one dataset the hub publishes.
type Dataset struct {
	// Key names its texts (site.data.<key>.*) and its IRI's fragment.
	Key string
	// Number makes its identifier, "<IPA code>:D.<Number>": fixed once
	// published and never given to another dataset.
	Number int
	// Area is the hub's area that publishes it (bikes, vouchers,
	// participation): a hub with the area off does not list it.
	Area string
	// Themes are codes of the EU data-theme table (TRAN, GOVE...).
	Themes []string
	// Frequency is a code of the EU frequency table.
	Frequency string
	// Keywords are the catalogue's keywords, in Italian (letters, digits
	// and "-" only, as the national profile asks).
	Keywords      []string
	Distributions []Distribution
}

// Distribution is one form a dataset is published in.
type Distribution struct {
	// Path is its address under the hub's public URL.
	Path string
	// Format is a code of the EU file-type table (JSON, CSV, XML).
	Format string
	// Label names the format for people (on the open data page).
	Label string
}

// Datasets are every dataset a hub may publish, in the order the open data
// page lists them. Live data (computed on each request, or within the
// minute) is "continuously updated".
var Datasets = []Dataset{
	{Key: "bikes", Number: 1, Area: "bikes", Themes: []string{"TRAN"}, Frequency: "UPDATE_CONT",
		Keywords:      []string{"bike-sharing", "mobilita", "gbfs"},
		Distributions: []Distribution{{Path: "/gbfs/v3/gbfs.json", Format: "JSON", Label: "JSON (GBFS 3.0)"}}},
	{Key: "vouchers", Number: 2, Area: "vouchers", Themes: []string{"ECON"}, Frequency: "UPDATE_CONT",
		Keywords: []string{"buoni-spesa", "commercio", "negozi"},
		Distributions: []Distribution{{Path: "/api/v1/open/vouchers/stats", Format: "JSON", Label: "JSON"},
			{Path: "/api/v1/open/vouchers/stats.csv", Format: "CSV", Label: "CSV"}}},
	{Key: "reports", Number: 3, Area: "participation", Themes: []string{"GOVE", "REGI"}, Frequency: "UPDATE_CONT",
		Keywords: []string{"segnalazioni", "partecipazione", "manutenzione"},
		Distributions: []Distribution{{Path: "/api/v1/open/reports.csv", Format: "CSV", Label: "CSV"},
			{Path: "/api/v1/open/participation", Format: "JSON", Label: "JSON"}}},
	{Key: "counts", Number: 4, Area: "participation", Themes: []string{"GOVE"}, Frequency: "UPDATE_CONT",
		Keywords: []string{"segnalazioni", "statistiche", "contrade"},
		Distributions: []Distribution{{Path: "/api/v1/open/report-counts.csv", Format: "CSV", Label: "CSV"},
			{Path: "/api/v1/open/participation", Format: "JSON", Label: "JSON"}}},
	{Key: "proposals", Number: 5, Area: "participation", Themes: []string{"GOVE"}, Frequency: "UPDATE_CONT",
		Keywords: []string{"proposte", "partecipazione"},
		Distributions: []Distribution{{Path: "/api/v1/open/proposals.csv", Format: "CSV", Label: "CSV"},
			{Path: "/api/v1/open/participation", Format: "JSON", Label: "JSON"}}},
	{Key: "open311", Number: 6, Area: "participation", Themes: []string{"GOVE"}, Frequency: "UPDATE_CONT",
		Keywords: []string{"segnalazioni", "open311"},
		Distributions: []Distribution{{Path: "/open311/discovery.json", Format: "JSON", Label: "JSON"},
			{Path: "/open311/discovery.xml", Format: "XML", Label: "XML"}}},
}

// Published are the datasets of the areas that are on (areas[Area]), in
// Datasets' order.
func Published(areas map[string]bool) []Dataset {
	var out []Dataset
	for _, d := range Datasets {
		if areas[d.Area] {
			out = append(out, d)
		}
	}
	return out
}

// Href is the distribution's link on the hub's own pages.
func (d Distribution) Href() string { return d.Path }

// FormatID is the format as the distribution's IRI ends: its fragment on
// the open data page is "dataset-<key>-<FormatID>".
func (d Distribution) FormatID() string { return strings.ToLower(d.Format) }
