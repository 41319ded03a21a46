package ticketing

import (
	"context"
	"fmt"
	"strconv"
	"strings"
	"time"

	"cityhub/apperr"
	"cityhub/identity"
	"cityhub/qrtoken"
	"cityhub/wallet"
)

// TicketView is a ticket with what its holder and the door need to see.
type TicketView struct {
	Ticket
	Title    string    `json:"title"`
	StartsAt time.Time `json:"starts_at"`
	// EndsAt is when the performance ends: the door admits the ticket
	// until then (DoorsOpenAt).
	EndsAt    time.Time `json:"ends_at"`
	VenueName string    `json:"venue_name"`
	// Section is the seat's section as its id names it; SectionNameIT and
	// SectionNameEN are how people read it in each language (SectionName).
	Section       string `json:"section"`
	SectionNameIT string `json:"section_name_it"`
	SectionNameEN string `json:"section_name_en"`
	Row           string `json:"row"`
	Number        int    `json:"number"`
	// TypedCode is shown to the holder only, while the ticket is valid.
	TypedCode string `json:"code,omitempty"`
}

// SectionIn is the ticket's section as people read it in lang ("en",
// else Italian).
func (tv TicketView) SectionIn(lang string) string {
	if lang == "en" {
		return tv.SectionNameEN
	}
	return tv.SectionNameIT
}

func (s *Service) view(ctx context.Context, tx Tx, t Ticket, owner bool, perfs map[string]Performance, venues map[string]Venue) (TicketView, error) {
	p, ok := perfs[t.PerformanceID]
	if !ok {
		var err error
		if p, err = tx.Performance(ctx, t.PerformanceID); err != nil {
			return TicketView{}, fmt.Errorf("read performance: %w", err)
		}
		perfs[p.ID] = p
	}
	v, ok := venues[t.VenueID]
	if !ok {
		var err error
		if v, err = tx.Venue(ctx, t.VenueID); err != nil {
			return TicketView{}, fmt.Errorf("read venue: %w", err)
		}
		venues[v.ID] = v
	}
	tv := TicketView{Ticket: t, Title: p.Title, StartsAt: p.StartsAt, EndsAt: p.EndsAt, VenueName: v.Name}
	tv.Section, tv.Row, tv.Number = seatParts(t.SeatID)
	tv.SectionNameIT, tv.SectionNameEN = SectionName(tv.Section, "it"), SectionName(tv.Section, "en")
	if p.Status == PerformanceCancelled && tv.Status == TicketValid {
		tv.Status = TicketCancelled
	}
	if owner && tv.Status == TicketValid {
		tv.TypedCode = t.Code
	}
	return tv, nil
}

// seatParts splits a seat id (SeatID) into its section, row and number;
// all empty for an id that is not one.
func seatParts(id string) (section, row string, number int) {
	section, row, number, _ = parseSeatID(id)
	return section, row, number
}

// parseSeatID reads a seat id (SeatID); ok is false for an id of another
// shape. It allocates nothing, for the sorts that compare ids.
func parseSeatID(id string) (section, row string, number int, ok bool) {
	section, rest, ok1 := strings.Cut(id, "/")
	row, num, ok2 := strings.Cut(rest, "/")
	n, err := strconv.Atoi(num)
	if !ok1 || !ok2 || err != nil {
		return "", "", 0, false
	}
	return section, row, n, true
}

// views shows tickets to their holder.
func (s *Service) views(ctx context.Context, tx Tx, tickets []Ticket, perfs map[string]Performance, venues map[string]Venue) ([]TicketView, error) {
	out := make([]TicketView, 0, len(tickets))
	for _, t := range tickets {
		tv, err := s.view(ctx, tx, t, true, perfs, venues)
		if err != nil {
			return nil, err
		}
		out = append(out, tv)
	}
	return out, nil
}

// MyTickets lists the caller's tickets, newest first.
func (s *Service) MyTickets(ctx context.Context, c identity.Caller) ([]TicketView, error) {
	if c.AccountID == "" {
		return nil, apperr.E(apperr.Unauthenticated, "Sign in first.")
	}
	return s.ticketsOf(ctx, c.AccountID)
}

func (s *Service) ticketsOf(ctx context.Context, accountID string) ([]TicketView, error) {
	out := []TicketView{}
	err := s.store.View(ctx, func(tx Tx) error {
		ts, err := tx.ListTickets(ctx, accountID)
		if err != nil {
			return err
		}
		perfs, venues := map[string]Performance{}, map[string]Venue{}
		for _, t := range ts {
			tv, err := s.view(ctx, tx, t, true, perfs, venues)
			if err != nil {
				return err
			}
			out = append(out, tv)
		}
		return nil
	})
	return out, err
}

// MyTicket returns one of the caller's tickets. NotFound if it is not the
// caller's, whether or not it exists.
func (s *Service) MyTicket(ctx context.Context, c identity.Caller, id string) (TicketView, error) {
	var out TicketView
	err := s.store.View(ctx, func(tx Tx) error {
		t, err := tx.Ticket(ctx, id)
		if err != nil || c.AccountID == "" || t.AccountID != c.AccountID {
			if err != nil && !apperr.Has(err, apperr.NotFound) {
				return err
			}
			return apperr.R(apperr.NotFound, "ticket_not_found", "No such ticket.")
		}
		out, err = s.view(ctx, tx, t, true, map[string]Performance{}, map[string]Venue{})
		return err
	})
	return out, err
}

// Token is a freshly signed, rotating QR token for a ticket.
type Token = qrtoken.Rotating

// FreshToken signs a new short-lived QR token for one of the caller's valid
// tickets. NotFound if it is not the caller's; Conflict (ticket_not_valid)
// once checked in or cancelled.
func (s *Service) FreshToken(ctx context.Context, c identity.Caller, ticketID string) (Token, error) {
	tok, _, err := s.freshToken(ctx, c.AccountID, ticketID)
	return tok, err
}

// QRToken gives the wallet pages a ticket's rotating QR token and its typed
// code (web.QRSource). NotFound unless accountID holds the ticket; Conflict
// once it is checked in or cancelled.
func (s *Service) QRToken(ctx context.Context, accountID, ticketID string) (token, typedCode string, expires time.Time, err error) {
	tok, code, err := s.freshToken(ctx, accountID, ticketID)
	return tok.Token, code, tok.ExpiresAt, err
}

func (s *Service) freshToken(ctx context.Context, accountID, ticketID string) (Token, string, error) {
	tv, err := s.MyTicket(ctx, identity.Caller{AccountID: accountID}, ticketID)
	if err != nil {
		return Token{}, "", err
	}
	if tv.Status != TicketValid {
		return Token{}, "", apperr.R(apperr.Conflict, "ticket_not_valid", "This ticket is %s.", strings.ReplaceAll(tv.Status, "_", " "))
	}
	tok, err := qrtoken.IssueRotating(s.keys, qrtoken.KindTicket, tv.ID, s.now())
	if err != nil {
		return Token{}, "", err
	}
	return tok, tv.TypedCode, nil
}

// WalletItems implements wallet.ItemSource: the account's tickets as cards.
func (s *Service) WalletItems(ctx context.Context, accountID string) ([]wallet.Item, error) {
	ts, err := s.ticketsOf(ctx, accountID)
	if err != nil {
		return nil, err
	}
	items := make([]wallet.Item, 0, len(ts))
	for _, t := range ts {
		// It is good at the door until the performance ends, not only
		// until it starts.
		ends, starts := t.EndsAt, t.StartsAt
		// The API's seat names the section as the seat's id does, the
		// same in every language; a page reads Seats in its own.
		seat := fmt.Sprintf("%s %s, %d", t.Section, t.Row, t.Number)
		seats := map[string]string{
			"it": fmt.Sprintf("%s %s, %d", t.SectionNameIT, t.Row, t.Number),
			"en": fmt.Sprintf("%s %s, %d", t.SectionNameEN, t.Row, t.Number),
		}
		items = append(items, wallet.Item{
			Kind: "ticket", ID: t.ID, Title: t.Title,
			// The API's subtitle writes the date as ISO 8601 does, which
			// reads the same in every language ("07/12" is July to an
			// English reader); the pages write it in their own language
			// from StartsAt.
			Subtitle: fmt.Sprintf("%s · %s · %s", t.VenueName, t.StartsAt.In(s.zone).Format("2006-01-02 15:04"), seat),
			StartsAt: &starts, Place: t.VenueName, Seat: seat, Seats: seats,
			Status: t.Status, Expires: &ends, At: t.IssuedAt, HasQR: t.Status == TicketValid,
			Link: "/theatre#" + t.ID,
		})
	}
	return items, nil
}

var _ wallet.ItemSource = (*Service)(nil)
