package httpx

import (
	"mime"
	"net/http"
	"strconv"
	"strings"

	"cityhub/apperr"
)

// WantsCSV reports whether the client asked for CSV rather than JSON:
// ?format=csv, or an Accept that prefers text/csv (acceptsCSV). Another
// format is Invalid (bad_format), where it was answered as JSON without a
// word; format given twice is Invalid (duplicate_field), as any
// single-valued parameter of a list.
func WantsCSV(r *http.Request) (bool, error) {
	q := r.URL.Query()
	if err := Once(q, "format"); err != nil {
		return false, err
	}
	switch q.Get("format") {
	case "csv":
		return true, nil
	case "":
		return acceptsCSV(r.Header.Values("Accept")), nil
	}
	return false, apperr.R(apperr.Invalid, "bad_format", "format must be csv, or left out for JSON.")
}

// WantsSpreadsheet reports whether a CSV answer is asked for a
// spreadsheet (?dialect=excel: a byte order mark, semicolons, decimal
// commas, local times) rather than for programs (no dialect: RFC 4180,
// comma, dot decimals). Another dialect, or one asked of a JSON answer,
// where it would change nothing, is Invalid (bad_dialect); dialect given
// twice is Invalid (duplicate_field).
func WantsSpreadsheet(r *http.Request, csv bool) (bool, error) {
	q := r.URL.Query()
	if err := Once(q, "dialect"); err != nil {
		return false, err
	}
	switch d := q.Get("dialect"); {
	case d == "":
		return false, nil
	case d == "excel" && csv:
		return true, nil
	}
	return false, apperr.R(apperr.Invalid, "bad_dialect", "dialect must be excel, with format=csv, or left out.")
}

// acceptsCSV reads Accept (RFC 9110, 12.5.1) for the two formats a list
// has: CSV when text/csv weighs more than application/json, each taking
// the weight of the most specific range that matches it (text/csv, then
// text/*, then */*), or as much when CSV is named and JSON is not. JSON
// otherwise, as without the header.
func acceptsCSV(header []string) bool {
	type weight struct {
		q           float64
		specificity int // 3 the type itself, 2 its type's wildcard, 1 */*
	}
	var csv, json weight
	take := func(w *weight, q float64, specificity int) {
		if specificity > w.specificity {
			*w = weight{q, specificity}
		}
	}
	for _, h := range header {
		for _, part := range strings.Split(h, ",") {
			mt, params, err := mime.ParseMediaType(strings.TrimSpace(part))
			if err != nil {
				continue
			}
			q := 1.0
			if v, ok := params["q"]; ok {
				if q, err = strconv.ParseFloat(v, 64); err != nil || q < 0 || q > 1 {
					continue
				}
			}
			switch mt {
			case "text/csv":
				take(&csv, q, 3)
			case "text/*":
				take(&csv, q, 2)
			case "application/json":
				take(&json, q, 3)
			case "application/*":
				take(&json, q, 2)
			case "*/*":
				take(&csv, q, 1)
				take(&json, q, 1)
			}
		}
	}
	if csv.q == 0 {
		return false
	}
	return csv.q > json.q || (csv.q == json.q && csv.specificity == 3 && json.specificity < 3)
}

// WriteCSVHeaders starts a CSV download named filename.
func WriteCSVHeaders(w http.ResponseWriter, filename string) {
	w.Header().Set("Content-Type", "text/csv; charset=utf-8")
	w.Header().Set("Content-Disposition", `attachment; filename="`+filename+`"`)
	w.Header().Set("Cache-Control", "no-store")
}
