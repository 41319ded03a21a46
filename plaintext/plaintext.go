// Package plaintext holds the hub's one rule for text that people and
// feeds are shown as it is: valid UTF-8 without control characters. A name
// is one line (no line or paragraph separator either); a description may
// have lines. Names head e-mails ("Name" <address>), GBFS feeds, statements
// and tickets, where a control character breaks the header, the feed or
// the page of whoever reads it.
package plaintext

import (
	"strings"
	"unicode"
	"unicode/utf8"
)

// Breaks reports whether r may not stand in one line of text: a control
// character (C0, DEL, C1) or a line or paragraph separator.
func Breaks(r rune) bool {
	return unicode.IsControl(r) || r == '\u2028' || r == '\u2029'
}

// Line reports whether s is one line of text: valid UTF-8 and no rune
// that Breaks.
func Line(s string) bool {
	return utf8.ValidString(s) && !strings.ContainsFunc(s, Breaks)
}

// Lines reports whether s is text of one or more lines: valid UTF-8 whose
// only control characters are line feeds, carriage returns (as a form's
// text area sends them) and tabs.
func Lines(s string) bool {
	return utf8.ValidString(s) && !strings.ContainsFunc(s, func(r rune) bool {
		return Breaks(r) && r != '\n' && r != '\r' && r != '\t'
	})
}
