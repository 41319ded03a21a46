package ui

import (
	"cityhub/participation"
)

// changeWords says what one recorded change of a report did, in l's
// language, for the history on the reporter's and the staff's pages: a
// status moved (with the status it took), a redaction that hid or showed
// the personal data, a photo (numbered as the page lists photos) approved
// or hidden. A redaction or photo change recorded before changes said what
// they did has no To, and reads as it always did.
func changeWords(l *locale, ch participation.Change, photos []participation.Photo) string {
	switch {
	case ch.Kind == participation.ChangeRedacted && ch.To != "":
		return l.T("part.change.redacted." + ch.To)
	case ch.Kind == participation.ChangePhoto && ch.To != "":
		for i, p := range photos {
			if p.ID == ch.PhotoID {
				return l.T("part.change.photo_n."+ch.To, i+1)
			}
		}
		return l.T("part.change.photo." + ch.To)
	case ch.StatusChange() && ch.To != "":
		return l.T("part.change."+ch.Kind) + " → " + l.T("part.status."+ch.To)
	}
	return l.T("part.change." + ch.Kind)
}
