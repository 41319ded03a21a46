// Package participation is how citizens take part in the city: reports of
// problems (segnalazioni: a pothole, a broken light) that the city's offices
// triage, and proposals that citizens support, discuss and follow until the
// city answers. It holds the rules and decides who may do what from the
// identity.Caller it is given; it knows neither HTTP nor SQL, and talks to
// storage through the Store it owns.
//
// Text that people type is kept as they typed it (trimmed and checked for
// length and valid UTF-8), HTML included: escaping it is the job of whatever
// shows it (pages, e-mails, feeds), never of this package.
package participation

import (
	"fmt"
	"math"
	"slices"
	"strings"
	"time"
	"unicode/utf8"

	"cityhub/plaintext"
)

// Office is a city office that works the reports of its categories.
type Office struct {
	ID     string `json:"id"`
	NameIT string `json:"name_it"`
	NameEN string `json:"name_en"`
}

// Category is a kind of problem a citizen reports; it belongs to one
// office, whose staff triage its reports. Code is the Open311 service_code.
type Category struct {
	Code     string `json:"code"`
	OfficeID string `json:"office_id"`
	NameIT   string `json:"name_it"`
	NameEN   string `json:"name_en"`
	// Group is the Open311 group, e.g. "street".
	Group string `json:"group"`
}

// Name is the category's label in lang ("it" or "en"; Italian otherwise).
func (c Category) Name(lang string) string {
	if lang == "en" && c.NameEN != "" {
		return c.NameEN
	}
	return c.NameIT
}

// Contrada is one of the city's neighbourhoods, given by a centre. A point
// belongs to the contrada whose centre is nearest: simple, needs no
// polygons, and good enough for counting reports by neighbourhood; a city
// that wants exact boundaries replaces Contrade with the centres of finer
// areas (the rule stays "nearest centre").
type Contrada struct {
	Code string  `json:"code"`
	Name string  `json:"name"`
	Lat  float64 `json:"lat"`
	Lon  float64 `json:"lon"`
}

// Box is an area bounded by latitudes and longitudes.
type Box struct {
	MinLat float64 `json:"min_lat"`
	MinLon float64 `json:"min_lon"`
	MaxLat float64 `json:"max_lat"`
	MaxLon float64 `json:"max_lon"`
}

// Contains reports whether (lat, lon) lies in the box, edges included.
func (b Box) Contains(lat, lon float64) bool {
	return lat >= b.MinLat && lat <= b.MaxLat && lon >= b.MinLon && lon <= b.MaxLon
}

// Catalogue is the city's configuration of participation: its offices,
// the categories of reports and their offices, its contrade and the box
// that holds its territory.
type Catalogue struct {
	Offices    []Office   `json:"offices"`
	Categories []Category `json:"categories"`
	Contrade   []Contrada `json:"contrade"`
	City       Box        `json:"city"`
}

// DefaultCatalogueChanged is when DefaultCatalogue last changed: Open311
// clients cache the services and fetch them again when the discovery
// document's changeset moves. TestDefaultCatalogueChangedIsKept fails when
// the catalogue changes and this date does not.
var DefaultCatalogueChanged = time.Date(2026, 11, 30, 0, 0, 0, 0, time.UTC)

// DefaultCatalogue is Benevento's: the box holds the whole comune (about
// 130 km² around 41.13 N, 14.78 E), and the contrade are the city's
// quarters and main rural contrade with approximate centres.
func DefaultCatalogue() Catalogue {
	return Catalogue{
		Offices: []Office{
			{ID: "roads", NameIT: "Viabilità e manutenzione strade", NameEN: "Roads and maintenance"},
			{ID: "lighting", NameIT: "Pubblica illuminazione", NameEN: "Street lighting"},
			{ID: "environment", NameIT: "Ambiente e igiene urbana", NameEN: "Environment and waste"},
			{ID: "police", NameIT: "Polizia municipale", NameEN: "Municipal police"},
			{ID: "parks", NameIT: "Verde pubblico", NameEN: "Parks and green spaces"},
			{ID: "urp", NameIT: "Ufficio relazioni con il pubblico", NameEN: "Public relations office"},
		},
		Categories: []Category{
			{Code: "pothole", OfficeID: "roads", NameIT: "Buca stradale", NameEN: "Pothole", Group: "street"},
			{Code: "signage", OfficeID: "roads", NameIT: "Segnaletica", NameEN: "Road signs and markings", Group: "street"},
			{Code: "lighting", OfficeID: "lighting", NameIT: "Illuminazione pubblica", NameEN: "Street lighting", Group: "street"},
			{Code: "rubbish", OfficeID: "environment", NameIT: "Rifiuti abbandonati", NameEN: "Rubbish and fly-tipping", Group: "environment"},
			{Code: "vandalism", OfficeID: "police", NameIT: "Vandalismo e degrado", NameEN: "Vandalism and graffiti", Group: "safety"},
			{Code: "green", OfficeID: "parks", NameIT: "Verde pubblico", NameEN: "Parks, trees and green areas", Group: "environment"},
			{Code: "other", OfficeID: "urp", NameIT: "Altro", NameEN: "Other", Group: "other"},
		},
		Contrade: []Contrada{
			{Code: "centro-storico", Name: "Centro storico", Lat: 41.1307, Lon: 14.7760},
			{Code: "rione-liberta", Name: "Rione Libertà", Lat: 41.1395, Lon: 14.7640},
			{Code: "rione-ferrovia", Name: "Rione Ferrovia", Lat: 41.1390, Lon: 14.7870},
			{Code: "mellusi-atlantici", Name: "Mellusi – Atlantici", Lat: 41.1230, Lon: 14.7800},
			{Code: "capodimonte", Name: "Capodimonte", Lat: 41.1195, Lon: 14.7665},
			{Code: "pacevecchia", Name: "Pacevecchia", Lat: 41.1410, Lon: 14.7990},
			{Code: "santa-colomba", Name: "Santa Colomba", Lat: 41.1560, Lon: 14.7980},
			{Code: "pezzapiana", Name: "Pezzapiana", Lat: 41.1500, Lon: 14.7600},
			{Code: "cretarossa", Name: "Cretarossa", Lat: 41.1080, Lon: 14.7950},
			{Code: "san-vito", Name: "San Vito", Lat: 41.1180, Lon: 14.7400},
		},
		City: Box{MinLat: 41.06, MinLon: 14.68, MaxLat: 41.20, MaxLon: 14.88},
	}
}

// Validate checks that codes are unique and every category has an office;
// the hub refuses to start with a broken catalogue.
func (c Catalogue) Validate() error {
	offices := map[string]bool{}
	for _, o := range c.Offices {
		if o.ID == "" || offices[o.ID] {
			return fmt.Errorf("participation: office id %q is empty or repeated", o.ID)
		}
		offices[o.ID] = true
	}
	codes := map[string]bool{}
	for _, k := range c.Categories {
		if k.Code == "" || codes[k.Code] || !offices[k.OfficeID] || k.NameIT == "" || k.NameEN == "" {
			return fmt.Errorf("participation: category %q is repeated, unnamed or has no known office", k.Code)
		}
		codes[k.Code] = true
	}
	if len(c.Categories) == 0 {
		return fmt.Errorf("participation: no categories")
	}
	if c.City.MinLat >= c.City.MaxLat || c.City.MinLon >= c.City.MaxLon {
		return fmt.Errorf("participation: the city's box is empty")
	}
	for _, z := range c.Contrade {
		if z.Code == "" || !c.City.Contains(z.Lat, z.Lon) {
			return fmt.Errorf("participation: contrada %q has no code or lies outside the city", z.Code)
		}
	}
	return nil
}

// Category finds a category by code.
func (c Catalogue) Category(code string) (Category, bool) {
	i := slices.IndexFunc(c.Categories, func(k Category) bool { return k.Code == code })
	if i < 0 {
		return Category{}, false
	}
	return c.Categories[i], true
}

// CategoryOrCode is the category of code or, for a code the catalogue no
// longer lists (a city replaced its catalogue after reports were made),
// one named by the code itself, so that old reports still show.
func (c Catalogue) CategoryOrCode(code string) Category {
	if k, ok := c.Category(code); ok {
		return k
	}
	return Category{Code: code, NameIT: code, NameEN: code}
}

// Contrada finds a contrada by code.
func (c Catalogue) Contrada(code string) (Contrada, bool) {
	i := slices.IndexFunc(c.Contrade, func(z Contrada) bool { return z.Code == code })
	if i < 0 {
		return Contrada{}, false
	}
	return c.Contrade[i], true
}

// Office finds an office by id.
func (c Catalogue) Office(id string) (Office, bool) {
	i := slices.IndexFunc(c.Offices, func(o Office) bool { return o.ID == id })
	if i < 0 {
		return Office{}, false
	}
	return c.Offices[i], true
}

// ContradaOf is the code of the contrada whose centre is nearest to (lat,
// lon); "" when the catalogue lists none.
func (c Catalogue) ContradaOf(lat, lon float64) string {
	best, bestD := "", math.Inf(1)
	for _, z := range c.Contrade {
		if d := Distance(lat, lon, z.Lat, z.Lon); d < bestD {
			best, bestD = z.Code, d
		}
	}
	return best
}

// earthRadius is the mean radius of the Earth in metres.
const earthRadius = 6371008.8

// Distance is the great-circle distance in metres between two points
// (haversine): exact enough at a city's scale.
func Distance(lat1, lon1, lat2, lon2 float64) float64 {
	rad := math.Pi / 180
	dLat, dLon := (lat2-lat1)*rad, (lon2-lon1)*rad
	a := math.Sin(dLat/2)*math.Sin(dLat/2) + math.Cos(lat1*rad)*math.Cos(lat2*rad)*math.Sin(dLon/2)*math.Sin(dLon/2)
	return 2 * earthRadius * math.Asin(math.Min(1, math.Sqrt(a)))
}

// around is the box of points within metres of (lat, lon), a little wider
// than the circle, for the store to narrow a search before Distance.
func around(lat, lon, metres float64) Box {
	dLat := metres / earthRadius * 180 / math.Pi
	dLon := dLat / math.Max(0.01, math.Cos(lat*math.Pi/180))
	return Box{MinLat: lat - dLat, MaxLat: lat + dLat, MinLon: lon - dLon, MaxLon: lon + dLon}
}

// cleanText trims s and checks it is text of min to max characters, in
// lines (plaintext.Lines: no control character but line breaks and tabs).
// Its line breaks are kept as newlines whatever sent them: a form's text
// area (CR LF), an old Mac's editor (CR), a word processor (the Unicode
// line and paragraph separators). HTML is text like any other: it is
// stored as typed and escaped where it is shown.
func cleanText(s string, min, max int, reason, what string) (string, error) {
	return clean(lineBreaks.Replace(s), min, max, reason, what, plaintext.Lines, "")
}

// lineBreaks turns every way of writing a line break into a newline.
var lineBreaks = strings.NewReplacer("\r\n", "\n", "\r", "\n", "\u2028", "\n", "\u2029", "\n")

// cleanLine is cleanText for what is one line (plaintext.Line): a title, a
// name, an address, which head e-mails, feeds and lists, where a line break
// would split them.
func cleanLine(s string, min, max int, reason, what string) (string, error) {
	return clean(s, min, max, reason, what, plaintext.Line, "one line of ")
}

// clean is cleanText and cleanLine, ok telling the characters allowed and
// shape ("one line of ") what the refusal says of them. The refusal is one
// whichever way s is wrong, its characters or its length, and carries the
// bounds as its values, in this order: min and max, or max alone when s
// may be empty (min 0). The pages' words for each reason take the numbers
// from it, so they say what the check enforces, written as their
// language writes numbers ("2.000", "2,000"), and cannot say another.
func clean(s string, min, max int, reason, what string, ok func(string) bool, shape string) (string, error) {
	s = strings.TrimSpace(strings.ReplaceAll(s, "\r\n", "\n"))
	if n := utf8.RuneCountInString(s); ok(s) && n >= min && n <= max {
		return s, nil
	}
	// what and shape are this package's own words, without verbs.
	if min <= 0 {
		return "", invalid(reason, "The "+what+" must be "+shape+"at most %d characters, without control or invisible characters.", max)
	}
	return "", invalid(reason, "The "+what+" must be "+shape+"%d to %d characters, without control or invisible characters.", min, max)
}
