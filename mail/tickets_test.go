package mail_test

import (
	"bytes"
	"image/png"
	"strings"
	"testing"
	"time"

	"cityhub/mail"
)

// A ticket purchase carries one QR image per ticket and the performance as
// a calendar event whose fields are escaped and folded as RFC 5545 asks.
func TestTicketsPurchasedAttachments(t *testing.T) {
	c := composer(t)
	at := time.Date(2026, 12, 20, 19, 30, 0, 0, time.UTC)
	m, err := c.TicketsPurchased(mail.Recipient{Email: "anna@example.org", Locale: "it"}, mail.TicketsPurchase{
		OrderID: "ord_1", Title: "Natale; a teatro, con tutti", Venue: "Teatro Comunale", Address: "Corso Garibaldi 1, Benevento",
		StartsAt: at, EndsAt: at.Add(150 * time.Minute), TotalCents: 2500,
		Tickets: []mail.TicketLine{{Section: "Platea", Row: "B", Number: 7, Code: "ABCD-EFGH-JKLM", PriceCents: 2500}},
	})
	if err != nil {
		t.Fatal(err)
	}
	if err := m.Validate(); err != nil {
		t.Fatal(err)
	}
	if len(m.Attachments) != 2 {
		t.Fatalf("attachments: %+v", m.Attachments)
	}
	qr := m.Attachments[0]
	img, err := png.Decode(bytes.NewReader(qr.Data))
	if err != nil || qr.ContentType != "image/png" || img.Bounds().Dx() < 256 {
		t.Fatalf("qr attachment %s %s: %v", qr.Name, qr.ContentType, err)
	}
	ics := m.Attachments[1]
	if ics.Name != "event.ics" || !strings.HasPrefix(ics.ContentType, "text/calendar") {
		t.Fatalf("ics attachment: %s %s", ics.Name, ics.ContentType)
	}
	body := string(ics.Data)
	for _, want := range []string{"BEGIN:VCALENDAR\r\n", "BEGIN:VEVENT\r\n", "UID:ord_1@servizi.comune.benevento.it\r\n",
		"DTSTART:20261220T193000Z\r\n", "DTEND:20261220T220000Z\r\n", `SUMMARY:Natale\; a teatro\, con tutti`, "END:VCALENDAR\r\n"} {
		if !strings.Contains(body, want) {
			t.Errorf("%q missing from\n%s", want, body)
		}
	}
	unfolded := strings.ReplaceAll(body, "\r\n ", "")
	if !strings.Contains(unfolded, `LOCATION:Teatro Comunale\, Corso Garibaldi 1\, Benevento`) || !strings.Contains(unfolded, `DESCRIPTION:Platea B 7: ABCD-EFGH-JKLM`) {
		t.Errorf("location or description wrong:\n%s", unfolded)
	}
	for _, l := range strings.Split(strings.TrimSuffix(body, "\r\n"), "\r\n") {
		if len(l) > 75 {
			t.Errorf("line longer than 75 octets: %q", l)
		}
	}
}

// Folding never splits a UTF-8 character, and unfolding gives the value back.
func TestICSFoldsOnCharacterBoundaries(t *testing.T) {
	long := strings.Repeat("città è più ", 20)
	b := mail.Event{UID: "u", Start: time.Unix(0, 0), End: time.Unix(3600, 0), Summary: long}.ICS()
	for _, l := range strings.Split(string(b), "\r\n") {
		if len(l) > 75 || !utf8Valid(l) {
			t.Fatalf("bad line %q", l)
		}
	}
	if !strings.Contains(strings.ReplaceAll(string(b), "\r\n ", ""), "SUMMARY:"+long+"\r\n") {
		t.Fatalf("summary not recovered:\n%s", b)
	}
}

func utf8Valid(s string) bool { return strings.ToValidUTF8(s, "\uFFFD") == s }

// A purchase of several tickets named their images ticket-1.png,
// ticket-2.png: which to show at which seat was not said. Each is named by
// its seat, in the recipient's language, in letters and digits a mail
// program shows as they are.
func TestTicketImagesNamedBySeat(t *testing.T) {
	c := composer(t)
	at := time.Date(2026, 12, 20, 19, 30, 0, 0, time.UTC)
	lines := []mail.TicketLine{{Section: "Platea", Row: "B", Number: 7, Code: "ABCD-EFGH-JKLM", PriceCents: 2500},
		{Section: "Galleria Nord", Row: "C/2", Number: 12, Code: "ABCD-EFGH-JKLN", PriceCents: 2500},
		{Section: "Loggione è", Row: "", Number: 3, Code: "ABCD-EFGH-JKLP", PriceCents: 2500}}
	for lang, want := range map[string][]string{
		"it": {"biglietto-platea-b-7.png", "biglietto-galleria-nord-c-2-12.png", "biglietto-loggione-3.png"},
		"en": {"ticket-platea-b-7.png", "ticket-galleria-nord-c-2-12.png", "ticket-loggione-3.png"},
	} {
		m, err := c.TicketsPurchased(mail.Recipient{Email: "anna@example.org", Locale: lang}, mail.TicketsPurchase{
			OrderID: "ord_1", Title: "Natale a teatro", Venue: "Teatro Comunale", StartsAt: at, TotalCents: 7500, Tickets: lines})
		if err != nil {
			t.Fatal(err)
		}
		for i, w := range want {
			if got := m.Attachments[i].Name; got != w {
				t.Errorf("%s: ticket %d's image named %q, want %q", lang, i+1, got, w)
			}
		}
	}
}
