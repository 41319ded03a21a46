package ui

import (
	"strings"
	"unicode"
	"unicode/utf8"

	"cityhub/ticketing"
)

// OrderNote is an order's note (ticketing.Note*) in the page's language,
// part by part where the record joined several, a partial refund's amount
// in the page's way of writing money; a part the catalogue has no words for
// (a note of a later release) is shown as it is kept.
func (l *locale) OrderNote(note string) string {
	parts := strings.Split(note, "; ")
	for i, p := range parts {
		if name, ok := ticketing.OrderNotes[p]; ok && l.Has("pay.order.note."+name) {
			parts[i] = strings.TrimSuffix(l.T("pay.order.note."+name), ".")
		} else if c, ok := ticketing.PartialRefundOf(p); ok {
			parts[i] = strings.TrimSuffix(l.T("pay.order.note.partial_refund", c.Format(l.Lang)), ".")
		}
	}
	s := strings.Join(parts, "; ")
	r, n := utf8.DecodeRuneInString(s)
	return string(unicode.ToUpper(r)) + s[n:] + "."
}
