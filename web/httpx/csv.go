package httpx

import (
	"net/http"

	"cityhub/apperr"
)

// WantsCSV reports whether the client asked for CSV rather than JSON:
// ?format=csv, or an Accept of text/csv. Another format is Invalid
// (bad_format), where it was answered as JSON without a word.
func WantsCSV(r *http.Request) (bool, error) {
	switch r.URL.Query().Get("format") {
	case "csv":
		return true, nil
	case "":
		return r.Header.Get("Accept") == "text/csv", nil
	}
	return false, apperr.R(apperr.Invalid, "bad_format", "format must be csv, or left out for JSON.")
}

// WriteCSVHeaders starts a CSV download named filename.
func WriteCSVHeaders(w http.ResponseWriter, filename string) {
	w.Header().Set("Content-Type", "text/csv; charset=utf-8")
	w.Header().Set("Content-Disposition", `attachment; filename="`+filename+`"`)
	w.Header().Set("Cache-Control", "no-store")
}
