package main

import (
	"context"
	"fmt"
	"log/slog"

	"cityhub/config"
	"cityhub/mail"
	"cityhub/outbox"
	"cityhub/smtpmail"
)

// newComposer writes e-mails in the configured city's name, with links to
// the public URL and times in the city's zone.
func newComposer(cfg config.Config) (*mail.Composer, error) {
	composer, err := mail.NewComposer(cfg.PublicURL)
	if err != nil {
		return nil, fmt.Errorf("set up e-mail: %w", err)
	}
	composer.SetZone(cfg.TimeZone)
	composer.SetCity(cfg.City.Name)
	composer.SetContact(cfg.City.Email)
	return composer, nil
}

// startMail composes e-mails at the public URL, has card top-ups enqueue
// their receipts, and, with an SMTP server configured, runs this replica's
// sender until the hub closes. Every replica may run one: the outbox hands
// each message to one sender at a time.
func (h *hub) startMail(ctx context.Context) error {
	h.cardpay.SendReceipts(h.composer)
	h.outbox = outbox.NewService(h.db.Outbox())
	log := h.log.With(slog.String("component", "mail"))
	if h.cfg.SMTPURL == "" {
		log.Info("no SMTP server configured (CITYHUB_SMTP_URL): e-mails stay in the outbox, where administrators read them at /admin/outbox")
		return nil
	}
	tr, err := smtpmail.New(smtpmail.Config{URL: h.cfg.SMTPURL, From: h.cfg.MailFrom, Timeout: h.cfg.SMTPTimeout}, log)
	if err != nil {
		return fmt.Errorf("configure smtp: %w", err)
	}
	// The e-mails go to the people they were written to: administrators
	// see that they left, not the links that would open their accounts.
	h.outbox.HideLinkSecrets()
	sender := outbox.NewSender(h.db.Outbox(), tr, outbox.SenderOptions{MaxAttempts: h.cfg.MailMaxAttempts}, log)
	// On shutdown the sender finishes the message in hand (its result is
	// recorded even as the context ends) and claims no more.
	// A commit that queued mail wakes this replica's sender: the e-mail
	// leaves at once, not at the next look (every 5 s).
	h.db.OnMailQueued(sender.Wake)
	// Whether this replica's sender is paused by a server refusing every
	// e-mail (cityhub_mail_sender_paused), registered with the metrics.
	h.mailSender = sender
	h.background(ctx, sender.Run)
	log.Info("sending e-mail", slog.String("smtp", tr.String()), slog.String("from", h.cfg.MailFrom))
	return nil
}
