package ui

import (
	"fmt"
	"io"

	"cityhub/photo"
)

// writtenSize is a number of bytes a refusal names (photo_too_large's
// limit) in l's words: with %s or %v, "8 MiB (8.388.608 byte)" in Italian
// and "8 MiB (8,388,608 bytes)" in English, exact as the API's words are,
// where fmt writes the API's English with its digits ungrouped.
type writtenSize struct {
	n photo.Size
	l *locale
}

// Format implements fmt.Formatter.
func (w writtenSize) Format(f fmt.State, verb rune) {
	if verb != 's' && verb != 'v' {
		fmt.Fprintf(f, fmt.FormatString(f, verb), int(w.n))
		return
	}
	whole, unit := w.n.Whole()
	msg, ok := w.l.ReasonWords("size.unit", []any{whole, unit, int(w.n)})
	if unit == "" {
		msg, ok = w.l.ReasonWords("size.bytes", []any{int(w.n)})
	}
	if !ok {
		msg = w.n.String()
	}
	io.WriteString(f, msg)
}
