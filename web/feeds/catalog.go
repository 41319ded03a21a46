package feeds

import (
	"bytes"
	"net/http"
	"time"

	"cityhub/apperr"
	"cityhub/opendata"
	"cityhub/web/httpx"
)

// handleCatalog answers the open data catalogue (DCAT-AP_IT) in RDF/XML,
// the address a data portal harvests, or as JSON-LD (jsonld); 404 while
// the municipality's IPA code is not configured.
func (f *Handler) handleCatalog(jsonld bool) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		c, ok := f.OpenDataCatalog(time.Now())
		if !ok {
			httpx.WriteError(f.log, w, r, apperr.R(apperr.NotFound, "no_catalogue", "This hub publishes no open data catalogue: the municipality's IPA code is not configured."))
			return
		}
		var body bytes.Buffer
		g := c.Graph()
		write, ctype := g.WriteRDFXML, "application/rdf+xml; charset=utf-8"
		if jsonld {
			write, ctype = g.WriteJSONLD, "application/ld+json"
		}
		if err := write(&body); err != nil {
			httpx.WriteError(f.log, w, r, err)
			return
		}
		w.Header().Set("Content-Type", ctype)
		// The catalogue changes with the configuration and the day.
		w.Header().Set("Cache-Control", "public, max-age=3600")
		w.Header().Set("Link", `<`+opendata.Licence+`>; rel="license"`)
		// Open data, as the datasets it describes: a portal's page or a
		// validator in a browser may read it from another site.
		w.Header().Set("Access-Control-Allow-Origin", "*")
		_, _ = w.Write(body.Bytes())
	}
}
