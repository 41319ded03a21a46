package opendata

import (
	"fmt"
	"strings"
	"time"
)

// Vocabularies the national profile asks for.
const (
	dcat     = "http://www.w3.org/ns/dcat#"
	dcatapit = "http://dati.gov.it/onto/dcatapit#"
	dct      = "http://purl.org/dc/terms/"
	foaf     = "http://xmlns.com/foaf/0.1/"
	vcard    = "http://www.w3.org/2006/vcard/ns#"
	owl      = "http://www.w3.org/2002/07/owl#"

	euAuthority = "http://publications.europa.eu/resource/authority/"
	// ThemeScheme is the EU data-theme table, the catalogue's taxonomy.
	ThemeScheme = euAuthority + "data-theme"
	// Licence is CC BY 4.0 in AgID's licence vocabulary, which the
	// national catalogue maps its licences onto.
	Licence = "https://w3id.org/italia/controlled-vocabulary/licences/A21_CCBY40"
	// attribution is the ADMS licence type of CC BY.
	attribution = "http://purl.org/adms/licencetype/Attribution"
)

// Text is a catalogue's words in one language.
type Text struct {
	Title, Description string
	// Datasets are each dataset's name and description, by Key.
	Datasets map[string]DatasetText
}

// DatasetText is one dataset's name and description.
type DatasetText struct{ Name, Description string }

// Catalog is what a DCAT-AP_IT catalogue of the hub says.
type Catalog struct {
	// BaseURL is the hub's public URL: every address in the catalogue
	// hangs from it, and the resources it describes are fragments of its
	// open data page (BaseURL/dati-aperti#...), which describes each one
	// to people.
	BaseURL string
	// IPACode is the municipality's code in the Indice della Pubblica
	// Amministrazione: the identifier of the rights holder, and the prefix
	// of every dataset's identifier.
	IPACode string
	// Holder is the municipality's official name ("Comune di Benevento").
	Holder string
	// Email is where people write about the data: the contact point; empty
	// leaves it out.
	Email string
	// Datasets are the datasets published (Published).
	Datasets []Dataset
	// Modified is when the data last changed: the live datasets change all
	// the time, so the day the catalogue is read.
	Modified time.Time
	// Texts are the catalogue's words by language ("it" first, as the
	// profile asks for Italian).
	Texts map[string]Text
}

// languages are the catalogue's languages, Italian first, with their EU
// language codes.
var languages = []struct{ tag, eu string }{{"it", "ITA"}, {"en", "ENG"}}

// PagePath is the open data page, whose fragments name the catalogue's
// resources.
const PagePath = "/dati-aperti"

// DatasetIRI is the IRI of the dataset key in the catalogue of a hub at
// base: its entry on the open data page.
func DatasetIRI(base, key string) string { return base + PagePath + "#dataset-" + key }

// Graph is the catalogue as RDF statements.
func (c Catalog) Graph() Graph {
	var g Graph
	base := strings.TrimSuffix(c.BaseURL, "/")
	page := base + PagePath
	catalog, holder, contact := page+"#catalogo", page+"#titolare", page+"#contatto"
	day := c.Modified.Format(time.DateOnly)

	g.iri(catalog, rdfType, dcatapit+"Catalog")
	g.iri(catalog, rdfType, dcat+"Catalog")
	for _, l := range languages {
		g.text(catalog, dct+"title", c.Texts[l.tag].Title, l.tag)
		g.text(catalog, dct+"description", c.Texts[l.tag].Description, l.tag)
	}
	g.iri(catalog, dct+"publisher", holder)
	g.typed(catalog, dct+"modified", day, xsdDate)
	g.iri(catalog, foaf+"homepage", page)
	for _, l := range languages {
		g.iri(catalog, dct+"language", euAuthority+"language/"+l.eu)
	}
	g.iri(catalog, dcat+"themeTaxonomy", ThemeScheme)
	for _, d := range c.Datasets {
		g.iri(catalog, dcat+"dataset", DatasetIRI(base, d.Key))
	}

	g.iri(holder, rdfType, dcatapit+"Agent")
	g.iri(holder, rdfType, foaf+"Agent")
	g.typed(holder, dct+"identifier", c.IPACode, "")
	g.text(holder, foaf+"name", c.Holder, "it")

	if c.Email != "" {
		g.iri(contact, rdfType, dcatapit+"Organization")
		g.iri(contact, rdfType, vcard+"Organization")
		g.iri(contact, rdfType, vcard+"Kind")
		g.text(contact, vcard+"fn", c.Holder, "it")
		g.iri(contact, vcard+"hasEmail", "mailto:"+c.Email)
		g.iri(contact, vcard+"hasURL", base+"/contatti")
	}

	for _, d := range c.Datasets {
		ds := DatasetIRI(base, d.Key)
		g.iri(ds, rdfType, dcatapit+"Dataset")
		g.iri(ds, rdfType, dcat+"Dataset")
		g.typed(ds, dct+"identifier", fmt.Sprintf("%s:D.%d", c.IPACode, d.Number), "")
		for _, l := range languages {
			g.text(ds, dct+"title", c.Texts[l.tag].Datasets[d.Key].Name, l.tag)
			g.text(ds, dct+"description", c.Texts[l.tag].Datasets[d.Key].Description, l.tag)
		}
		g.typed(ds, dct+"modified", day, xsdDate)
		for _, t := range d.Themes {
			g.iri(ds, dcat+"theme", euAuthority+"data-theme/"+t)
		}
		g.iri(ds, dct+"rightsHolder", holder)
		g.iri(ds, dct+"publisher", holder)
		g.iri(ds, dct+"accrualPeriodicity", euAuthority+"frequency/"+d.Frequency)
		if c.Email != "" {
			g.iri(ds, dcat+"contactPoint", contact)
		}
		g.iri(ds, dcat+"landingPage", ds)
		for _, l := range languages {
			g.iri(ds, dct+"language", euAuthority+"language/"+l.eu)
		}
		for _, k := range d.Keywords {
			g.text(ds, dcat+"keyword", k, "it")
		}
		for _, dist := range d.Distributions {
			g.iri(ds, dcat+"distribution", ds+"-"+dist.FormatID())
		}
	}
	for _, d := range c.Datasets {
		ds := DatasetIRI(base, d.Key)
		for _, dist := range d.Distributions {
			di := ds + "-" + dist.FormatID()
			g.iri(di, rdfType, dcatapit+"Distribution")
			g.iri(di, rdfType, dcat+"Distribution")
			g.iri(di, dct+"format", euAuthority+"file-type/"+dist.Format)
			g.iri(di, dcat+"accessURL", base+dist.Path)
			g.iri(di, dct+"license", Licence)
			for _, l := range languages {
				if name := c.Texts[l.tag].Datasets[d.Key].Name; name != "" {
					g.text(di, dct+"title", name+" ("+dist.Label+")", l.tag)
				}
			}
		}
	}
	if len(c.Datasets) > 0 {
		g.iri(Licence, rdfType, dcatapit+"LicenseDocument")
		g.iri(Licence, rdfType, dct+"LicenseDocument")
		g.iri(Licence, dct+"type", attribution)
		g.text(Licence, foaf+"name", "Creative Commons Attribuzione 4.0 Internazionale (CC BY 4.0)", "it")
		g.typed(Licence, owl+"versionInfo", "4.0", "")
	}
	return g
}
