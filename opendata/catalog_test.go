package opendata_test

import (
	"bytes"
	"encoding/json"
	"encoding/xml"
	"fmt"
	"io"
	"regexp"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/piprate/json-gold/ld"

	"cityhub/opendata"
)

func testCatalog(areas map[string]bool) opendata.Catalog {
	texts := map[string]opendata.Text{}
	for _, lang := range []string{"it", "en"} {
		t := opendata.Text{Title: "Dati aperti " + lang, Description: "Il catalogo \"di prova\" <" + lang + ">", Datasets: map[string]opendata.DatasetText{}}
		for _, d := range opendata.Datasets {
			t.Datasets[d.Key] = opendata.DatasetText{Name: d.Key + " " + lang, Description: "L'insieme " + d.Key + " & altro"}
		}
		texts[lang] = t
	}
	return opendata.Catalog{BaseURL: "https://hub.example.it/", IPACode: "c_a783", Holder: "Comune di Benevento", Email: "urp@comune.benevento.it",
		Datasets: opendata.Published(areas), Modified: time.Date(2026, 12, 4, 23, 0, 0, 0, time.UTC), Texts: texts}
}

// line is one statement as N-Quads writes it, to compare graphs read back
// from each serialisation with the one that was written.
func line(t opendata.Triple) string {
	o := t.Object
	switch {
	case o.IRI != "":
		return fmt.Sprintf("<%s> <%s> <%s> .", t.Subject, t.Predicate, o.IRI)
	case o.Lang != "":
		return fmt.Sprintf("<%s> <%s> %s@%s .", t.Subject, t.Predicate, quote(o.Value), o.Lang)
	case o.Datatype != "":
		return fmt.Sprintf("<%s> <%s> %s^^<%s> .", t.Subject, t.Predicate, quote(o.Value), o.Datatype)
	}
	return fmt.Sprintf("<%s> <%s> %s .", t.Subject, t.Predicate, quote(o.Value))
}

func quote(s string) string {
	return `"` + strings.NewReplacer(`\`, `\\`, `"`, `\"`, "\n", `\n`, "\r", `\r`).Replace(s) + `"`
}

func lines(g opendata.Graph) []string {
	out := make([]string, 0, len(g))
	for _, t := range g {
		out = append(out, line(t))
	}
	slices.Sort(out)
	return slices.Compact(out)
}

// fromJSONLD reads the JSON-LD back through a JSON-LD processor.
func fromJSONLD(t *testing.T, doc []byte) []string {
	t.Helper()
	var v any
	if err := json.Unmarshal(doc, &v); err != nil {
		t.Fatal(err)
	}
	opts := ld.NewJsonLdOptions("")
	opts.Format = "application/n-quads"
	out, err := ld.NewJsonLdProcessor().ToRDF(v, opts)
	if err != nil {
		t.Fatalf("JSON-LD to RDF: %v", err)
	}
	var got []string
	for l := range strings.SplitSeq(strings.TrimSpace(out.(string)), "\n") {
		// A plain literal is an xsd:string, which N-Quads leaves unsaid.
		got = append(got, strings.Replace(l, "^^<http://www.w3.org/2001/XMLSchema#string>", "", 1))
	}
	slices.Sort(got)
	return got
}

// fromRDFXML reads RDF/XML of the form the catalogue writes (one
// rdf:Description a subject, property elements with a resource, or text
// with a language or a datatype).
func fromRDFXML(t *testing.T, doc []byte) []string {
	t.Helper()
	const rdfNS = "http://www.w3.org/1999/02/22-rdf-syntax-ns#"
	dec := xml.NewDecoder(bytes.NewReader(doc))
	var g opendata.Graph
	var subject string
	for {
		tok, err := dec.Token()
		if err == io.EOF {
			break
		}
		if err != nil {
			t.Fatalf("RDF/XML: %v", err)
		}
		el, ok := tok.(xml.StartElement)
		if !ok {
			continue
		}
		attr := func(space, local string) string {
			for _, a := range el.Attr {
				if a.Name.Space == space && a.Name.Local == local {
					return a.Value
				}
			}
			return ""
		}
		switch {
		case el.Name.Space == rdfNS && el.Name.Local == "RDF":
		case el.Name.Space == rdfNS && el.Name.Local == "Description":
			subject = attr(rdfNS, "about")
		default:
			tr := opendata.Triple{Subject: subject, Predicate: el.Name.Space + el.Name.Local}
			if r := attr(rdfNS, "resource"); r != "" {
				tr.Object.IRI = r
				if err := dec.Skip(); err != nil {
					t.Fatal(err)
				}
			} else {
				var text string
				if err := dec.DecodeElement(&text, &el); err != nil {
					t.Fatal(err)
				}
				tr.Object = opendata.Term{Value: text, Lang: attr("http://www.w3.org/XML/1998/namespace", "lang"), Datatype: attr(rdfNS, "datatype")}
			}
			g = append(g, tr)
		}
	}
	return lines(g)
}

// Both serialisations carry exactly the catalogue's statements: the
// JSON-LD read back by a JSON-LD processor, the RDF/XML by an XML decoder.
func TestSerialisationsCarryTheGraph(t *testing.T) {
	c := testCatalog(map[string]bool{"bikes": true, "vouchers": true, "participation": true})
	g := c.Graph()
	want := lines(g)
	var jsonld, rdfxml bytes.Buffer
	if err := g.WriteJSONLD(&jsonld); err != nil {
		t.Fatal(err)
	}
	if err := g.WriteRDFXML(&rdfxml); err != nil {
		t.Fatal(err)
	}
	if got := fromJSONLD(t, jsonld.Bytes()); !slices.Equal(got, want) {
		t.Errorf("JSON-LD read back:\n%s\nwant:\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
	}
	if got := fromRDFXML(t, rdfxml.Bytes()); !slices.Equal(got, want) {
		t.Errorf("RDF/XML read back:\n%s\nwant:\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
	}
}

// Only the datasets of the areas that are on are published, each once.
func TestPublishedFollowsTheAreas(t *testing.T) {
	for _, tc := range []struct {
		areas map[string]bool
		want  []string
	}{
		{map[string]bool{}, nil},
		{map[string]bool{"bikes": true}, []string{"bikes"}},
		{map[string]bool{"vouchers": true, "participation": true}, []string{"vouchers", "reports", "counts", "proposals", "open311"}},
	} {
		var got []string
		for _, d := range opendata.Published(tc.areas) {
			got = append(got, d.Key)
		}
		if !slices.Equal(got, tc.want) {
			t.Errorf("areas %v: %v, want %v", tc.areas, got, tc.want)
		}
	}
	numbers := map[int]string{}
	for _, d := range opendata.Datasets {
		if other, taken := numbers[d.Number]; taken || d.Number < 1 {
			t.Errorf("dataset %s has number %d (also %s's)", d.Key, d.Number, other)
		}
		numbers[d.Number] = d.Key
	}
}

// The catalogue carries what the national profile (AgID's guidelines for
// DCAT-AP_IT catalogues) makes mandatory for each class, with values of
// the kind it names, and what the national catalogue's harvester needs to
// take a dataset: both types on every resource, IRIs of its own for
// datasets and distributions, a rights holder apart from the contact.
func TestCatalogMeetsTheNationalProfile(t *testing.T) {
	const (
		dcat, dcatapit, dct = "http://www.w3.org/ns/dcat#", "http://dati.gov.it/onto/dcatapit#", "http://purl.org/dc/terms/"
		foaf, vcard, rdf    = "http://xmlns.com/foaf/0.1/", "http://www.w3.org/2006/vcard/ns#", "http://www.w3.org/1999/02/22-rdf-syntax-ns#type"
		eu, xsdDate         = "http://publications.europa.eu/resource/authority/", "http://www.w3.org/2001/XMLSchema#date"
	)
	c := testCatalog(map[string]bool{"bikes": true, "vouchers": true, "participation": true})
	g := c.Graph()
	objects := func(s, p string) []opendata.Term {
		var out []opendata.Term
		for _, tr := range g {
			if tr.Subject == s && tr.Predicate == p {
				out = append(out, tr.Object)
			}
		}
		return out
	}
	ofType := func(class string) []string {
		var out []string
		for _, tr := range g {
			if tr.Predicate == rdf && tr.Object.IRI == class {
				out = append(out, tr.Subject)
			}
		}
		return out
	}
	isA := func(s, class string) bool { return slices.Contains(objects(s, rdf), opendata.Term{IRI: class}) }
	type rule struct {
		p        string
		min, max int // max 0: any number
		kind     func(opendata.Term) bool
	}
	itText := func(o opendata.Term) bool { return o.IRI == "" && (o.Lang == "it" || o.Lang == "en") && o.Value != "" }
	plain := func(o opendata.Term) bool { return o.IRI == "" && o.Lang == "" && o.Datatype == "" && o.Value != "" }
	date := func(o opendata.Term) bool {
		_, err := time.Parse(time.DateOnly, o.Value)
		return o.Datatype == xsdDate && err == nil
	}
	from := func(prefix string, codes ...string) func(opendata.Term) bool {
		return func(o opendata.Term) bool {
			code, ok := strings.CutPrefix(o.IRI, prefix)
			return ok && slices.Contains(codes, code)
		}
	}
	typed := func(class string) func(opendata.Term) bool {
		return func(o opendata.Term) bool { return o.IRI != "" && isA(o.IRI, class) }
	}
	classes := []struct {
		class, base string
		rules       []rule
	}{
		{dcatapit + "Catalog", dcat + "Catalog", []rule{
			{dct + "title", 1, 0, itText}, {dct + "description", 1, 0, itText}, {dct + "publisher", 1, 1, typed(dcatapit + "Agent")},
			{dct + "modified", 1, 1, date}, {dcat + "dataset", 1, 0, typed(dcatapit + "Dataset")},
			{dcat + "themeTaxonomy", 0, 0, func(o opendata.Term) bool { return o.IRI == eu+"data-theme" }},
			{dct + "language", 0, 0, from(eu+"language/", "ITA", "ENG")}}},
		{dcatapit + "Dataset", dcat + "Dataset", []rule{
			{dct + "identifier", 1, 1, func(o opendata.Term) bool {
				return plain(o) && regexp.MustCompile(`^c_a783:D\.[1-9][0-9]*$`).MatchString(o.Value)
			}},
			{dct + "title", 1, 0, itText}, {dct + "description", 1, 0, itText}, {dct + "modified", 1, 1, date},
			{dcat + "theme", 1, 0, from(eu+"data-theme/", "AGRI", "ECON", "EDUC", "ENER", "ENVI", "GOVE", "HEAL", "INTR", "JUST", "REGI", "SOCI", "TECH", "TRAN")},
			{dct + "rightsHolder", 1, 1, typed(dcatapit + "Agent")},
			{dct + "accrualPeriodicity", 1, 1, from(eu+"frequency/", "UPDATE_CONT", "CONT", "DAILY", "WEEKLY", "MONTHLY", "ANNUAL", "IRREG", "UNKNOWN")},
			{dcat + "distribution", 1, 0, typed(dcatapit + "Distribution")},
			{dcat + "contactPoint", 0, 0, typed(dcatapit + "Organization")},
			{dcat + "keyword", 0, 0, func(o opendata.Term) bool { return regexp.MustCompile(`^[\pL\pN-]+$`).MatchString(o.Value) }}}},
		{dcatapit + "Distribution", dcat + "Distribution", []rule{
			{dct + "format", 1, 1, from(eu+"file-type/", "JSON", "CSV", "XML")},
			{dcat + "accessURL", 1, 1, func(o opendata.Term) bool { return strings.HasPrefix(o.IRI, "https://hub.example.it/") }},
			{dct + "license", 1, 1, typed(dcatapit + "LicenseDocument")}}},
		{dcatapit + "Agent", foaf + "Agent", []rule{
			{dct + "identifier", 1, 1, func(o opendata.Term) bool { return plain(o) && o.Value == "c_a783" }},
			{foaf + "name", 1, 0, itText}}},
		{dcatapit + "Organization", vcard + "Organization", []rule{
			{vcard + "fn", 1, 1, itText}, {vcard + "hasEmail", 1, 1, func(o opendata.Term) bool { return o.IRI == "mailto:urp@comune.benevento.it" }}}},
		{dcatapit + "LicenseDocument", dct + "LicenseDocument", []rule{
			{dct + "type", 1, 1, func(o opendata.Term) bool { return o.IRI == "http://purl.org/adms/licencetype/Attribution" }}}},
	}
	for _, cl := range classes {
		subjects := ofType(cl.class)
		if len(subjects) == 0 {
			t.Errorf("no %s", cl.class)
		}
		for _, s := range subjects {
			if !isA(s, cl.base) {
				t.Errorf("%s is a %s but not a %s", s, cl.class, cl.base)
			}
			for _, r := range cl.rules {
				os := objects(s, r.p)
				if len(os) < r.min || (r.max > 0 && len(os) > r.max) {
					t.Errorf("%s has %d %s, want %d to %d", s, len(os), r.p, r.min, r.max)
				}
				for _, o := range os {
					if !r.kind(o) {
						t.Errorf("%s %s: %+v is not what the profile takes", s, r.p, o)
					}
				}
			}
		}
	}
	// Every dataset's Italian title and description, and identifiers
	// that are unique.
	ids := map[string]bool{}
	for _, ds := range ofType(dcatapit + "Dataset") {
		if !slices.ContainsFunc(objects(ds, dct+"title"), func(o opendata.Term) bool { return o.Lang == "it" }) {
			t.Errorf("%s has no Italian title", ds)
		}
		id := objects(ds, dct+"identifier")[0].Value
		if ids[id] {
			t.Errorf("identifier %s twice", id)
		}
		ids[id] = true
	}
	if len(ids) != len(opendata.Datasets) {
		t.Errorf("%d datasets, want %d", len(ids), len(opendata.Datasets))
	}
	if holder, contact := ofType(dcatapit+"Agent"), ofType(dcatapit+"Organization"); len(holder) != 1 || len(contact) != 1 || holder[0] == contact[0] {
		t.Errorf("rights holder %v and contact %v must be one each, apart", holder, contact)
	}
	// The day is the one asked for, not the next one somewhere else.
	if got := objects(ofType(dcatapit + "Catalog")[0], dct+"modified")[0].Value; got != "2026-12-04" {
		t.Errorf("modified %s", got)
	}
}
