// Package outbox delivers the e-mails that domains enqueued (package mail)
// and lets administrators see them. Any number of hub replicas may run a
// Sender on one database: each message is claimed by one sender at a time,
// with a lease, and marked sent in a second step. It knows neither SQL nor
// HTTP; delivery goes through a Transport (SMTP in package smtpmail).
//
// Delivery is at least once, and exactly once unless a sender dies between
// the SMTP server accepting a message and the database recording it: then
// the lease runs out and another sender delivers it again, with the same
// Message-ID, so the recipient's mail system can tell it is one message.
// The other choice, marking a message sent before handing it to SMTP, would
// lose it instead whenever the SMTP server or the sender failed during the
// hand-over; for receipts and password resets a rare duplicate is the lesser
// harm. A live sender never loses its lease mid-send: it stops starting new
// messages well before the lease ends, and the transport's timeouts are
// shorter than that margin.
package outbox

import (
	"context"
	"time"

	"cityhub/apperr"
	"cityhub/identity"
	"cityhub/ids"
	"cityhub/mail"
)

// Store is the outbox's view of the database.
type Store interface {
	InTx(ctx context.Context, fn func(tx Tx) error) error
	View(ctx context.Context, fn func(tx Tx) error) error
}

// Tx is one database transaction over the outbox.
type Tx interface {
	mail.Enqueuer

	// ClaimMail claims at most limit messages that are due at now (pending
	// ones whose next attempt has come, and sending ones whose lease ran
	// out), oldest due first: each becomes sending under claim, its lease
	// (NextAttemptAt) leaseUntil, its attempts one more. Concurrent claims
	// never return the same message. Attachments included.
	//
	// A sending one whose lease ran out after maxAttempts attempts or more
	// is failed instead, with StaleError, its attempts and due time kept,
	// and comes back so (failed, no claim, no attachments), not to be sent:
	// the result of its last delivery was never recorded, and a claim would
	// send it once more past the cap (and again every lease, if its result
	// can never be recorded).
	ClaimMail(ctx context.Context, claim string, now, leaseUntil time.Time, limit, maxAttempts int) ([]mail.Message, error)
	// FinishMail writes m's state, next attempt, last error and sent time,
	// and, when m was sent, its text and HTML (its links' tokens hidden),
	// only while m is still sending under m.Claim; false when another claim
	// took it over (the lease ran out).
	FinishMail(ctx context.Context, m mail.Message) (bool, error)
	// Mail reads one message with its attachments. NotFound if missing.
	Mail(ctx context.Context, id string) (mail.Message, error)
	// ListMail lists messages newest first, in one state if state is set,
	// older than the message before (its id; "" for the newest), at most
	// limit, without attachment data.
	ListMail(ctx context.Context, state, before string, limit int) ([]mail.Message, error)
	// RetryMail makes a failed message pending again, due at now, with a
	// fresh count of attempts; false if it is not failed.
	RetryMail(ctx context.Context, id string, now time.Time) (bool, error)
	// CountMail counts messages per state.
	CountMail(ctx context.Context) (map[string]int, error)
	// OldestPendingMail is when the oldest message still to deliver
	// (pending or sending) was enqueued; zero when there is none.
	OldestPendingMail(ctx context.Context) (time.Time, error)
}

// StaleError is the last error ClaimMail writes on a message it fails:
// its last attempt's lease ran out with no result recorded.
const StaleError = "out of attempts: the last attempt's lease ran out before its result was recorded (it may have been delivered)"

// Service is what administrators do with the outbox.
type Service struct {
	store Store
	now   func() time.Time
	// hideLinks: e-mails go out by SMTP, so administrators read the
	// outbox to see what left, not to read the e-mails for the people
	// they were written to (HideLinkSecrets).
	hideLinks bool
}

// HideLinkSecrets has List and Get show the e-mails without the secrets
// of their links: the tokens of a verification, password-reset or
// change-of-address link, which would let whoever reads them take over
// the account, and the typed codes of tickets and vouchers, which open
// the door or pay at a till like the QR code. A hub that sends its
// e-mails (an SMTP server configured) calls it; without one, the outbox
// is where e-mails are read, whole.
func (s *Service) HideLinkSecrets() { s.hideLinks = true }

// shown is m as administrators see it.
func (s *Service) shown(m mail.Message) mail.Message {
	if s.hideLinks {
		return mail.WithoutSecrets(m)
	}
	return m
}

// NewService returns the administrators' view of the outbox.
func NewService(store Store) *Service { return &Service{store: store, now: time.Now} }

// Page is one page of messages, newest first.
type Page struct {
	Messages []mail.Message `json:"messages"`
	// Next is the cursor of the following page ("" on the last).
	Next   string         `json:"next,omitempty"`
	Counts map[string]int `json:"counts"`
}

// MaxPage is the most messages one page lists.
const MaxPage = 100

func admin(c identity.Caller) error {
	if !c.Has(identity.RoleAdmin) {
		return apperr.R(apperr.Forbidden, "not_admin", "Only a city administrator may see the outbox.")
	}
	return nil
}

// List lists messages newest first, in one state if state is set, after
// the cursor before. Forbidden unless c is a city administrator; Invalid
// for an unknown state, a limit outside 1..MaxPage, and (reason
// bad_cursor) a cursor that is no message id, so no page's Next.
func (s *Service) List(ctx context.Context, c identity.Caller, state, before string, limit int) (Page, error) {
	if err := admin(c); err != nil {
		return Page{}, err
	}
	if state != "" && !validState(state) {
		return Page{}, apperr.R(apperr.Invalid, "bad_state", "The state must be pending, sending, sent or failed.")
	}
	if limit <= 0 || limit > MaxPage {
		return Page{}, apperr.R(apperr.Invalid, "bad_limit", "The limit must be 1 to %d.", MaxPage)
	}
	badCursor := apperr.R(apperr.Invalid, "bad_cursor", "This cursor was not given by the outbox list, or its message is gone (an erased account's).")
	if before != "" && !ids.Is("mail", before) {
		return Page{}, badCursor
	}
	var p Page
	err := s.store.View(ctx, func(tx Tx) error {
		// The page follows its cursor's row: one that names no message
		// (made up, or erased with its account since) would read as an
		// empty last page.
		if before != "" {
			if _, err := tx.Mail(ctx, before); apperr.Has(err, apperr.NotFound) {
				return badCursor
			} else if err != nil {
				return err
			}
		}
		var err error
		if p.Messages, err = tx.ListMail(ctx, state, before, limit+1); err != nil {
			return err
		}
		p.Counts, err = tx.CountMail(ctx)
		return err
	})
	if err != nil {
		return Page{}, err
	}
	if len(p.Messages) > limit {
		p.Messages = p.Messages[:limit]
		p.Next = p.Messages[limit-1].ID
	}
	if p.Messages == nil {
		p.Messages = []mail.Message{}
	}
	for i := range p.Messages {
		p.Messages[i] = s.shown(p.Messages[i])
	}
	for _, st := range mail.States {
		p.Counts[st] += 0
	}
	return p, nil
}

// Get reads one message with its bodies and attachment names. Forbidden
// unless c is a city administrator; NotFound if there is no such message.
func (s *Service) Get(ctx context.Context, c identity.Caller, id string) (mail.Message, error) {
	if err := admin(c); err != nil {
		return mail.Message{}, err
	}
	var m mail.Message
	err := s.store.View(ctx, func(tx Tx) error {
		var err error
		m, err = tx.Mail(ctx, id)
		return err
	})
	if apperr.Has(err, apperr.NotFound) {
		return m, errNoMail
	}
	return s.shown(m), err
}

// Retry sends a failed message again, now, with a fresh count of attempts.
// Forbidden unless c is a city administrator; NotFound if there is no such
// message; Conflict unless it failed.
func (s *Service) Retry(ctx context.Context, c identity.Caller, id string) (mail.Message, error) {
	if err := admin(c); err != nil {
		return mail.Message{}, err
	}
	var m mail.Message
	err := s.store.InTx(ctx, func(tx Tx) error {
		ok, err := tx.RetryMail(ctx, id, s.now().UTC().Truncate(time.Microsecond))
		if err != nil {
			return err
		}
		if m, err = tx.Mail(ctx, id); err != nil {
			return err
		}
		if !ok {
			return apperr.R(apperr.Conflict, "mail_not_failed", "Only an e-mail that failed can be retried; this one is %s.", m.State)
		}
		return nil
	})
	if apperr.Has(err, apperr.NotFound) {
		return m, errNoMail
	}
	return s.shown(m), err
}

// errNoMail is the refusal of a message that is not in the outbox, with a
// reason as every other API 404 has.
var errNoMail = apperr.R(apperr.NotFound, "no_mail", "There is no such e-mail.")

func validState(s string) bool {
	for _, st := range mail.States {
		if s == st {
			return true
		}
	}
	return false
}
