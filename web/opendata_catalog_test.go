package web

import (
	"encoding/json"
	"encoding/xml"
	"io"
	"net/http"
	"regexp"
	"slices"
	"strings"
	"testing"

	"cityhub/web/ui"
)

// The open data catalogue (DCAT-AP_IT) describes exactly the datasets the
// open data page lists, each resource a fragment of that page that is on
// it, and every address it gives answers without an account. Without the
// municipality's IPA code there is no catalogue, and the page does not
// offer one.
func TestOpenDataCatalogMatchesThePage(t *testing.T) {
	t.Parallel()
	_, env := newTestServer(t, "sqlite", withParticipation, func(env *testEnv, d *Deps) {
		d.City = ui.City{Name: "Benevento", Email: "urp@comune.example.it", IPACode: "c_a783"}
	})
	page := env.do(t, "GET", "/dati-aperti", "", "").Body.String()
	var listed []string
	for _, m := range regexp.MustCompile(`\sid="dataset-([a-z0-9]+)"`).FindAllStringSubmatch(page, -1) {
		if m[1] != "api" { // the API's description is for developers, not a dataset
			listed = append(listed, m[1])
		}
	}
	if !strings.Contains(page, `data-testid="catalog-links"`) || len(listed) == 0 {
		t.Fatalf("the page offers no catalogue or lists nothing:\n%s", page)
	}

	rec := env.do(t, "GET", "/api/v1/open/dcat-ap_it.jsonld", "", "")
	if rec.Code != http.StatusOK || rec.Header().Get("Content-Type") != "application/ld+json" {
		t.Fatalf("JSON-LD: %d %q", rec.Code, rec.Header().Get("Content-Type"))
	}
	var doc struct {
		Graph []map[string]json.RawMessage `json:"@graph"`
	}
	if err := json.Unmarshal(rec.Body.Bytes(), &doc); err != nil {
		t.Fatal(err)
	}
	nodes := doc.Graph
	const dcatapit, dcat = "http://dati.gov.it/onto/dcatapit#", "http://www.w3.org/ns/dcat#"
	var described []string
	for _, n := range nodes {
		var id string
		var types []string
		_ = json.Unmarshal(n["@id"], &id)
		_ = json.Unmarshal(n["@type"], &types)
		if slices.Contains(types, dcatapit+"Dataset") {
			key, ok := strings.CutPrefix(id, testIssuer+"/dati-aperti#dataset-")
			if !ok {
				t.Errorf("dataset %s is not a fragment of the open data page", id)
			}
			described = append(described, key)
		}
		if slices.Contains(types, dcatapit+"Distribution") {
			var access []map[string]string
			_ = json.Unmarshal(n[dcat+"accessURL"], &access)
			if len(access) != 1 || !strings.HasPrefix(access[0]["@id"], testIssuer+"/") {
				t.Fatalf("distribution %s: access %v", id, access)
			}
			if r := env.do(t, "GET", strings.TrimPrefix(access[0]["@id"], testIssuer), "", ""); r.Code != http.StatusOK {
				t.Errorf("%s: %d", access[0]["@id"], r.Code)
			}
		}
	}
	if !slices.Equal(described, listed) {
		t.Errorf("the catalogue describes %v, the page lists %v", described, listed)
	}
	// Every resource named as a fragment of the open data page (the
	// catalogue, its holder and contact, each dataset and distribution)
	// is an element of that page.
	for _, n := range nodes {
		var id string
		_ = json.Unmarshal(n["@id"], &id)
		if frag, ok := strings.CutPrefix(id, testIssuer+"/dati-aperti#"); ok && !strings.Contains(page, ` id="`+frag+`"`) {
			t.Errorf("%s names no element of the open data page", id)
		}
	}

	rec = env.do(t, "GET", "/api/v1/open/dcat-ap_it.rdf", "", "")
	if rec.Code != http.StatusOK || rec.Header().Get("Content-Type") != "application/rdf+xml; charset=utf-8" {
		t.Fatalf("RDF/XML: %d %q", rec.Code, rec.Header().Get("Content-Type"))
	}
	dec, descriptions := xml.NewDecoder(rec.Body), 0
	for {
		tok, err := dec.Token()
		if err == io.EOF {
			break
		}
		if err != nil {
			t.Fatalf("RDF/XML is not well-formed: %v", err)
		}
		if el, ok := tok.(xml.StartElement); ok && el.Name.Local == "Description" {
			descriptions++
		}
	}
	if descriptions != len(nodes) {
		t.Errorf("RDF/XML describes %d resources, JSON-LD %d", descriptions, len(nodes))
	}

	// No IPA code: no catalogue.
	_, bare := newTestServer(t, "sqlite", withParticipation)
	rec = bare.do(t, "GET", "/api/v1/open/dcat-ap_it.rdf", "", "")
	if rec.Code != http.StatusNotFound || !strings.Contains(rec.Body.String(), `"reason":"no_catalogue"`) {
		t.Errorf("without an IPA code: %d %s", rec.Code, rec.Body)
	}
	if strings.Contains(bare.do(t, "GET", "/dati-aperti", "", "").Body.String(), `data-testid="catalog-links"`) {
		t.Error("the page offers a catalogue the hub does not publish")
	}
}
