package mail

import (
	"bytes"
	"strings"
	"time"
	"unicode/utf8"
)

// Event is one calendar event, written as an iCalendar object (RFC 5545)
// that calendar apps import from an e-mail attachment.
type Event struct {
	UID         string
	Stamp       time.Time
	Start, End  time.Time
	Summary     string
	Location    string
	Description string
	URL         string
}

// ICS renders e as a VCALENDAR with one VEVENT: times in UTC, text values
// escaped, lines folded at 75 octets and ended by CRLF, as RFC 5545 asks.
func (e Event) ICS() []byte {
	var b bytes.Buffer
	utc := func(t time.Time) string { return t.UTC().Format("20060102T150405Z") }
	line := func(name, value string) { fold(&b, name+":"+value) }
	line("BEGIN", "VCALENDAR")
	line("VERSION", "2.0")
	line("PRODID", "-//cityhub//tickets//EN")
	line("CALSCALE", "GREGORIAN")
	line("METHOD", "PUBLISH")
	line("BEGIN", "VEVENT")
	line("UID", icsText(e.UID))
	line("DTSTAMP", utc(e.Stamp))
	line("DTSTART", utc(e.Start))
	line("DTEND", utc(e.End))
	line("SUMMARY", icsText(e.Summary))
	if e.Location != "" {
		line("LOCATION", icsText(e.Location))
	}
	if e.Description != "" {
		line("DESCRIPTION", icsText(e.Description))
	}
	if e.URL != "" {
		line("URL", e.URL)
	}
	line("END", "VEVENT")
	line("END", "VCALENDAR")
	return b.Bytes()
}

// icsText escapes a TEXT value: backslash, semicolon, comma and newlines.
func icsText(s string) string {
	s = strings.ReplaceAll(s, "\r\n", "\n")
	r := strings.NewReplacer(`\`, `\\`, ";", `\;`, ",", `\,`, "\n", `\n`, "\r", `\n`)
	return r.Replace(s)
}

// fold writes one content line, split into lines of at most 75 octets
// (continuations start with a space), never inside a UTF-8 character.
func fold(b *bytes.Buffer, s string) {
	limit := 75
	for len(s) > limit {
		cut := limit
		for cut > 0 && !utf8.RuneStart(s[cut]) {
			cut--
		}
		b.WriteString(s[:cut])
		b.WriteString("\r\n ")
		s = s[cut:]
		limit = 74 // the leading space counts
	}
	b.WriteString(s)
	b.WriteString("\r\n")
}
