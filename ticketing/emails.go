package ticketing

import (
	"context"
	"fmt"
	"log/slog"
	"time"

	"cityhub/apperr"
	"cityhub/identity"
	"cityhub/mail"
)

// SendEmails makes the service enqueue a receipt with the tickets for every
// paid order and a notice for every refund, in the transaction that pays or
// refunds. Without it (tests, tools) nothing is written to the outbox.
func (s *Service) SendEmails(c *mail.Composer) { s.mail = c }

// recipient reads the order's buyer as an e-mail recipient; ok is false
// when there is nobody to write to: the account is gone, or it has no
// real address (a SPID/CIE account without one).
func recipient(ctx context.Context, tx Tx, accountID string) (mail.Recipient, bool, error) {
	a, err := tx.AccountByID(ctx, accountID)
	if apperr.Has(err, apperr.NotFound) {
		return mail.Recipient{}, false, nil
	}
	if err != nil {
		return mail.Recipient{}, false, fmt.Errorf("read the buyer's account: %w", err)
	}
	r, ok := buyerRecipient(a, true)
	return r, ok, nil
}

// buyerRecipient is recipient for an account read already (found false:
// there is none): an erased account or a placeholder address gets nothing.
func buyerRecipient(a identity.Account, found bool) (mail.Recipient, bool) {
	if !found || !a.Mailable() {
		return mail.Recipient{}, false
	}
	return mail.Recipient{AccountID: a.ID, Email: a.Email, Name: a.Name, Locale: a.Locale}, true
}

// EmailsReceipts reports whether a paid order of accountID enqueues its
// receipt with the tickets: e-mails are on and the account has a real
// address (the facts purchaseEmail decides on), so a page may promise the
// e-mail only when it comes.
func (s *Service) EmailsReceipts(ctx context.Context, accountID string) (bool, error) {
	if s.mail == nil {
		return false, nil
	}
	var ok bool
	err := s.store.View(ctx, func(tx Tx) error {
		var err error
		_, ok, err = recipient(ctx, tx, accountID)
		return err
	})
	return ok, err
}

// enqueue writes m, as composed (composeErr), to the outbox in tx. A
// message that could not be composed or is refused as invalid is logged
// and the sale or refund still happens: the tickets and the money matter
// more than the e-mail. A failed write fails the transaction, which may be
// unusable after it.
func (s *Service) enqueue(ctx context.Context, tx Tx, m mail.Message, composeErr error, now time.Time) error {
	err := composeErr
	if err == nil {
		_, err = mail.Enqueue(ctx, tx, m, now)
		if err == nil || !apperr.Has(err, apperr.Invalid) {
			return err
		}
	}
	s.log.ErrorContext(ctx, "ticket e-mail not enqueued", slog.String("kind", m.Kind), slog.Any("error", err))
	return nil
}

// purchaseEmail enqueues the receipt of paid order o with its tickets.
// venues holds the venues already read in tx; the one it reads is added.
// buyer, when given, is the order's buyer as read in tx already
// (buyerRecipient) and mailable whether to write to them; else the buyer's
// account is read.
func (s *Service) purchaseEmail(ctx context.Context, tx Tx, o Order, p Performance, tickets []Ticket, venues map[string]Venue,
	buyer *mail.Recipient, mailable bool, now time.Time) error {
	if s.mail == nil {
		return nil
	}
	var r mail.Recipient
	if buyer != nil {
		r = *buyer
	} else {
		var err error
		if r, mailable, err = recipient(ctx, tx, o.AccountID); err != nil {
			return err
		}
	}
	if !mailable {
		return nil
	}
	var err error
	v, ok := venues[p.VenueID]
	if !ok {
		if v, err = tx.Venue(ctx, p.VenueID); err != nil {
			return fmt.Errorf("read venue for the receipt: %w", err)
		}
		venues[v.ID] = v
	}
	data := mail.TicketsPurchase{OrderID: o.ID, Title: p.Title, Venue: v.Name, Address: v.Address, StartsAt: p.StartsAt,
		EndsAt: p.EndsAt, DoorsOpen: p.DoorsOpen, TotalCents: o.TotalCents, ByCard: o.Method == PayCard}
	// In the order people read seats (9 before 10), as the order page.
	for _, t := range SortBySeat(tickets, func(t Ticket) string { return t.SeatID }) {
		line := mail.TicketLine{Code: t.Code, PriceCents: t.PriceCents}
		line.Section, line.Row, line.Number = seatParts(t.SeatID)
		// In the buyer's language, as the pages name it (SectionName).
		line.Section = SectionName(line.Section, r.Locale)
		data.Tickets = append(data.Tickets, line)
	}
	m, err := s.mail.TicketsPurchased(r, data)
	return s.enqueue(ctx, tx, m, err, now)
}

// refundEmail tells the buyer of o that amount was refunded.
func (s *Service) refundEmail(ctx context.Context, tx Tx, o Order, amount int64, showCancelled bool, now time.Time) error {
	return s.refundEmailOf(ctx, tx, o, mail.Refund{AmountCents: amount, PerformanceCancelled: showCancelled}, now)
}

// refundEmailOf is refundEmail with what f says besides the order, its
// performance and the way the money goes back (read here).
func (s *Service) refundEmailOf(ctx context.Context, tx Tx, o Order, f mail.Refund, now time.Time) error {
	if f.AmountCents <= 0 {
		return nil
	}
	return s.orderEmail(ctx, tx, o, now, func(r mail.Recipient, p Performance) (mail.Message, error) {
		f.OrderID, f.Title, f.ToCard = o.ID, p.Title, o.Method == PayCard
		f.PerformanceCancelled = f.PerformanceCancelled || p.Status == PerformanceCancelled
		return s.mail.OrderRefunded(r, f)
	})
}

// voidedEmail tells the buyer of a disputed order whose performance was
// cancelled that its tickets are void and that the dispute, not a refund,
// settles the money (voidDisputed).
func (s *Service) voidedEmail(ctx context.Context, tx Tx, o Order, now time.Time) error {
	return s.orderEmail(ctx, tx, o, now, func(r mail.Recipient, p Performance) (mail.Message, error) {
		return s.mail.OrderVoidedDisputed(r, mail.Voided{OrderID: o.ID, Title: p.Title, Lost: o.Dispute == DisputeLost})
	})
}

// orderEmail enqueues in tx the e-mail compose makes for the buyer of o
// and its performance: none when the hub sends no e-mails or the buyer
// has no address.
func (s *Service) orderEmail(ctx context.Context, tx Tx, o Order, now time.Time, compose func(mail.Recipient, Performance) (mail.Message, error)) error {
	if s.mail == nil {
		return nil
	}
	r, ok, err := recipient(ctx, tx, o.AccountID)
	if err != nil || !ok {
		return err
	}
	p, err := tx.Performance(ctx, o.PerformanceID)
	if err != nil {
		return fmt.Errorf("read performance for the e-mail of order %s: %w", o.ID, err)
	}
	m, err := compose(r, p)
	return s.enqueue(ctx, tx, m, err, now)
}
