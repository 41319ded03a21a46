package mail

import (
	"fmt"
	"strings"
	"time"

	"cityhub/qrimage"
)

// PathTickets is the citizen's theatre page, where the tickets are.
const PathTickets = "/theatre"

// TicketLine is one ticket of a purchase e-mail.
type TicketLine struct {
	Section string
	Row     string
	Number  int
	// Code is the ticket's typed code: the door accepts it typed or
	// scanned from the QR image attached to the e-mail.
	Code       string
	PriceCents int64
}

// TicketsPurchase is what a ticket purchase e-mail says.
type TicketsPurchase struct {
	OrderID    string
	Title      string
	Venue      string
	Address    string
	StartsAt   time.Time
	EndsAt     time.Time
	DoorsOpen  time.Time
	TotalCents int64
	// ByCard is true when the order was paid by card, false from credit.
	ByCard  bool
	Tickets []TicketLine
}

// ticketImageName names the QR image of ticket t (the i-th) by its seat
// after word, the catalogue's "tickets_purchased.file" in the recipient's
// language ("biglietto-platea-b-12.png"), so that a buyer
// of several can tell which to show at which seat; letters and digits of
// the Latin alphabet only, as any mail program shows a file name.
func ticketImageName(word string, t TicketLine, i int) string {
	words := strings.FieldsFunc(strings.ToLower(fmt.Sprintf("%s %s %d", t.Section, t.Row, t.Number)), func(r rune) bool {
		return (r < 'a' || r > 'z') && (r < '0' || r > '9')
	})
	seat := strings.Join(words, "-")
	if t.Number == 0 || seat == "" {
		seat = fmt.Sprint(i + 1)
	}
	return word + "-" + seat + ".png"
}

// TicketsPurchased is the receipt of a theatre order: each ticket's typed
// code in the body and as a QR image attached, and the performance as a
// calendar event (.ics), linking to the tickets page.
func (c *Composer) TicketsPurchased(r Recipient, p TicketsPurchase) (Message, error) {
	m, err := c.Compose(KindTicketsPurchased, r, PathTickets, p, p.Title)
	if err != nil {
		return m, err
	}
	for i, t := range p.Tickets {
		// Ten pixels a module for a ticket's code: sharp on any screen
		// it is shown on at the door.
		png, err := qrimage.PNG(t.Code, 320)
		if err != nil {
			return Message{}, fmt.Errorf("mail: ticket qr: %w", err)
		}
		m.Attachments = append(m.Attachments, Attachment{Name: ticketImageName(c.catalogs[m.Locale]["tickets_purchased.file"], t, i), ContentType: "image/png", Data: png})
	}
	ends := p.EndsAt
	if ends.IsZero() {
		ends = p.StartsAt.Add(2 * time.Hour)
	}
	desc := make([]string, 0, len(p.Tickets))
	for _, t := range p.Tickets {
		desc = append(desc, fmt.Sprintf("%s %s %d: %s", t.Section, t.Row, t.Number, t.Code))
	}
	ics := Event{UID: p.OrderID + "@" + c.domain, Stamp: c.now(), Start: p.StartsAt, End: ends,
		Summary: p.Title, Location: strings.TrimSpace(p.Venue + ", " + p.Address), Description: strings.Join(desc, "\n"),
		URL: c.Link(PathTickets)}.ICS()
	m.Attachments = append(m.Attachments, Attachment{Name: "event.ics", ContentType: "text/calendar; charset=utf-8; method=PUBLISH", Data: ics})
	return m, nil
}

// Refund is what an order refund e-mail says.
type Refund struct {
	OrderID     string
	Title       string
	AmountCents int64
	// ToCard is true when the money goes back to the card that paid,
	// false when it is back in the wallet's credit.
	ToCard bool
	// PerformanceCancelled is true when the city cancelled the show.
	PerformanceCancelled bool
	// Partial is true when only part of the order was refunded (at
	// Stripe, by the city's office) and its tickets stay valid.
	Partial bool
}

// OrderRefunded tells r that a theatre order was refunded, where the money
// went, and links to the wallet.
func (c *Composer) OrderRefunded(r Recipient, f Refund) (Message, error) {
	v := &view{lang: r.Locale}
	return c.Compose(KindOrderRefunded, r, "/wallet", f, v.Money(f.AmountCents), f.Title)
}

// Voided is what the e-mail says of a disputed order whose performance was
// cancelled.
type Voided struct {
	OrderID string
	Title   string
	// Lost: the bank already decided the dispute for the buyer, who has
	// the money back; otherwise the dispute is still open.
	Lost bool
}

// OrderVoidedDisputed tells r that the performance of an order whose card
// payment r disputed was cancelled: its tickets are void, and the money is
// settled by the dispute with r's bank, not by a refund now (an open
// dispute the theatre wins is refunded to the card then; a lost one already
// gave r the money back). It links to the wallet.
func (c *Composer) OrderVoidedDisputed(r Recipient, f Voided) (Message, error) {
	return c.Compose(KindOrderVoidedDisputed, r, "/wallet", f, f.Title)
}

// VoucherExpiring tells r that a voucher with value left expires soon,
// linking to the voucher page.
func (c *Composer) VoucherExpiring(r Recipient, v Voucher) (Message, error) {
	return c.Compose(KindVoucherExpiring, r, "/vouchers", v, v.Campaign)
}
