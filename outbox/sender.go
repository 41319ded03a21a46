package outbox

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"math/rand/v2"
	"strings"
	"sync"
	"time"
	"unicode/utf8"

	"cityhub/ids"
	"cityhub/mail"
)

// Transport delivers messages, for example to an SMTP server. Deliver
// reports each message's result through done, in order; an error wrapped
// with Permanent means no retry can succeed (the server refused the
// recipient). An error Deliver returns counts an attempt for each message
// it did not report, unless it is wrapped with Untried (the server refuses
// every message). Deliver must give up on a message within the timeout it
// promises (Timeout), so a sender never outlives its lease.
type Transport interface {
	Deliver(ctx context.Context, msgs []mail.Message, done func(i int, err error)) error
	// Timeout bounds one message's delivery, connecting included.
	Timeout() time.Duration
}

type permanent struct{ err error }

func (p permanent) Error() string { return p.err.Error() }
func (p permanent) Unwrap() error { return p.err }

// Permanent marks err as one that no retry can fix.
func Permanent(err error) error { return permanent{err} }

// IsPermanent reports whether err was marked Permanent.
func IsPermanent(err error) bool { var p permanent; return errors.As(err, &p) }

type untried struct{ err error }

func (u untried) Error() string { return u.err.Error() }
func (u untried) Unwrap() error { return u.err }

// Untried marks an error with which Deliver stopped because the server
// refuses every message (it cannot be reached, it refuses the connection,
// the login or the sender, it ends every session): the messages it did not
// report go back to pending, due at once, their attempt not counted, with
// err as their last error (why they wait), and the sender pauses (see
// Sender.Run). An outage must not spend the messages' attempts: with one
// spent at every look, a server down for an hour failed every e-mail.
func Untried(err error) error { return untried{err} }

// IsUntried reports whether err was marked Untried.
func IsUntried(err error) bool { var u untried; return errors.As(err, &u) }

// SenderOptions tune a Sender; zero values take the defaults.
type SenderOptions struct {
	// Batch is how many messages one claim takes (default 20).
	Batch int
	// Poll is how often an idle sender looks for due messages (default 5s).
	Poll time.Duration
	// MaxAttempts is how many deliveries are tried before a message is
	// kept as failed (default 8).
	MaxAttempts int
	// BaseDelay and MaxDelay bound the backoff between attempts: the n-th
	// retry waits BaseDelay·2ⁿ⁻¹, capped at MaxDelay, of which a random
	// half (defaults 30s and 1h: eight attempts span about an hour). The
	// pauses while the server refuses every message grow the same way
	// from BaseDelay, capped at maxPause or MaxDelay, whichever is less.
	BaseDelay, MaxDelay time.Duration
}

// maxPause is the longest a sender pauses while the server refuses every
// message: once the server is back, the longest an e-mail waits for the
// sender to try again. Short next to MaxDelay, since a password reset
// waiting behind an outage is waited for by someone.
const maxPause = 5 * time.Minute

func (o *SenderOptions) defaults() {
	if o.Batch <= 0 {
		o.Batch = 20
	}
	if o.Poll <= 0 {
		o.Poll = 5 * time.Second
	}
	if o.MaxAttempts <= 0 {
		o.MaxAttempts = 8
	}
	if o.BaseDelay <= 0 {
		o.BaseDelay = 30 * time.Second
	}
	if o.MaxDelay <= 0 {
		o.MaxDelay = time.Hour
	}
}

// Sender claims due messages and delivers them. Every replica may run one.
type Sender struct {
	store     Store
	transport Transport
	opts      SenderOptions
	log       *slog.Logger
	now       func() time.Time
	// lease is how long a claim holds a batch; margin is how close to its
	// end no new message is started.
	lease, margin time.Duration
	// wake holds one pending Wake.
	wake chan struct{}

	mu     sync.Mutex
	outage outage
}

// outage is the server refusing every message (Untried): since when, how
// many refusals in a row, and until when the sender pauses. Zero: none.
type outage struct {
	since    time.Time
	refusals int
	until    time.Time
}

// NewSender returns a sender of the outbox in store through transport.
func NewSender(store Store, transport Transport, opts SenderOptions, log *slog.Logger) *Sender {
	opts.defaults()
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	margin := 2 * transport.Timeout()
	return &Sender{store: store, transport: transport, opts: opts, log: log, now: time.Now,
		margin: margin, lease: 3 * margin, wake: make(chan struct{}, 1)}
}

// Wake has Run look for due messages now rather than at its next Poll. The
// hub calls it after each commit that queued an e-mail, so a sign-up's
// confirmation leaves in well under a second; other replicas' messages are
// still found by polling. It never blocks: wakes while one is pending are
// one wake.
func (s *Sender) Wake() {
	select {
	case s.wake <- struct{}{}:
	default:
	}
}

// Run sends due messages until ctx ends, looking again every Poll when
// there was nothing to send, at once when a whole batch went or Wake was
// called. While the server refuses every message it pauses instead,
// wakes or not, for BaseDelay at first and twice as long after each
// refusal in a row up to 5 minutes (or MaxDelay), of which a random part of
// the upper half, as Backoff; the first batch the server takes ends the
// outage. A queue of e-mails never has the sender knock on a server that
// is down at each look, and the outage is logged when it starts and when
// it ends, not at each refusal.
func (s *Sender) Run(ctx context.Context) {
	t := time.NewTimer(0)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		case <-s.wake:
		}
		n, err := s.SendDue(ctx)
		if err != nil && ctx.Err() == nil {
			s.log.ErrorContext(ctx, "outbox: send due e-mails", slog.Any("error", err))
		}
		wait := s.opts.Poll
		if n >= s.opts.Batch {
			wait = 0
		}
		if until, ok := s.pausedUntil(); ok {
			wait = until.Sub(s.now())
		}
		t.Reset(wait)
	}
}

// SendDue claims one batch of due messages and delivers it; it returns how
// many messages it claimed to send (not those the claim failed). While the
// sender pauses for a server that refuses every message it claims nothing
// and returns 0.
func (s *Sender) SendDue(ctx context.Context) (int, error) {
	if _, ok := s.pausedUntil(); ok {
		return 0, nil
	}
	claim := ids.New("claim")
	now := s.now().UTC().Truncate(time.Microsecond)
	leaseUntil := now.Add(s.lease)
	var claimed []mail.Message
	err := s.store.InTx(ctx, func(tx Tx) error {
		var err error
		claimed, err = tx.ClaimMail(ctx, claim, now, leaseUntil, s.opts.Batch, s.opts.MaxAttempts)
		return err
	})
	if err != nil {
		return 0, err
	}
	// A message whose lease ran out on its last attempt comes back failed,
	// not to be sent again: its result was never recorded (its sender died,
	// or the database refused the record), and without this a result that
	// can never be recorded had it sent every lease for ever.
	var batch []mail.Message
	for _, m := range claimed {
		if m.State == mail.StateFailed {
			s.log.WarnContext(ctx, "e-mail failed: its last attempt's lease ran out with no result recorded; kept for an administrator",
				slog.String("mail", m.ID))
			continue
		}
		batch = append(batch, m)
	}
	if len(batch) == 0 {
		return 0, nil
	}
	// A message is started only while the lease has room for a whole
	// delivery (the transport bounds each one by Timeout); the ones never
	// started go back to pending, due now, their attempt not counted.
	sendCtx, cancel := context.WithDeadline(ctx, leaseUntil.Add(-s.margin))
	done := make([]bool, len(batch))
	took := false // the server accepted a message
	derr := s.transport.Deliver(sendCtx, batch, func(i int, err error) {
		done[i] = true
		took = took || err == nil
		s.finish(ctx, batch[i], err)
	})
	stopped := sendCtx.Err() != nil
	cancel()
	refused := IsUntried(derr) && !stopped
	var released []mail.Message
	for i, m := range batch {
		switch {
		case done[i]:
		case derr != nil && !stopped && !refused:
			// The server could not be reached: an attempt, retried later.
			s.finish(ctx, m, derr)
		default:
			m.State, m.Attempts, m.NextAttemptAt = mail.StatePending, m.Attempts-1, s.now().UTC().Truncate(time.Microsecond)
			if refused {
				m.LastError = trim(derr.Error())
			}
			released = append(released, m)
		}
	}
	switch {
	case refused:
		s.refused(ctx, derr, took)
	case derr == nil || took:
		s.recovered(ctx)
	}
	return len(batch), s.write(context.WithoutCancel(ctx), released...)
}

// pausedUntil is when the pause for an outage ends, if the sender is
// pausing now.
func (s *Sender) pausedUntil() (time.Time, bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	until := s.outage.until
	return until, !until.IsZero() && s.now().Before(until)
}

// refused starts or prolongs an outage: the server refused every message
// (err). A batch of which the server took some before refusing (a sending
// rate, a quota) pauses from the shortest wait again.
func (s *Sender) refused(ctx context.Context, err error, took bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	now := s.now()
	o := &s.outage
	first := o.since.IsZero()
	if first {
		o.since = now
	}
	if took {
		o.refusals = 0
	}
	o.refusals++
	o.until = now.Add(Backoff(o.refusals, s.opts.BaseDelay, min(s.opts.MaxDelay, maxPause)))
	if first {
		s.log.ErrorContext(ctx, "outbox: the SMTP server refuses every e-mail; sending paused, to try again after growing pauses",
			slog.Time("next_try", o.until), slog.Any("error", err))
		return
	}
	s.log.DebugContext(ctx, "outbox: the SMTP server still refuses every e-mail", slog.Int("refusals", o.refusals),
		slog.Time("next_try", o.until), slog.Any("error", err))
}

// recovered ends an outage: the server took a batch.
func (s *Sender) recovered(ctx context.Context) {
	s.mu.Lock()
	defer s.mu.Unlock()
	o := s.outage
	if o.since.IsZero() {
		return
	}
	s.outage = outage{}
	s.log.InfoContext(ctx, "outbox: the SMTP server takes e-mails again; sending resumed",
		slog.Duration("outage", s.now().Sub(o.since)), slog.Int("refusals", o.refusals))
}

// finish records one delivery's result.
func (s *Sender) finish(ctx context.Context, m mail.Message, sendErr error) {
	now := s.now().UTC().Truncate(time.Microsecond)
	log := s.log.With(slog.String("mail", m.ID), slog.String("kind", m.Kind), slog.Int("attempt", m.Attempts))
	switch {
	case sendErr == nil:
		m.State, m.SentAt, m.LastError = mail.StateSent, now, ""
		// Its links' tokens have reached their mailbox and have no reader
		// here any more: kept, the outbox (and every backup of it) would
		// hold a live reset or confirmation link in clear, where the
		// accounts keep only its hash.
		m = mail.WithoutLinkTokens(m)
		log.InfoContext(ctx, "e-mail sent")
	case IsPermanent(sendErr) || m.Attempts >= s.opts.MaxAttempts:
		m.State, m.LastError = mail.StateFailed, trim(sendErr.Error())
		log.WarnContext(ctx, "e-mail failed; kept for an administrator", slog.Any("error", sendErr))
	default:
		m.State, m.LastError = mail.StatePending, trim(sendErr.Error())
		m.NextAttemptAt = now.Add(Backoff(m.Attempts, s.opts.BaseDelay, s.opts.MaxDelay))
		log.InfoContext(ctx, "e-mail not sent; will retry", slog.Time("next_attempt_at", m.NextAttemptAt), slog.Any("error", sendErr))
	}
	if err := s.write(context.WithoutCancel(ctx), m); err != nil {
		log.ErrorContext(ctx, "outbox: record delivery", slog.Any("error", err))
	}
}

// write records messages' new states in one transaction, each only while
// this sender's claim still holds it.
func (s *Sender) write(ctx context.Context, msgs ...mail.Message) error {
	if len(msgs) == 0 {
		return nil
	}
	return s.store.InTx(ctx, func(tx Tx) error {
		for _, m := range msgs {
			ok, err := tx.FinishMail(ctx, m)
			if err != nil {
				return fmt.Errorf("finish e-mail %s: %w", m.ID, err)
			}
			if !ok {
				// The lease ran out and another sender claimed it: the
				// message may arrive twice, recognisably (one Message-ID).
				s.log.WarnContext(ctx, "outbox: lease lost before the result was recorded", slog.String("mail", m.ID))
			}
		}
		return nil
	})
}

// Backoff is the wait before the attempt after the attempts-th: base·2ⁿ⁻¹
// capped at max, of which a uniformly random part of the upper half
// ("equal jitter"), so that senders retrying together spread out but never
// retry sooner than half the nominal wait.
func Backoff(attempts int, base, max time.Duration) time.Duration {
	d := base
	for i := 1; i < attempts && d < max; i++ {
		d *= 2
	}
	if d > max {
		d = max
	}
	half := d / 2
	return half + rand.N(half+1)
}

// trim makes an error fit the outbox's last_error: valid UTF-8 without NUL
// (PostgreSQL refuses either in text, and an SMTP server's reply may carry
// any bytes), at most 1000 bytes, cut between two characters.
func trim(s string) string {
	const max = 1000
	s = strings.ReplaceAll(strings.ToValidUTF8(s, ""), "\x00", "")
	if len(s) <= max {
		return s
	}
	cut := max
	for cut > 0 && !utf8.RuneStart(s[cut]) {
		cut--
	}
	return s[:cut]
}
