// Package smtpmail is the outbox's SMTP transport, on
// github.com/wneessen/go-mail: one connection per batch, STARTTLS required
// unless the URL says otherwise, the message's own Message-ID on the wire.
// It holds the SMTP credentials and must never log them.
package smtpmail

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"time"

	gomail "github.com/wneessen/go-mail"
	"github.com/wneessen/go-mail/smtp"

	"cityhub/config"
	"cityhub/mail"
	"cityhub/outbox"
	"cityhub/plaintext"
)

// Config says where and as whom to send.
type Config struct {
	// URL is smtp://user:pass@host:587 (STARTTLS required) or
	// smtps://user:pass@host:465 (TLS from the first byte). On smtp://, the
	// query tls=opportunistic uses STARTTLS only when offered and tls=none
	// never does: for a relay on the same host or a test server only, and
	// never with a login, which is sent only over TLS.
	URL string
	// From is the sender, e.g. "Comune di Benevento <noreply@comune.benevento.it>".
	From string
	// Timeout bounds connecting and each SMTP exchange (default 15s).
	Timeout time.Duration
}

// Transport sends over SMTP.
type Transport struct {
	host     string
	opts     []gomail.Option
	from     string
	timeout  time.Duration
	redacted string
	user     string // who the session authenticates as, empty for none
	// probeOpts are opts without the login: what a connection that only
	// asks whether the server starts TLS is made with.
	probeOpts     []gomail.Option
	opportunistic bool // tls=opportunistic: STARTTLS only when offered
	log           *slog.Logger
}

// errNoTLSForLogin is a login (tls=opportunistic) on a server that
// offered no STARTTLS. go-mail then tries only the mechanisms that keep
// the password off the wire (SCRAM, CRAM-MD5) and, finding none, says its
// autodiscover found no mechanism, which names neither the cause nor the
// remedy.
var errNoTLSForLogin = errors.New("the server offered no TLS (no STARTTLS), and the hub does not send a password without it " +
	"(nor does the server offer a login that keeps it off the wire, SCRAM or CRAM-MD5): " +
	"have the server offer STARTTLS, use smtps://, or drop the login from CITYHUB_SMTP_URL")

var _ outbox.Transport = (*Transport)(nil)

// New checks cfg and returns the transport; nothing is dialled yet.
func New(cfg Config, log *slog.Logger) (*Transport, error) {
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	u, err := url.Parse(cfg.URL)
	if err != nil {
		return nil, fmt.Errorf("smtp url: not a URL")
	}
	if u.Hostname() == "" {
		return nil, fmt.Errorf("smtp url %s: no host", config.Redact(cfg.URL))
	}
	if cfg.Timeout <= 0 {
		cfg.Timeout = 15 * time.Second
	}
	opts := []gomail.Option{gomail.WithTimeout(cfg.Timeout)}
	port := 0
	if p := u.Port(); p != "" {
		if port, err = strconv.Atoi(p); err != nil || port <= 0 || port > 65535 {
			return nil, fmt.Errorf("smtp url %s: bad port", config.Redact(cfg.URL))
		}
	}
	opportunistic := false
	switch u.Scheme {
	case "smtp":
		if port == 0 {
			port = 587
		}
		policy := gomail.TLSMandatory
		tlsMode := u.Query().Get("tls")
		switch tlsMode {
		case "", "starttls":
		case "opportunistic":
			policy, opportunistic = gomail.TLSOpportunistic, true
		case "none":
			policy = gomail.NoTLS
		default:
			return nil, fmt.Errorf("smtp url %s: tls must be starttls, opportunistic or none", config.Redact(cfg.URL))
		}
		if tlsMode == "none" && u.User != nil && u.User.Username() != "" {
			// config.Validate says the same at start; this keeps the
			// transport from ever being made to fail at every login.
			return nil, fmt.Errorf("smtp url %s: a login is sent only over TLS, and tls=none never starts it: use the default STARTTLS or smtps://, or drop the login", config.Redact(cfg.URL))
		}
		opts = append(opts, gomail.WithTLSPolicy(policy))
	case "smtps":
		if port == 0 {
			port = 465
		}
		opts = append(opts, gomail.WithSSL())
	default:
		return nil, fmt.Errorf("smtp url %s: the scheme must be smtp or smtps", config.Redact(cfg.URL))
	}
	opts = append(opts, gomail.WithPort(port))
	probeOpts := slices.Clone(opts)
	user := ""
	if u.User != nil && u.User.Username() != "" {
		user = u.User.Username()
		pass, _ := u.User.Password()
		opts = append(opts, gomail.WithSMTPAuth(gomail.SMTPAuthAutoDiscover), gomail.WithUsername(u.User.Username()),
			gomail.WithPassword(pass))
	}
	if cfg.From == "" {
		return nil, errors.New("smtp: the sender address (CITYHUB_MAIL_FROM) is not set")
	}
	probe := gomail.NewMsg()
	if err := probe.From(cfg.From); err != nil {
		return nil, fmt.Errorf("smtp: sender address %q: %w", cfg.From, err)
	}
	return &Transport{host: u.Hostname(), opts: opts, from: cfg.From, timeout: cfg.Timeout, redacted: config.Redact(cfg.URL), user: user,
		probeOpts: probeOpts, opportunistic: opportunistic, log: log}, nil
}

// String is the server's URL without the password.
func (t *Transport) String() string { return t.redacted }

// Timeout implements outbox.Transport: connecting, then one message's
// exchange, each bounded by the configured timeout. A message that finds
// the connection gone connects again first, but only before ctx's deadline,
// which the sender sets well inside its lease.
func (t *Transport) Timeout() time.Duration { return 2 * t.timeout }

// Deliver implements outbox.Transport: one connection for the batch, each
// message sent on it and reported through done. A refusal of the message
// itself (classify) is permanent. What the server says before a message's
// own recipient or content (the connection, the greeting, TLS, the login,
// MAIL FROM, which is the same for every message) is the server refusing
// every message: the batch stops there, that message and the rest
// unreported, and Deliver returns the refusal as outbox.Untried, so that
// the sender pauses and an outage spends no message's attempts. A refusal
// read from a message's own recipient or data that is nonetheless the
// session's (a relay or policy refusal, 421) costs that message the
// attempt, so that one message the server refuses for ever cannot hold the
// sender paused for ever, and stops the batch the same way. Anything else
// may succeed later. A connection found gone before a message (the last
// one's failure ended it, or the server hung up) is made again, once a
// batch, for the rest; if that fails too, or the new one is gone too, the
// server is refusing.
func (t *Transport) Deliver(ctx context.Context, msgs []mail.Message, done func(int, error)) error {
	c, err := newClient(t)
	if err != nil {
		return outbox.Untried(err)
	}
	sc, err := t.dial(ctx, c)
	if err != nil {
		if ctx.Err() != nil {
			return ctx.Err()
		}
		return outbox.Untried(fmt.Errorf("connect to %s: %w", t.redacted, err))
	}
	defer func() { _ = c.CloseWithSMTPClient(sc) }()
	redialed := false
	for i, m := range msgs {
		if err := ctx.Err(); err != nil {
			return err
		}
		msg, err := t.build(m)
		if err != nil {
			done(i, outbox.Permanent(err))
			continue
		}
		err = c.SendWithSMTPClient(sc, msg)
		if lost(err) {
			if redialed || ctx.Err() != nil {
				return outbox.Untried(fmt.Errorf("connection to %s lost: %w", t.redacted, err))
			}
			redialed = true
			_ = sc.Close() // no QUIT: nothing answers it
			if sc, err = t.dial(ctx, c); err != nil {
				return outbox.Untried(fmt.Errorf("connect again to %s: %w", t.redacted, err))
			}
			if err = c.SendWithSMTPClient(sc, msg); lost(err) {
				// The new connection too was gone before its first
				// message: the server ends every session.
				return outbox.Untried(fmt.Errorf("connection to %s lost again: %w", t.redacted, err))
			}
		}
		if err != nil && msg.IsDelivered() {
			// The server accepted the message (250 at the end of DATA):
			// it is sent, whatever failed after it (the NOOP and RSET
			// that close the transaction). Reported as not sent, it would
			// be sent again, or kept as failed though delivered.
			t.log.WarnContext(ctx, "smtp: e-mail accepted; the session failed after it", slog.String("mail", m.ID), slog.Any("error", err))
			err = nil
		}
		result, v := classify(err)
		switch v {
		case serverRefuses:
			return outbox.Untried(fmt.Errorf("the server refuses every e-mail: %w", err))
		case sessionRefused:
			done(i, result)
			return outbox.Untried(fmt.Errorf("the server refuses the session, not this message: %w", err))
		}
		done(i, result)
	}
	return nil
}

// lost reports whether err says the connection was gone before the
// message was tried: go-mail checks it (NOOP) before each message.
func lost(err error) bool {
	var se *gomail.SendError
	return errors.As(err, &se) && se.Reason == gomail.ErrConnCheck
}

// dial connects, greets, starts TLS and logs in as the URL says. A login
// that found no mechanism under tls=opportunistic is asked again, on a
// connection without the login, whether the server started TLS: when it
// did not, the refusal says so (errNoTLSForLogin). That second connection
// is made only on that failure, never on the way to a message.
func (t *Transport) dial(ctx context.Context, c *gomail.Client) (*smtp.Client, error) {
	sc, err := c.DialToSMTPClientWithContext(ctx)
	if err == nil || t.user == "" || !t.opportunistic || !errors.Is(err, gomail.ErrNoSupportedAuthDiscovered) {
		return sc, err
	}
	pc, perr := gomail.NewClient(t.host, t.probeOpts...)
	if perr != nil {
		return nil, err
	}
	psc, perr := pc.DialToSMTPClientWithContext(ctx)
	if perr != nil {
		return nil, err
	}
	st, encrypted := psc.TLSConnectionState()
	_ = pc.CloseWithSMTPClient(psc)
	if !encrypted || !st.HandshakeComplete {
		return nil, errNoTLSForLogin
	}
	return nil, err
}

func newClient(t *Transport) (*gomail.Client, error) {
	c, err := gomail.NewClient(t.host, t.opts...)
	if err != nil {
		return nil, fmt.Errorf("smtp client: %w", err)
	}
	return c, nil
}

// addRecipient writes the To: header. A name kept from before names were
// checked may hold a control character, which no header can carry: it is
// written without them rather than fail every e-mail to its person (the
// library quotes and encodes everything else a name holds).
func addRecipient(msg *gomail.Msg, name, addr string) error {
	name = strings.Map(func(r rune) rune {
		if plaintext.Breaks(r) {
			return -1
		}
		return r
	}, name)
	return msg.AddToFormat(name, addr)
}

// build turns an outbox message into a MIME message: text and HTML as
// alternatives, attachments after them.
func (t *Transport) build(m mail.Message) (*gomail.Msg, error) {
	msg := gomail.NewMsg()
	if err := msg.From(t.from); err != nil {
		return nil, fmt.Errorf("sender: %w", err)
	}
	if err := addRecipient(msg, m.ToName, m.To); err != nil {
		return nil, fmt.Errorf("recipient: %w", err)
	}
	msg.Subject(m.Subject)
	// Message-ID carries its angle brackets in the outbox.
	id := m.MessageID
	if len(id) > 2 && id[0] == '<' && id[len(id)-1] == '>' {
		id = id[1 : len(id)-1]
	}
	msg.SetMessageIDWithValue(id)
	msg.SetDate()
	msg.SetGenHeader(gomail.HeaderContentLang, m.Locale)
	msg.SetGenHeader("Auto-Submitted", "auto-generated")
	msg.SetBodyString(gomail.TypeTextPlain, m.Text)
	msg.AddAlternativeString(gomail.TypeTextHTML, m.HTML)
	for _, a := range m.Attachments {
		if err := msg.AttachReader(a.Name, bytes.NewReader(a.Data), gomail.WithFileContentType(gomail.ContentType(a.ContentType))); err != nil {
			return nil, fmt.Errorf("attach %s: %w", a.Name, err)
		}
	}
	return msg, nil
}

// verdict is what a message's failure says of the batch.
type verdict int

const (
	// goOn: the message's own result; the batch goes on.
	goOn verdict = iota
	// sessionRefused: the session's refusal, read from this message's
	// recipient or data: it counts the message an attempt and stops.
	sessionRefused
	// serverRefuses: the server refused before anything of this
	// message's own (MAIL FROM is the same for every message): no
	// attempt counted; it stops.
	serverRefuses
)

// classify judges one message's failure: permanent (wrapped with
// outbox.Permanent) only when the server refused it for something of its
// own, the recipient or the content, which no retry changes; a verdict
// other than goOn when the refusal is of the session, which every message
// of the batch would meet.
//
// go-mail says at which step the server refused (SendError.Reason) and,
// when the server announces ENHANCEDSTATUSCODES, the RFC 3463 code, whose
// middle number is the subject: 1 addressing, 2 the mailbox, 3 the mail
// system, 4 routing (and quotas), 5 the protocol, 6 the content, 7 policy.
//   - MAIL FROM refused (4xx or 5xx): the sender, the account, a quota or
//     the server going away; never this message. The server refuses.
//   - 421 at any later step: the server closes the session; but it
//     answered this message's recipient or data, so the session refused.
//   - RCPT TO refused with a 5xx: the recipient, unless the code's
//     subject is the sender's address (x.1.7, x.1.8), the system, routing,
//     the protocol or policy (a relay or a sender refused, a quota: Postfix
//     answers its sender checks at RCPT TO). Otherwise the session refused.
//   - the end of DATA refused with a 5xx: this message, when the code says
//     its recipient, mailbox, content or size (5.3.4; without a code, 552
//     says the size); otherwise the session refused.
//   - any other 5xx: the session refused.
//
// A session refusal costs the message an attempt, so a refusal of this
// message's own that was read as the session's still ends failed once out
// of attempts, rather than pausing the sender at every try.
func classify(err error) (result error, v verdict) {
	if err == nil {
		return nil, goOn
	}
	var se *gomail.SendError
	if !errors.As(err, &se) {
		return err, goOn
	}
	code := se.ErrorCode()
	switch {
	case se.Reason == gomail.ErrSMTPMailFrom && code >= 400:
		return err, serverRefuses
	case code == 421:
		return err, sessionRefused
	case code < 500 || code >= 600:
		return err, goOn
	case se.Reason == gomail.ErrSMTPRcptTo && ownRefusal(se.EnhancedStatusCode(), true),
		se.Reason == gomail.ErrSMTPDataClose && ownRefusal(se.EnhancedStatusCode(), code == 552):
		return outbox.Permanent(err), goOn
	}
	return err, sessionRefused
}

// ownRefusal reports whether an enhanced status code refuses the message
// for its recipient, mailbox, content or size; none is taken as plain.
func ownRefusal(esc string, plain bool) bool {
	class, rest, ok := strings.Cut(esc, ".")
	subject, detail, ok2 := strings.Cut(rest, ".")
	if !ok || !ok2 || class != "5" {
		return esc == "" && plain
	}
	switch subject {
	case "1":
		return detail != "7" && detail != "8" // the sender's address
	case "2", "6":
		return true
	case "3":
		return detail == "4" // message too big
	}
	return false
}
