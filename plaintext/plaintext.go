// Package plaintext holds the hub's one rule for text that people and
// feeds are shown as it is: valid UTF-8 without control characters. A name
// is one line (no line or paragraph separator either); a description may
// have lines. Names head e-mails ("Name" <address>), GBFS feeds, statements
// and tickets, where a control character breaks the header, the feed or
// the page of whoever reads it.
//
// "Control characters" here also means the invisible ones that change how
// the text around them is shown: the bidirectional embeddings, overrides
// and isolates, which can make a name or a comment read in another order
// than it is stored (and spill into what is shown after it), and the
// noncharacters (U+FFFE, U+FFFF and their kin), which Unicode reserves for
// a program's own use and no keyboard types. A name may not hold the
// zero-width characters either (zero-width space, word joiner, byte order
// mark), which make two names that look the same differ. The zero-width
// joiner and non-joiner (emoji, Persian, the Indian scripts) and the
// left-to-right and right-to-left marks (mixed Arabic or Hebrew and Latin
// text) are text, and stay allowed.
//
// Every bound on such a text's length counts characters (runes), as the
// people who type it count them and as the refusals say: an accented
// letter is one, where a bound in bytes would take half as many.
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

// Hidden reports whether r is an invisible character that may stand in no
// text the hub keeps: a bidirectional embedding, override or isolate, or a
// noncharacter.
func Hidden(r rune) bool {
	switch {
	case r >= '\u202a' && r <= '\u202e', r >= '\u2066' && r <= '\u2069':
		return true
	case r >= '\ufdd0' && r <= '\ufdef', r&0xfffe == 0xfffe:
		return true
	}
	return false
}

// Invisible reports whether r may not stand in a name although it breaks
// no line: Hidden, or a zero-width space, word joiner or byte order mark.
func Invisible(r rune) bool {
	return Hidden(r) || r == '\u200b' || r == '\u2060' || r == '\ufeff'
}

// Line reports whether s is one line of text: valid UTF-8 and no rune
// that Breaks or is Invisible.
func Line(s string) bool {
	return utf8.ValidString(s) && !strings.ContainsFunc(s, func(r rune) bool {
		return Breaks(r) || Invisible(r)
	})
}

// Lines reports whether s is text of one or more lines: valid UTF-8 whose
// only control characters are line feeds, carriage returns (as a form's
// text area sends them) and tabs, without a Hidden rune.
func Lines(s string) bool {
	return utf8.ValidString(s) && !strings.ContainsFunc(s, func(r rune) bool {
		return (Breaks(r) && r != '\n' && r != '\r' && r != '\t') || Hidden(r)
	})
}
