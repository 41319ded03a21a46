package ui

import (
	"net/http"
	"time"

	"cityhub/opendata"
	"cityhub/participation"
)

// OpenDataCatalog is the hub's open data catalogue (DCAT-AP_IT) as of now:
// the datasets of the areas that are on, with the words the open data page
// gives them, in Italian and English. ok is false while the municipality's
// IPA code is not configured: without it the catalogue cannot name its
// rights holder.
func (u *UI) OpenDataCatalog(now time.Time) (c opendata.Catalog, ok bool) {
	p := u.site.pages
	if p.city.IPACode == "" {
		return opendata.Catalog{}, false
	}
	c = opendata.Catalog{BaseURL: u.site.publicURL, IPACode: p.city.IPACode, Email: p.city.Email,
		Datasets: opendata.Published(p.areas), Modified: now.In(u.site.zone), Texts: map[string]opendata.Text{}}
	for lang, l := range p.locales {
		holder := l.T("site.comune", p.city.Name)
		t := opendata.Text{Title: l.T("site.data.catalog.title", holder), Description: l.T("site.data.lead", holder) + " " + l.T("site.data.licence", holder),
			Datasets: map[string]opendata.DatasetText{}}
		for _, d := range c.Datasets {
			t.Datasets[d.Key] = opendata.DatasetText{Name: l.T("site.data." + d.Key + ".name"), Description: l.DatasetText(d.Key)}
		}
		c.Texts[lang] = t
		if lang == "it" {
			c.Holder = holder
		}
	}
	return c, true
}

// openDataPage is what the open data page lists: the datasets of the areas
// that are on, and whether the catalogue is published.
type openDataPage struct {
	Datasets []opendata.Dataset
	Catalog  bool
}

// handleOpenDataPage renders the open data page from the same list the
// catalogue is made of.
func (s *site) handleOpenDataPage(w http.ResponseWriter, r *http.Request) {
	s.render(w, r, http.StatusOK, "site_opendata", "opendata", openDataPage{Datasets: opendata.Published(s.pages.areas), Catalog: s.pages.city.IPACode != ""})
}

// DatasetText is what a dataset holds, in this language: the words of
// the participation datasets name how many of the newest items they hold
// (participation.MaxListLimit, what OpenData reads), as the language
// writes numbers, where they wrote 1000 in both; the reports' name the
// text a redacted description reads there (participation.RedactedText).
func (l *locale) DatasetText(key string) string {
	switch key {
	case "reports":
		// The text a redacted description reads, which the open data give
		// in English whatever the language.
		return l.T("site.data."+key+".text", l.Units(participation.MaxListLimit), participation.RedactedText)
	case "proposals":
		return l.T("site.data."+key+".text", l.Units(participation.MaxListLimit))
	}
	return l.T("site.data." + key + ".text")
}
