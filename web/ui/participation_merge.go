package ui

import (
	"strings"

	"cityhub/participation"
)

// reportLabel names a report as a person recognises it: its category, its
// address or the start of its description (a redacted one's contrada),
// and its id.
func (p *participationPages) reportLabel(row reportRow) string {
	what := row.Address
	if what == "" && row.Description != participation.RedactedText && row.Description != participation.RedactedTextIT {
		if ex := excerpt(row.Description, 60); ex != "" {
			what = "«" + ex + "»"
		}
	}
	if what == "" {
		what = row.ContradaName
	}
	label := row.CategoryName
	if what != "" {
		label += ", " + what
	}
	return label + " (" + row.ID + ")"
}

// excerpt is the start of text on one line, at most n characters, cut at
// a word and marked "…" when it is shorter than text.
func excerpt(text string, n int) string {
	rs := []rune(strings.Join(strings.Fields(text), " "))
	if len(rs) <= n {
		return string(rs)
	}
	cut := rs[:n]
	// At the last word's end, unless that drops more than half.
	for i := n - 1; i > n/2; i-- {
		if cut[i] == ' ' {
			cut = cut[:i]
			break
		}
	}
	return strings.TrimRight(string(cut), " ,.;:") + "…"
}
