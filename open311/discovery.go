package open311

import (
	"encoding/xml"
	"net/http"
	"strings"
	"time"
)

// Specification names GeoReport v2 in a discovery document's endpoint.
const Specification = "http://wiki.open311.org/GeoReport_v2"

// Discovery is what the service discovery document says, the one URL a city
// registers in Open311's directory: where the endpoint is, who runs it, how
// to get a key, and since when the services are what they are.
type Discovery struct {
	// Changeset is when the service definitions last changed: clients that
	// cached services.json fetch it again when this moves.
	Changeset time.Time
	// Contact is who runs the endpoint, and how to reach them.
	Contact string
	// KeyService says how a report app gets an API key.
	KeyService string
	// URL is the endpoint's base, for example https://hub.example/open311/v2.
	URL string
	// Jurisdiction is the jurisdiction_id clients may send; the document
	// has no field of its own for it, so contact tells it, after who runs
	// the endpoint.
	Jurisdiction string
	// Test marks the endpoint "test" rather than "production": a hub whose
	// payments are test payments, such as the demo, is not a city's service.
	Test bool
}

type discoveryDoc struct {
	XMLName    xml.Name            `json:"-" xml:"discovery"`
	Changeset  string              `json:"changeset" xml:"changeset"`
	Contact    string              `json:"contact" xml:"contact"`
	KeyService string              `json:"key_service" xml:"key_service"`
	Endpoints  []discoveryEndpoint `json:"endpoints" xml:"endpoints>endpoint"`
}

type discoveryEndpoint struct {
	Specification string   `json:"specification" xml:"specification"`
	URL           string   `json:"url" xml:"url"`
	Changeset     string   `json:"changeset" xml:"changeset"`
	Type          string   `json:"type" xml:"type"`
	Formats       []string `json:"formats" xml:"formats>format"`
}

// DiscoveryHandler serves d as the discovery document in format f ("json"
// or "xml"); the hub has one endpoint, in both formats.
func (s *Server) DiscoveryHandler(d Discovery, f string) http.HandlerFunc {
	changeset := d.Changeset.UTC().Format(time.RFC3339)
	kind := "production"
	if d.Test {
		kind = "test"
	}
	contact := d.Contact
	if d.Jurisdiction != "" {
		contact = strings.TrimPrefix(contact+"; ", "; ") + "jurisdiction_id " + NormalJurisdiction(d.Jurisdiction) +
			" (optional: this endpoint serves that jurisdiction only)"
	}
	doc := discoveryDoc{Changeset: changeset, Contact: contact, KeyService: d.KeyService,
		Endpoints: []discoveryEndpoint{{Specification: Specification, URL: d.URL, Changeset: changeset, Type: kind,
			Formats: []string{"text/xml", "application/json"}}}}
	return func(w http.ResponseWriter, r *http.Request) {
		s.write(w, f, http.StatusOK, doc)
	}
}
