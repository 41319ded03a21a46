package opendata

import (
	"encoding/json"
	"encoding/xml"
	"fmt"
	"io"
	"strings"
)

// Namespaces of the terms the catalogue uses, by the prefix its RDF/XML
// gives them.
var namespaces = []struct{ Prefix, IRI string }{
	{"rdf", "http://www.w3.org/1999/02/22-rdf-syntax-ns#"},
	{"dcat", "http://www.w3.org/ns/dcat#"},
	{"dcatapit", "http://dati.gov.it/onto/dcatapit#"},
	{"dct", "http://purl.org/dc/terms/"},
	{"foaf", "http://xmlns.com/foaf/0.1/"},
	{"vcard", "http://www.w3.org/2006/vcard/ns#"},
	{"owl", "http://www.w3.org/2002/07/owl#"},
}

const (
	rdfType = "http://www.w3.org/1999/02/22-rdf-syntax-ns#type"
	xsdDate = "http://www.w3.org/2001/XMLSchema#date"
)

// Term is the object of a triple: a resource (IRI set) or a literal with
// a language or a datatype.
type Term struct {
	IRI      string
	Value    string
	Lang     string
	Datatype string
}

// Triple is one statement about a resource named by its IRI.
type Triple struct {
	Subject, Predicate string
	Object             Term
}

// Graph is a catalogue's statements, subjects in the order they were
// first described.
type Graph []Triple

func (g *Graph) iri(s, p, o string) {
	*g = append(*g, Triple{Subject: s, Predicate: p, Object: Term{IRI: o}})
}

func (g *Graph) text(s, p, v, lang string) {
	if v != "" {
		*g = append(*g, Triple{Subject: s, Predicate: p, Object: Term{Value: v, Lang: lang}})
	}
}

func (g *Graph) typed(s, p, v, datatype string) {
	*g = append(*g, Triple{Subject: s, Predicate: p, Object: Term{Value: v, Datatype: datatype}})
}

// subjects groups g's statements by subject, in first-seen order.
func (g Graph) subjects() (order []string, by map[string][]Triple) {
	by = map[string][]Triple{}
	for _, t := range g {
		if _, seen := by[t.Subject]; !seen {
			order = append(order, t.Subject)
		}
		by[t.Subject] = append(by[t.Subject], t)
	}
	return order, by
}

// qname splits a predicate IRI into one of the known prefixes and its
// local name; a predicate outside them is a defect of the catalogue's
// builder.
func qname(iri string) (string, error) {
	for _, ns := range namespaces {
		if local, ok := strings.CutPrefix(iri, ns.IRI); ok && local != "" {
			return ns.Prefix + ":" + local, nil
		}
	}
	return "", fmt.Errorf("opendata: no prefix for %s", iri)
}

// WriteRDFXML writes g as RDF/XML: one rdf:Description a subject, the
// form the national catalogue's examples use.
func (g Graph) WriteRDFXML(w io.Writer) error {
	var b strings.Builder
	b.WriteString(xml.Header)
	b.WriteString("<rdf:RDF")
	for _, ns := range namespaces {
		fmt.Fprintf(&b, "\n    xmlns:%s=\"%s\"", ns.Prefix, ns.IRI)
	}
	b.WriteString(">\n")
	order, by := g.subjects()
	for _, s := range order {
		fmt.Fprintf(&b, "  <rdf:Description rdf:about=\"%s\">\n", escape(s))
		for _, t := range by[s] {
			name, err := qname(t.Predicate)
			if err != nil {
				return err
			}
			switch o := t.Object; {
			case o.IRI != "":
				fmt.Fprintf(&b, "    <%s rdf:resource=\"%s\"/>\n", name, escape(o.IRI))
			case o.Lang != "":
				fmt.Fprintf(&b, "    <%s xml:lang=\"%s\">%s</%s>\n", name, o.Lang, escape(o.Value), name)
			case o.Datatype != "":
				fmt.Fprintf(&b, "    <%s rdf:datatype=\"%s\">%s</%s>\n", name, o.Datatype, escape(o.Value), name)
			default:
				fmt.Fprintf(&b, "    <%s>%s</%s>\n", name, escape(o.Value), name)
			}
		}
		b.WriteString("  </rdf:Description>\n")
	}
	b.WriteString("</rdf:RDF>\n")
	_, err := io.WriteString(w, b.String())
	return err
}

func escape(s string) string {
	var b strings.Builder
	_ = xml.EscapeText(&b, []byte(s))
	return b.String()
}

// WriteJSONLD writes g as JSON-LD in expanded form under @graph: one node
// object a subject, every term a full IRI, so no context is needed to read
// it.
func (g Graph) WriteJSONLD(w io.Writer) error {
	order, by := g.subjects()
	nodes := make([]map[string]any, 0, len(order))
	for _, s := range order {
		node := map[string]any{"@id": s}
		var types []string
		for _, t := range by[s] {
			if t.Predicate == rdfType {
				types = append(types, t.Object.IRI)
				continue
			}
			var v map[string]string
			switch o := t.Object; {
			case o.IRI != "":
				v = map[string]string{"@id": o.IRI}
			case o.Lang != "":
				v = map[string]string{"@value": o.Value, "@language": o.Lang}
			case o.Datatype != "":
				v = map[string]string{"@value": o.Value, "@type": o.Datatype}
			default:
				v = map[string]string{"@value": o.Value}
			}
			list, _ := node[t.Predicate].([]map[string]string)
			node[t.Predicate] = append(list, v)
		}
		if len(types) > 0 {
			node["@type"] = types
		}
		nodes = append(nodes, node)
	}
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	return enc.Encode(map[string]any{"@graph": nodes})
}
