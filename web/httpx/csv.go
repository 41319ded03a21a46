package httpx

import "net/http"

// WantsCSV reports whether the client asked for CSV rather than JSON:
// ?format=csv, or an Accept of text/csv.
func WantsCSV(r *http.Request) bool {
	return r.URL.Query().Get("format") == "csv" || r.Header.Get("Accept") == "text/csv"
}

// WriteCSVHeaders starts a CSV download named filename.
func WriteCSVHeaders(w http.ResponseWriter, filename string) {
	w.Header().Set("Content-Type", "text/csv; charset=utf-8")
	w.Header().Set("Content-Disposition", `attachment; filename="`+filename+`"`)
	w.Header().Set("Cache-Control", "no-store")
}
