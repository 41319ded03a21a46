// Package mail composes the e-mails the hub sends to people and hands them
// to the transactional outbox: a message is written in the same database
// transaction as the event that causes it (a top-up credited, a voucher
// claimed), so it exists if and only if that event committed. Delivery is
// the outbox package's; this package knows neither SQL nor SMTP nor HTTP,
// and must never send anything itself.
package mail

import (
	"context"
	"fmt"
	"net/mail"
	"strings"
	"time"
	"unicode/utf8"

	"cityhub/apperr"
	"cityhub/ids"
)

// States of a message in the outbox.
const (
	// StatePending waits for its next attempt (due at NextAttemptAt).
	StatePending = "pending"
	// StateSending is claimed by a sender until its lease (NextAttemptAt)
	// runs out; a sender that dies leaves it to be claimed again then.
	StateSending = "sending"
	// StateSent was accepted by the SMTP server.
	StateSent = "sent"
	// StateFailed gave up: permanently refused, or out of attempts. An
	// administrator may retry it.
	StateFailed = "failed"
)

// States lists every state, for filters.
var States = []string{StatePending, StateSending, StateSent, StateFailed}

// Limits on what a message may hold, so one row cannot fill the database.
// The most any e-mail carries is a full theatre order's receipt: a QR
// image for each of its 10 seats and the calendar event.
const (
	MaxAttachments     = 12
	MaxAttachmentBytes = 2 << 20
)

// Attachment is a file sent with a message (a ticket's QR image, an .ics).
type Attachment struct {
	Name        string `json:"name"`
	ContentType string `json:"content_type"`
	Data        []byte `json:"-"`
}

// Message is one e-mail in the outbox, rendered when it was enqueued: what
// an administrator reads is exactly what leaves.
type Message struct {
	ID        string `json:"id"`
	Kind      string `json:"kind"`
	AccountID string `json:"account_id,omitempty"`
	Locale    string `json:"locale"`
	To        string `json:"to"`
	ToName    string `json:"to_name,omitempty"`
	Subject   string `json:"subject"`
	Text      string `json:"text"`
	HTML      string `json:"html"`
	// MessageID is the RFC 5322 Message-ID header, fixed at enqueue time, so
	// a message delivered twice (a sender that died after the SMTP server
	// accepted it) is recognisably one message to the recipient's mail system.
	MessageID   string       `json:"message_id"`
	Attachments []Attachment `json:"attachments,omitempty"`

	State    string `json:"state"`
	Attempts int    `json:"attempts"`
	// NextAttemptAt is when a pending message is due, or when a sending
	// message's lease runs out.
	NextAttemptAt time.Time `json:"next_attempt_at"`
	LastError     string    `json:"last_error,omitempty"`
	CreatedAt     time.Time `json:"created_at"`
	SentAt        time.Time `json:"sent_at,omitzero"`
	// Claim names the sender's claim while sending; only that claim may
	// finish the attempt.
	Claim string `json:"-"`
}

// Validate checks what a message must carry before it is enqueued.
// Invalid with a reason naming the first bad field.
func (m Message) Validate() error {
	if m.Kind == "" || m.Subject == "" || m.Text == "" || m.HTML == "" {
		return apperr.R(apperr.Invalid, "mail_incomplete", "An e-mail needs a kind, a subject and both bodies.")
	}
	if a, err := mail.ParseAddress(m.To); err != nil || a.Address != m.To {
		return apperr.R(apperr.Invalid, "mail_to", "The recipient's e-mail address is not valid.")
	}
	if strings.ContainsAny(m.Subject+m.ToName, "\r\n") || !utf8.ValidString(m.Subject) {
		return apperr.R(apperr.Invalid, "mail_header", "The subject and name must be one line.")
	}
	if len(m.Attachments) > MaxAttachments {
		return apperr.R(apperr.Invalid, "mail_attachments", "At most %d attachments.", MaxAttachments)
	}
	for _, a := range m.Attachments {
		if a.Name == "" || strings.ContainsAny(a.Name, "/\\\r\n\"") || a.ContentType == "" || len(a.Data) == 0 || len(a.Data) > MaxAttachmentBytes {
			return apperr.R(apperr.Invalid, "mail_attachment", "An attachment needs a plain file name, a type and 1 byte to %d bytes.", MaxAttachmentBytes)
		}
	}
	return nil
}

// Enqueuer is what a domain's store transaction offers to put a message in
// the outbox. Domains embed it in their Tx, so the message commits or rolls
// back with their own change.
type Enqueuer interface {
	// InsertMail writes a pending message and its attachments.
	InsertMail(ctx context.Context, m Message) error
}

// Enqueue validates m and writes it through tx as pending, due now; a
// message not composed by a Composer gets its id and Message-ID here. It is
// sent only if tx commits. Invalid for a message Validate refuses.
func Enqueue(ctx context.Context, tx Enqueuer, m Message, now time.Time) (Message, error) {
	if err := m.Validate(); err != nil {
		return m, err
	}
	now = now.UTC().Truncate(time.Microsecond)
	if m.ID == "" {
		m.ID = ids.New("mail")
	}
	if m.MessageID == "" {
		m.MessageID = "<" + m.ID + "@cityhub.invalid>"
	}
	m.State, m.Attempts, m.NextAttemptAt, m.CreatedAt, m.SentAt, m.LastError, m.Claim = StatePending, 0, now, now, time.Time{}, "", ""
	if err := tx.InsertMail(ctx, m); err != nil {
		return m, fmt.Errorf("enqueue %s mail: %w", m.Kind, err)
	}
	return m, nil
}
