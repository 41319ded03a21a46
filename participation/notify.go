package participation

import (
	"context"
	"fmt"
	"log/slog"
	"time"

	"cityhub/apperr"
	"cityhub/mail"
)

// notifyReporter enqueues, in tx, the e-mail telling a report's reporter
// that its status changed: to their account's address, or to the address
// an app gave for them. A reporter who changed it themselves (a reopening)
// is not told. Only a failure to write the e-mail fails the change; an
// account that is gone or a message that cannot be composed is logged.
func (s *Service) notifyReporter(ctx context.Context, tx Tx, r Report, ch Change) error {
	if s.mail == nil || ch.ActorID != "" && ch.ActorID == r.ReporterID {
		return nil
	}
	rcpt, ok, err := reporterRecipient(ctx, tx, r)
	if err != nil || !ok {
		return err
	}
	k := s.cat.CategoryOrCode(r.Category)
	m, err := s.mail.ReportStatusChanged(rcpt, mail.ReportStatus{ReportID: r.ID, Category: k.Name(rcpt.Locale), Status: ch.To,
		Note: ch.Note, At: ch.At, ReopenDays: int(s.set.ReopenPeriod / (24 * time.Hour)), MergedInto: mergedInto(r, ch)})
	return s.enqueue(ctx, tx, m, err, slog.String("report", r.ID))
}

// mergedInto is the report that ch merged r into, or "" for another change.
func mergedInto(r Report, ch Change) string {
	if ch.Kind != ChangeMerged {
		return ""
	}
	return r.MergedInto
}

// acknowledgeReport enqueues, in tx, the e-mail telling a report's
// reporter that it was received, as notifyReporter tells of its changes.
func (s *Service) acknowledgeReport(ctx context.Context, tx Tx, r Report) error {
	if s.mail == nil {
		return nil
	}
	rcpt, ok, err := reporterRecipient(ctx, tx, r)
	if err != nil || !ok {
		return err
	}
	k := s.cat.CategoryOrCode(r.Category)
	m, err := s.mail.ReportReceived(rcpt, mail.ReportReceipt{ReportID: r.ID, Category: k.Name(rcpt.Locale), At: r.CreatedAt})
	return s.enqueue(ctx, tx, m, err, slog.String("report", r.ID))
}

// reporterRecipient is who a report's e-mails go to: its reporter's
// account's address, or the address an app gave for them; false when
// there is none to write to.
func reporterRecipient(ctx context.Context, tx Tx, r Report) (mail.Recipient, bool, error) {
	rcpt := mail.Recipient{Email: r.ReporterEmail, Name: r.ReporterName, Locale: r.Locale}
	if r.ReporterID != "" {
		a, err := tx.AccountByID(ctx, r.ReporterID)
		// Gone, erased, or an address that is no one's (a SPID/CIE
		// account's placeholder): nothing to send.
		if apperr.Has(err, apperr.NotFound) || (err == nil && !a.Mailable()) {
			return rcpt, false, nil
		}
		if err != nil {
			return rcpt, false, fmt.Errorf("read reporter: %w", err)
		}
		rcpt = mail.Recipient{AccountID: a.ID, Email: a.Email, Name: a.Name, Locale: a.Locale}
	}
	return rcpt, rcpt.Email != "", nil
}

// notifyFollowers enqueues, in tx, one e-mail per follower of an answered
// proposal.
func (s *Service) notifyFollowers(ctx context.Context, tx Tx, p Proposal) error {
	if s.mail == nil {
		return nil
	}
	followers, err := tx.Followers(ctx, p.ID)
	if err != nil {
		return fmt.Errorf("list followers: %w", err)
	}
	for _, id := range followers {
		a, err := tx.AccountByID(ctx, id)
		if apperr.Has(err, apperr.NotFound) || (err == nil && !a.Mailable()) {
			continue
		}
		if err != nil {
			return fmt.Errorf("read follower: %w", err)
		}
		m, err := s.mail.ProposalAnswered(mail.Recipient{AccountID: a.ID, Email: a.Email, Name: a.Name, Locale: a.Locale},
			mail.ProposalAnswer{ProposalID: p.ID, Title: p.Title, Answer: p.Answer, Own: a.ID == p.AuthorID})
		if err := s.enqueue(ctx, tx, m, err, slog.String("proposal", p.ID), slog.String("account", a.ID)); err != nil {
			return err
		}
	}
	return nil
}

func (s *Service) enqueue(ctx context.Context, tx Tx, m mail.Message, composeErr error, attrs ...any) error {
	log := s.log.With(attrs...)
	if composeErr != nil {
		log.ErrorContext(ctx, "e-mail not composed", slog.String("kind", m.Kind), slog.Any("error", composeErr))
		return nil
	}
	if _, err := mail.Enqueue(ctx, tx, m, s.now()); err != nil {
		if apperr.Has(err, apperr.Invalid) {
			log.WarnContext(ctx, "e-mail not enqueued", slog.String("kind", m.Kind), slog.Any("error", err))
			return nil
		}
		return err
	}
	return nil
}
