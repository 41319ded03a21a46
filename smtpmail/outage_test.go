package smtpmail_test

import (
	"context"
	"fmt"
	"log/slog"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	promtest "github.com/prometheus/client_golang/prometheus/testutil"

	"cityhub/internal/testutil"
	"cityhub/mail"
	"cityhub/mail/mailtest"
	"cityhub/outbox"
	"cityhub/smtpmail"
	"cityhub/store"
	"cityhub/store/storetest"
)

const (
	outageStarts = "the SMTP server refuses every e-mail"
	outageEnds   = "the SMTP server takes e-mails again"
)

// runSender runs s until the test ends.
func runSender(t *testing.T, s *outbox.Sender) {
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() { defer close(done); s.Run(ctx) }()
	t.Cleanup(func() { cancel(); <-done })
}

// A server that refuses every message pauses the sender, whatever the
// refusal: the greeting, MAIL FROM (a quota, a sender refused), a login
// the session cannot make, every session ended before its first message.
// With more e-mails queued than a batch and a sender that looks every
// millisecond, it tries the server again only after waits that double (at
// least half of 20, 40, 80, 160 ms), not at each look: n tries take at
// least 10·(2ⁿ⁻¹−1) ms, so the tries in a window grow with its logarithm.
// No e-mail spends an attempt (two would fail it here), each waits pending
// with the refusal as its last error, and the outage is logged once.
// Once the server answers, the next try delivers every e-mail, each on
// its first attempt, and the outage's end is logged once. The sender
// tried the server at each look while any e-mail was due (with a full
// batch due, in a loop), and each try spent one e-mail's attempt, so an
// hour's outage failed them all.
func TestOutagePausesTheSender(t *testing.T) {
	t.Parallel()
	for _, c := range []struct {
		name        string
		user        bool // the URL asks for a login
		connsPerTry int
		refuse      func(verb string) (reply string, hangUp bool) // while down
		serve       func(verb string) (reply string, hangUp bool) // once up; nil: the usual replies
		lastError   string
	}{
		{name: "greeting 421", connsPerTry: 1, lastError: "421",
			refuse: func(verb string) (string, bool) { return "421 4.3.2 Service shutting down", verb == "" }},
		{name: "greeting 554", connsPerTry: 1, lastError: "554",
			refuse: func(verb string) (string, bool) { return "554 5.3.2 No service here", verb == "" }},
		{name: "quota at MAIL FROM", connsPerTry: 1, lastError: "451",
			refuse: func(verb string) (string, bool) {
				if verb == "MAIL" {
					return "451 4.7.1 Daily sending quota exceeded", false
				}
				return "", false
			}},
		{name: "sender refused at MAIL FROM", connsPerTry: 1, lastError: "553",
			refuse: func(verb string) (string, bool) {
				if verb == "MAIL" {
					return "553 5.7.1 Sender not authorised", false
				}
				return "", false
			}},
		{name: "login refused", user: true, connsPerTry: 1, lastError: "535",
			refuse: func(verb string) (string, bool) { return login(verb, "535 5.7.8 Authentication credentials invalid") },
			serve:  func(verb string) (string, bool) { return login(verb, "334 PDEyMzQ1QGZha2U+") }},
		{name: "every session ends before its first message", connsPerTry: 2, lastError: "lost again",
			refuse: func(verb string) (string, bool) { return "", verb == "NOOP" }},
	} {
		t.Run(c.name, func(t *testing.T) {
			t.Parallel()
			var (
				down  atomic.Bool
				mu    sync.Mutex
				tries []time.Time // when each try's first connection was greeted
			)
			down.Store(true)
			const want = 5
			tried := make(chan struct{}, want)
			// The last try counted waits for the sender to be stopped, so
			// that it stops inside a delivery, never inside a claim.
			hold := make(chan struct{})
			f := startFakeSMTP(t, func(conn int, verb, arg string) (string, bool) {
				if verb == "" && (conn-1)%c.connsPerTry == 0 && down.Load() {
					mu.Lock()
					if len(tries) < want {
						tries = append(tries, time.Now())
						tried <- struct{}{}
					}
					last := len(tries) == want
					mu.Unlock()
					if last {
						<-hold
					}
				}
				if down.Load() {
					return c.refuse(verb)
				}
				if c.serve != nil {
					return c.serve(verb)
				}
				return "", false
			})
			tos := make([]string, 25)
			for i := range tos {
				tos[i] = fmt.Sprintf("n%02d@cityhub.test", i)
			}
			db, _, msgs := throughFake(t, f, tos...)
			url := f.URL()
			if c.user {
				// A login is refused with tls=none; the fake offers no
				// STARTTLS, so the session is plain all the same, and
				// its CRAM-MD5 keeps the password off the wire.
				url = strings.Replace(strings.Replace(url, "smtp://", "smtp://hub:s3cret@", 1), "tls=none", "tls=opportunistic", 1)
			}
			tr, err := smtpmail.New(smtpmail.Config{URL: url, From: mailtest.From, Timeout: 5 * time.Second}, storetest.Logger(t))
			if err != nil {
				t.Fatal(err)
			}
			var logs testutil.Buffer
			s := outbox.NewSender(db.Outbox(), tr, outbox.SenderOptions{Batch: 10, Poll: time.Millisecond, MaxAttempts: 2,
				BaseDelay: 20 * time.Millisecond, MaxDelay: 10 * time.Second}, slog.New(slog.NewTextHandler(&logs, nil)))

			ctx, cancel := context.WithCancel(context.Background())
			stopped := make(chan struct{})
			go func() { defer close(stopped); s.Run(ctx) }()
			stop := sync.OnceFunc(func() { cancel(); close(hold); <-stopped })
			t.Cleanup(stop)
			for range want {
				testutil.Receive(t, 10*time.Second, "a try", tried)
			}
			stop()
			mu.Lock()
			got := append([]time.Time(nil), tries...)
			mu.Unlock()
			for k := 1; k < len(got); k++ {
				// The pause before try k+1: at least half of 20 ms·2ᵏ⁻¹.
				least := 20 * time.Millisecond << (k - 1) / 2
				if gap := got[k].Sub(got[k-1]); gap < least {
					t.Errorf("try %d came %s after the one before, want at least %s (tries at %v)", k+1, gap, least, offsets(got))
				}
			}
			if paused := promtest.ToFloat64(s); paused != 1 {
				t.Errorf("cityhub_mail_sender_paused = %v during the outage, want 1", paused)
			}
			for _, m := range msgs {
				r := readMail(t, db, m.ID)
				if r.State != mail.StatePending || r.Attempts != 0 || !strings.Contains(r.LastError, c.lastError) {
					t.Fatalf("%s during the outage: %s, attempt %d, %q; want pending, no attempt spent, the refusal as last error",
						m.To, r.State, r.Attempts, r.LastError)
				}
			}
			if n := strings.Count(logs.String(), outageStarts); n != 1 {
				t.Errorf("the outage's start logged %d times, want once:\n%s", n, logs.String())
			}

			down.Store(false)
			runSender(t, s)
			testutil.Eventually(t, 10*time.Second, "every e-mail accepted once the server answers", func() bool {
				return len(f.Accepted()) >= len(tos)
			})
			testutil.Eventually(t, 10*time.Second, "every e-mail recorded sent", func() bool {
				for _, m := range msgs {
					if readMail(t, db, m.ID).State != mail.StateSent {
						return false
					}
				}
				return true
			})
			if got := f.Accepted(); len(got) != len(tos) {
				t.Errorf("the server accepted %d e-mails, want %d", len(got), len(tos))
			}
			for _, m := range msgs {
				if r := readMail(t, db, m.ID); r.Attempts != 1 || r.LastError != "" {
					t.Errorf("%s: sent on attempt %d with error %q, want the first, none", m.To, r.Attempts, r.LastError)
				}
			}
			if n := strings.Count(logs.String(), outageEnds); n != 1 {
				t.Errorf("the outage's end logged %d times, want once:\n%s", n, logs.String())
			}
			if paused := promtest.ToFloat64(s); paused != 0 {
				t.Errorf("cityhub_mail_sender_paused = %v after the outage, want 0", paused)
			}
		})
	}
}

// login answers as a server that offers CRAM-MD5, the one login go-mail
// makes without TLS: auth is its reply to AUTH, a 334 challenge to accept
// whatever comes back (the only line that is no SMTP verb) or a refusal.
func login(verb, auth string) (string, bool) {
	switch verb {
	case "EHLO":
		return "250-fake.test\r\n250-8BITMIME\r\n250-ENHANCEDSTATUSCODES\r\n250 AUTH CRAM-MD5", false
	case "AUTH":
		return auth, false
	case "", "HELO", "MAIL", "RCPT", "DATA", ".", "NOOP", "RSET", "QUIT":
		return "", false
	}
	return "235 2.7.0 Authentication successful", false
}

// offsets shows times as offsets from the first.
func offsets(ts []time.Time) []time.Duration {
	out := make([]time.Duration, len(ts))
	for i, t := range ts {
		out[i] = t.Sub(ts[0]).Round(time.Millisecond)
	}
	return out
}

// A refusal that reads as the session's but is given to one message's
// recipient (a relay refusal, here for one address only) costs that
// message its attempts, so it ends failed at the cap, and does not hold
// the sender paused: the e-mails queued after it are delivered, and the
// sender is no longer paused once they are. A refusal of the message
// itself (a mailbox busy) pauses nothing at all.
func TestOneMessagesRefusalDoesNotHoldTheSender(t *testing.T) {
	t.Parallel()
	f := startFakeSMTP(t, func(conn int, verb, arg string) (string, bool) {
		if verb != "RCPT" {
			return "", false
		}
		switch {
		case strings.Contains(arg, "relay@"):
			return "554 5.7.1 Relay access denied", false
		case strings.Contains(arg, "busy@"):
			return "450 4.2.1 Mailbox busy", false
		}
		return "", false
	})
	db, _, msgs := throughFake(t, f, "relay@elsewhere.test", "busy@cityhub.test", "a@cityhub.test", "b@cityhub.test")
	tr, err := smtpmail.New(smtpmail.Config{URL: f.URL(), From: mailtest.From, Timeout: 5 * time.Second}, storetest.Logger(t))
	if err != nil {
		t.Fatal(err)
	}
	var logs testutil.Buffer
	s := outbox.NewSender(db.Outbox(), tr, outbox.SenderOptions{Batch: 10, Poll: time.Millisecond, MaxAttempts: 3,
		BaseDelay: 5 * time.Millisecond, MaxDelay: 20 * time.Millisecond}, slog.New(slog.NewTextHandler(&logs, nil)))
	runSender(t, s)
	testutil.Eventually(t, 10*time.Second, "the refused e-mails failed, the others sent", func() bool {
		return readMail(t, db, msgs[0].ID).State == mail.StateFailed && readMail(t, db, msgs[1].ID).State == mail.StateFailed &&
			readMail(t, db, msgs[2].ID).State == mail.StateSent && readMail(t, db, msgs[3].ID).State == mail.StateSent
	})
	for _, m := range msgs[:2] {
		if r := readMail(t, db, m.ID); r.Attempts != 3 {
			t.Errorf("%s failed after %d attempts, want 3", m.To, r.Attempts)
		}
	}
	// The sender resumes: a new e-mail, after the last refusal, is
	// delivered and ends the pause the relay refusal began.
	more := enqueueTo(t, db, "c@cityhub.test")
	testutil.Eventually(t, 10*time.Second, "the e-mail queued after the refusals sent", func() bool {
		return readMail(t, db, more.ID).State == mail.StateSent
	})
	if paused := promtest.ToFloat64(s); paused != 0 {
		t.Errorf("cityhub_mail_sender_paused = %v once e-mails go again, want 0", paused)
	}
}

// enqueueTo queues one e-mail to to in db's outbox, due now.
func enqueueTo(t *testing.T, db store.DB, to string) mail.Message {
	t.Helper()
	var m mail.Message
	err := db.Outbox().InTx(context.Background(), func(tx outbox.Tx) error {
		var err error
		m, err = mail.Enqueue(context.Background(), tx, mail.Message{Kind: "test", Locale: "it", To: to, Subject: "dopo",
			Text: "testo", HTML: "<p>testo</p>"}, time.Now())
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	return m
}
