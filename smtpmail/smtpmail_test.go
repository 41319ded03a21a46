package smtpmail_test

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"cityhub/mail"
	"cityhub/mail/mailtest"
	"cityhub/outbox"
	"cityhub/smtpmail"
)

// URLs choose the TLS mode and port; the password never shows.
func TestConfig(t *testing.T) {
	for _, c := range []struct {
		url  string
		from string
		ok   bool
	}{
		{"smtp://user:s3cret@mail.example.org:587", mailtest.From, true},
		{"smtp://mail.example.org", mailtest.From, true},
		{"smtps://user:s3cret@mail.example.org", mailtest.From, true},
		{"smtp://127.0.0.1:1025?tls=none", mailtest.From, true},
		// A login is sent only over TLS, which tls=none never starts.
		{"smtp://user:s3cret@127.0.0.1:1025?tls=none", mailtest.From, false},
		{"smtp://user:s3cret@relay.example.org:25?tls=opportunistic", mailtest.From, true},
		{"smtp://relay.example.org:25?tls=opportunistic", mailtest.From, true},
		{"smtp://mail.example.org?tls=maybe", mailtest.From, false},
		{"http://mail.example.org", mailtest.From, false},
		{"smtp://:587", mailtest.From, false},
		{"smtp://mail.example.org:99999", mailtest.From, false},
		{"smtp://mail.example.org", "", false},
		{"smtp://mail.example.org", "not an address", false},
	} {
		tr, err := smtpmail.New(smtpmail.Config{URL: c.url, From: c.from}, nil)
		if (err == nil) != c.ok {
			t.Errorf("New(%q, %q) = %v, want ok=%v", c.url, c.from, err, c.ok)
		}
		if err != nil && strings.Contains(err.Error(), "s3cret") {
			t.Errorf("error shows the password: %v", err)
		}
		if tr != nil && strings.Contains(tr.String(), "s3cret") {
			t.Errorf("String shows the password: %s", tr)
		}
	}
}

// A password with an unescaped / or ? parses with its start as the host
// (smtp://user:1234/pw@host is host user, port 1234): the transport's name,
// which the start log, cityhub check and the outbox's errors show, hides it
// all the same.
func TestRedactPasswordTakenForTheHost(t *testing.T) {
	for _, u := range []string{
		"smtp://user:1234/s3cret@mail.example.org:587",
		"smtp://user:12?s3cret@mail.example.org",
		"smtps://user:12#s3cret@mail.example.org:465",
	} {
		tr, err := smtpmail.New(smtpmail.Config{URL: u, From: mailtest.From}, nil)
		if err != nil && strings.Contains(err.Error(), "s3cret") {
			t.Errorf("New(%s): the error shows the password: %v", u, err)
		}
		if tr != nil && strings.Contains(tr.String(), "s3cret") {
			t.Errorf("New(%s).String() = %s shows the password", u, tr)
		}
	}
}

// A message arrives as text and HTML alternatives with its attachments,
// its own Message-ID and its language.
func TestDeliverMultipartWithAttachments(t *testing.T) {
	t.Parallel()
	to := mailtest.Recipient(t)
	png := []byte("\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00\x00\x01\x00\x00\x00\x01\x08\x06\x00\x00\x00\x1f\x15\xc4\x89")
	ics := "BEGIN:VCALENDAR\r\nVERSION:2.0\r\nPRODID:-//cityhub//it\r\nEND:VCALENDAR\r\n"
	m := mail.Message{ID: "mail_x", Kind: "test", Locale: "en", To: to, ToName: "Anna Rossi", Subject: "Your ticket — Teatro Romano",
		Text: "Plain text body", HTML: "<p>HTML <b>body</b></p>", MessageID: "<mail_smtptest" + strings.ReplaceAll(to, "@", ".") + "@cityhub.test>",
		Attachments: []mail.Attachment{{Name: "ticket.png", ContentType: "image/png", Data: png}, {Name: "event.ics", ContentType: "text/calendar", Data: []byte(ics)}}}
	r := deliverAndRead(t, m)
	if "<"+r.MessageID+">" != m.MessageID || r.Subject != m.Subject || strings.TrimSpace(r.Text) != m.Text || !strings.Contains(r.HTML, "<b>body</b>") ||
		r.From.Address != "noreply@cityhub.test" || len(r.To) != 1 || r.To[0].Name != "Anna Rossi" {
		t.Fatalf("received %+v", r)
	}
	if len(r.Attachments) != 2 || r.Attachments[0].FileName != "ticket.png" || r.Attachments[0].ContentType != "image/png" ||
		r.Attachments[1].FileName != "event.ics" || !strings.HasPrefix(r.Attachments[1].ContentType, "text/calendar") || r.Attachments[0].Size != len(png) {
		t.Fatalf("attachments %+v", r.Attachments)
	}
	if got := r.Headers["Content-Language"]; len(got) != 1 || got[0] != "en" {
		t.Errorf("Content-Language %v", got)
	}
}

// A name that no To: header can carry (a control character kept from
// before names were checked) does not stop the e-mail: it goes to the
// address, the name without those characters.
func TestDeliverToANameWithControlCharacters(t *testing.T) {
	t.Parallel()
	to := mailtest.Recipient(t)
	m := mail.Message{ID: "mail_ctl", Kind: "test", Locale: "it", To: to, ToName: "Ann\x01e\x00 Rossi", Subject: "Verifica",
		Text: "testo", HTML: "<p>testo</p>", MessageID: "<mail_ctl" + strings.ReplaceAll(to, "@", ".") + "@cityhub.test>"}
	r := deliverAndRead(t, m)
	if len(r.To) != 1 || r.To[0].Address != to || r.To[0].Name != "Anne Rossi" {
		t.Fatalf("received for %+v", r.To)
	}
}

// deliverAndRead sends m through the test SMTP server, wants it accepted,
// and reads it back as the server received it.
func deliverAndRead(t *testing.T, m mail.Message) mailtest.Message {
	t.Helper()
	tr, err := smtpmail.New(smtpmail.Config{URL: mailtest.SMTPURL(), From: mailtest.From, Timeout: 5 * time.Second}, nil)
	if err != nil {
		t.Fatal(err)
	}
	var results []error
	if err := tr.Deliver(context.Background(), []mail.Message{m}, func(i int, err error) { results = append(results, err) }); err != nil {
		t.Fatal(err)
	}
	if len(results) != 1 || results[0] != nil {
		t.Fatalf("results %v", results)
	}
	got := mailtest.WaitReceived(t, m.To, 1, 10*time.Second)
	return mailtest.Read(t, got[0].ID)
}

// A connection refused is the server refusing every message: none is
// reported (none spends an attempt), and the refusal comes back marked
// Untried, so that the sender pauses. The first message was reported and
// spent an attempt at every try.
func TestDeliverToClosedPortIsTemporary(t *testing.T) {
	tr, err := smtpmail.New(smtpmail.Config{URL: "smtp://127.0.0.1:1?tls=none", From: mailtest.From, Timeout: time.Second}, nil)
	if err != nil {
		t.Fatal(err)
	}
	var reported []error
	err = tr.Deliver(context.Background(), []mail.Message{{To: "a@example.org"}, {To: "b@example.org"}}, func(i int, err error) {
		if i != len(reported) {
			t.Errorf("reported message %d after %d", i, len(reported))
		}
		reported = append(reported, err)
	})
	if err == nil || !outbox.IsUntried(err) || outbox.IsPermanent(err) || len(reported) != 0 {
		t.Fatalf("Deliver = %v, reported %v; want the refusal, untried, no message reported", err, reported)
	}
}

// Check connects, greets and quits, without sending; a server without
// STARTTLS fails a URL that requires it; a login on a server that offers
// no TLS (tls=opportunistic) fails as a delivery would, saying so in plain
// words rather than with the library's autodiscover text; an unreachable
// server fails with where it was looked for. The password never shows.
// (The test server speaks no TLS, so a login that succeeds is not tried
// here.)
func TestCheck(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	base := mailtest.SMTPURL() // smtp://127.0.0.1:1025?tls=none, Mailpit accepting any login
	withUser := strings.Replace(base, "smtp://", "smtp://hub:s3cret@", 1)
	for _, c := range []struct {
		name, url string
		user      string
		fails     string
	}{
		{"plain relay", base, "", ""},
		{"login without TLS", strings.Replace(withUser, "tls=none", "tls=opportunistic", 1), "", "the server offered no TLS (no STARTTLS), and the hub does not send a password without it"},
		{"STARTTLS required, not offered", strings.Replace(strings.Replace(withUser, "?tls=none", "", 1), "tls=none&", "", 1), "", "STARTTLS"},
		{"unreachable", "smtp://hub:s3cret@127.0.0.1:1?tls=opportunistic", "", "127.0.0.1:1"},
	} {
		t.Run(c.name, func(t *testing.T) {
			tr, err := smtpmail.New(smtpmail.Config{URL: c.url, From: mailtest.From, Timeout: 5 * time.Second}, nil)
			if err != nil {
				t.Fatal(err)
			}
			p, err := tr.Check(ctx)
			if c.fails != "" {
				if err == nil || !strings.Contains(err.Error(), c.fails) {
					t.Fatalf("Check = %v, want an error mentioning %q", err, c.fails)
				}
				if strings.Contains(err.Error(), "s3cret") || strings.Contains(err.Error(), "autodiscover") {
					t.Errorf("the error shows the password or the library's words: %v", err)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if p.User != c.user || p.TLS != "" {
				t.Errorf("probe %+v, want user %q without TLS", p, c.user)
			}
		})
	}
}

// A login on a server that offers no STARTTLS (tls=opportunistic) is the
// server refusing every message, untried, in words that say why: the hub
// does not send a password without TLS.
func TestDeliverLoginWithoutTLSOffered(t *testing.T) {
	t.Parallel()
	u := strings.Replace(strings.Replace(mailtest.SMTPURL(), "smtp://", "smtp://hub:s3cret@", 1), "tls=none", "tls=opportunistic", 1)
	tr, err := smtpmail.New(smtpmail.Config{URL: u, From: mailtest.From, Timeout: 5 * time.Second}, nil)
	if err != nil {
		t.Fatal(err)
	}
	m := mail.Message{ID: "mail_notls", Kind: "test", Locale: "it", To: mailtest.Recipient(t), Subject: "x", Text: "x", HTML: "<p>x</p>", MessageID: "<mail_notls@cityhub.test>"}
	var reported []error
	err = tr.Deliver(context.Background(), []mail.Message{m}, func(i int, err error) { reported = append(reported, err) })
	if err == nil || !outbox.IsUntried(err) || len(reported) != 0 {
		t.Fatalf("Deliver = %v, reported %v; want the refusal, untried, no message reported", err, reported)
	}
	if msg := err.Error(); !strings.Contains(msg, "offered no TLS") || !strings.Contains(msg, "does not send a password without it") ||
		strings.Contains(msg, "autodiscover") || strings.Contains(msg, "s3cret") {
		t.Fatalf("Deliver = %v, want the server offering no TLS said in plain words, without the password", err)
	}
}

// A message the server accepted (250 at the end of DATA) is sent, once,
// whatever fails after it in the session: the server hanging up before
// the NOOP and RSET that follow, or refusing them. It was retried as not
// sent (a duplicate) after a hang-up, and failed for good after a 5xx.
func TestAcceptedThenSessionFails(t *testing.T) {
	t.Parallel()
	for _, c := range []struct {
		name  string
		after func(verb string) (string, bool)
	}{
		{"hang up", func(verb string) (string, bool) { return "", verb == "NOOP" }},
		{"RSET refused", func(verb string) (string, bool) {
			if verb == "RSET" {
				return "554 5.5.0 no more", false
			}
			return "", false
		}},
	} {
		t.Run(c.name, func(t *testing.T) {
			t.Parallel()
			var accepted bool
			var mu sync.Mutex
			f := startFakeSMTP(t, func(conn int, verb, arg string) (string, bool) {
				mu.Lock()
				defer mu.Unlock()
				if verb == "." {
					accepted = true
				} else if accepted {
					return c.after(verb)
				}
				return "", false
			})
			db, s, msgs := throughFake(t, f, "accepted@cityhub.test")
			if n, err := s.SendDue(context.Background()); err != nil || n != 1 {
				t.Fatalf("SendDue = %d, %v", n, err)
			}
			if got := readMail(t, db, msgs[0].ID); got.State != mail.StateSent || got.Attempts != 1 || got.LastError != "" {
				t.Fatalf("recorded %s, attempt %d, error %q; want sent", got.State, got.Attempts, got.LastError)
			}
			if n, err := s.SendDue(context.Background()); err != nil || n != 0 {
				t.Fatalf("SendDue again = %d, %v", n, err)
			}
			if got := f.Accepted(); len(got) != 1 {
				t.Fatalf("the server accepted %v", got)
			}
		})
	}
}

// A server that hangs up at the first message's DATA costs that message an
// attempt and no other: the rest go on a new connection, or, when none can
// be made, back to pending with their attempts as they were and the
// refusal as their last error. Each was charged an attempt, failing with
// "not connected", and none was tried.
func TestConnectionLostMidBatch(t *testing.T) {
	t.Parallel()
	for _, c := range []struct {
		name      string
		reconnect bool
	}{{"connects again", true}, {"cannot connect again", false}} {
		t.Run(c.name, func(t *testing.T) {
			t.Parallel()
			f := startFakeSMTP(t, func(conn int, verb, arg string) (string, bool) {
				switch {
				case conn == 1 && verb == "DATA":
					return "", true
				case conn > 1 && !c.reconnect:
					return "421 4.3.2 not now", true
				}
				return "", false
			})
			db, s, msgs := throughFake(t, f, "first@cityhub.test", "second@cityhub.test", "third@cityhub.test")
			if n, err := s.SendDue(context.Background()); err != nil || n != 3 {
				t.Fatalf("SendDue = %d, %v", n, err)
			}
			if got := readMail(t, db, msgs[0].ID); got.State != mail.StatePending || got.Attempts != 1 || got.LastError == "" {
				t.Errorf("the message the server hung up on: %s, attempt %d, error %q; want pending, 1, the error", got.State, got.Attempts, got.LastError)
			}
			for _, m := range msgs[1:] {
				got := readMail(t, db, m.ID)
				if c.reconnect && (got.State != mail.StateSent || got.Attempts != 1) ||
					!c.reconnect && (got.State != mail.StatePending || got.Attempts != 0 || !strings.Contains(got.LastError, "421")) {
					t.Errorf("%s: %s, attempt %d, error %q", m.To, got.State, got.Attempts, got.LastError)
				}
			}
			want := []string{"second@cityhub.test", "third@cityhub.test"}
			if !c.reconnect {
				want = nil
			}
			if got := f.Accepted(); !slices.Equal(got, want) || f.Conns() != 2 {
				t.Errorf("the server accepted %v on %d connections, want %v on 2", got, f.Conns(), want)
			}
		})
	}
}

// Only a refusal of the message itself (its recipient at RCPT TO, its
// content or size at the end of DATA) fails it for good. A refusal before
// anything of the message's own (the greeting, MAIL FROM: a quota or a
// sender not authorised meets every message) stops the batch, that message
// and the rest pending without an attempt, the refusal as their last
// error. A refusal of the session given to a message's recipient or data
// (a relay or policy refusal, 421) costs that message an attempt and stops
// the batch the same way. Every 5xx failed its message, a quota failed
// every message of the batch, and a refusal at the greeting or MAIL FROM
// spent an attempt.
func TestRefusalsOfTheMessageAndOfTheSession(t *testing.T) {
	t.Parallel()
	const (
		sent   = "sent"
		failed = "failed"
		tried  = "tried" // pending, an attempt counted
		waits  = "waits" // pending, no attempt counted, the refusal as its last error
	)
	for _, c := range []struct {
		name        string
		verb, reply string // the reply to verb for the second message ("" verb: the greeting)
		want        [3]string
	}{
		{"greeting refused", "", "554 5.3.2 no service here", [3]string{waits, waits, waits}},
		{"quota at MAIL FROM", "MAIL", "550 5.4.5 Daily sending quota exceeded", [3]string{sent, waits, waits}},
		{"sender not authorised at MAIL FROM", "MAIL", "550 5.7.1 Sender not authorised", [3]string{sent, waits, waits}},
		{"no code at MAIL FROM", "MAIL", "553 Account suspended", [3]string{sent, waits, waits}},
		{"rate at MAIL FROM", "MAIL", "451 4.7.1 Slow down", [3]string{sent, waits, waits}},
		{"relay denied at RCPT TO", "RCPT", "554 5.7.1 Relay access denied", [3]string{sent, tried, waits}},
		{"sender refused at RCPT TO", "RCPT", "553 5.1.8 Sender address rejected: Domain not found", [3]string{sent, tried, waits}},
		{"closing at RCPT TO", "RCPT", "421 4.3.2 Shutting down", [3]string{sent, tried, waits}},
		{"recipient unknown", "RCPT", "550 5.1.1 No such user", [3]string{sent, failed, sent}},
		{"recipient unknown, no code", "RCPT", "550 No such user here", [3]string{sent, failed, sent}},
		{"mailbox disabled", "RCPT", "550 5.2.1 Mailbox disabled", [3]string{sent, failed, sent}},
		{"recipient busy", "RCPT", "450 4.2.1 Try again later", [3]string{sent, tried, sent}},
		{"content refused", ".", "554 5.6.0 Message content refused", [3]string{sent, failed, sent}},
		{"too big", ".", "552 5.3.4 Message too big", [3]string{sent, failed, sent}},
		{"too big, no code", ".", "552 Message exceeds the size limit", [3]string{sent, failed, sent}},
		{"policy at the end of DATA", ".", "550 5.7.1 Rejected by the sender domain's DMARC policy", [3]string{sent, tried, waits}},
		{"no code at the end of DATA", ".", "554 Transaction failed", [3]string{sent, tried, waits}},
	} {
		t.Run(c.name, func(t *testing.T) {
			t.Parallel()
			var mu sync.Mutex
			mails := 0
			f := startFakeSMTP(t, func(conn int, verb, arg string) (string, bool) {
				mu.Lock()
				defer mu.Unlock()
				if verb == "MAIL" {
					mails++
				}
				if verb == c.verb && (verb == "" || mails == 2) {
					return c.reply, verb == ""
				}
				return "", false
			})
			db, s, msgs := throughFake(t, f, "first@cityhub.test", "second@cityhub.test", "third@cityhub.test")
			if n, err := s.SendDue(context.Background()); err != nil || n != 3 {
				t.Fatalf("SendDue = %d, %v", n, err)
			}
			for i, m := range msgs {
				got := readMail(t, db, m.ID)
				was := fmt.Sprintf("%s, attempt %d", got.State, got.Attempts)
				switch c.want[i] {
				case sent:
					if got.State != mail.StateSent || got.Attempts != 1 {
						t.Errorf("%s: %s, want sent", m.To, was)
					}
				case failed:
					if got.State != mail.StateFailed || got.Attempts != 1 || !strings.Contains(got.LastError, c.reply[:3]) {
						t.Errorf("%s: %s, %q, want failed with the refusal", m.To, was, got.LastError)
					}
				case tried:
					if got.State != mail.StatePending || got.Attempts != 1 || !strings.Contains(got.LastError, c.reply[:3]) {
						t.Errorf("%s: %s, %q, want pending after an attempt, with the refusal", m.To, was, got.LastError)
					}
				case waits:
					if got.State != mail.StatePending || got.Attempts != 0 || !strings.Contains(got.LastError, c.reply[:3]) {
						t.Errorf("%s: %s, %q, want pending without an attempt, with the refusal", m.To, was, got.LastError)
					}
				}
			}
		})
	}
}

// A server that ends every session before its first message (here at the
// NOOP go-mail sends first) is refusing every message: after one new
// connection the batch stops, no message spending an attempt, and the
// sender pauses (TestOutagePausesTheSender), rather than trying again at
// once. The first message spent an attempt at every try.
func TestEverySessionLostBeforeItsFirstMessage(t *testing.T) {
	t.Parallel()
	f := startFakeSMTP(t, func(conn int, verb, arg string) (string, bool) { return "", verb == "NOOP" })
	db, s, msgs := throughFake(t, f, "first@cityhub.test", "second@cityhub.test")
	if n, err := s.SendDue(context.Background()); err != nil || n != 2 {
		t.Fatalf("SendDue = %d, %v", n, err)
	}
	for _, m := range msgs {
		if got := readMail(t, db, m.ID); got.State != mail.StatePending || got.Attempts != 0 || !strings.Contains(got.LastError, "lost again") {
			t.Errorf("%s: %s, attempt %d, %q; want pending without an attempt, with the refusal", m.To, got.State, got.Attempts, got.LastError)
		}
	}
	if f.Conns() != 2 {
		t.Errorf("%d connections, want 2", f.Conns())
	}
	// The sender pauses: it claims nothing, and the server hears nothing.
	if n, err := s.SendDue(context.Background()); err != nil || n != 0 || f.Conns() != 2 {
		t.Errorf("SendDue at once = %d, %v, %d connections; want nothing claimed, 2 connections", n, err, f.Conns())
	}
}
