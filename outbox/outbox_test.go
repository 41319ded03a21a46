package outbox_test

import (
	"context"
	"errors"
	"fmt"
	"net"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"
	"unicode/utf8"

	"github.com/prometheus/client_golang/prometheus"
	promtestutil "github.com/prometheus/client_golang/prometheus/testutil"

	"cityhub/apperr"
	"cityhub/identity"
	"cityhub/ids"
	"cityhub/internal/testutil"
	"cityhub/mail"
	"cityhub/mail/mailtest"
	"cityhub/outbox"
	"cityhub/qrtoken"
	"cityhub/smtpmail"
	"cityhub/store"
	"cityhub/store/storetest"
)

var (
	admin   = identity.Caller{AccountID: "acc_admin", Grants: []identity.Grant{{Role: identity.RoleAdmin}}}
	citizen = identity.Caller{AccountID: "acc_cit", Grants: []identity.Grant{{Role: identity.RoleCitizen}}}
)

func message(to, subject string) mail.Message {
	return mail.Message{Kind: "test", Locale: "it", To: to, ToName: "Anna Rossi", Subject: subject,
		Text: "testo " + subject, HTML: "<p>testo " + subject + "</p>"}
}

// enqueue writes msgs in one transaction of the outbox's store.
func enqueue(t *testing.T, db store.DB, msgs ...mail.Message) []mail.Message {
	t.Helper()
	out := make([]mail.Message, 0, len(msgs))
	err := db.Outbox().InTx(context.Background(), func(tx outbox.Tx) error {
		for _, m := range msgs {
			m, err := mail.Enqueue(context.Background(), tx, m, time.Now())
			if err != nil {
				return err
			}
			out = append(out, m)
		}
		return nil
	})
	if err != nil {
		t.Fatalf("enqueue: %v", err)
	}
	return out
}

func read(t *testing.T, db store.DB, id string) mail.Message {
	t.Helper()
	m, err := outbox.NewService(db.Outbox()).Get(context.Background(), admin, id)
	if err != nil {
		t.Fatalf("read %s: %v", id, err)
	}
	return m
}

// transport is an SMTP transport to smtpURL.
func transport(t *testing.T, smtpURL string) *smtpmail.Transport {
	t.Helper()
	tr, err := smtpmail.New(smtpmail.Config{URL: smtpURL, From: mailtest.From, Timeout: 5 * time.Second}, storetest.Logger(t))
	if err != nil {
		t.Fatal(err)
	}
	return tr
}

// closedPort is an SMTP URL where nothing listens.
func closedPort(t *testing.T) string {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := l.Addr().String()
	l.Close()
	return "smtp://" + addr + "?tls=none"
}

// run starts s until the test ends (or stop is called) and returns stop.
func run(t *testing.T, s *outbox.Sender) (stop func()) {
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() { defer close(done); s.Run(ctx) }()
	stop = func() { cancel(); <-done }
	t.Cleanup(stop)
	return stop
}

// counting counts what a transport delivered.
type counting struct {
	*smtpmail.Transport
	sent atomic.Int64
	// after, when set, is another sender's transport: this one delivers
	// nothing until that one delivered its first message (or 10 s
	// passed), so that both senders take part whatever the scheduler does.
	after     *counting
	firstOnce sync.Once
	first     chan struct{} // closed at the first message delivered
}

func newCounting(t *testing.T) *counting {
	return &counting{Transport: transport(t, mailtest.SMTPURL()), first: make(chan struct{})}
}

func (c *counting) Deliver(ctx context.Context, msgs []mail.Message, done func(int, error)) error {
	if c.after != nil {
		select {
		case <-c.after.first:
		case <-time.After(10 * time.Second):
		case <-ctx.Done():
			return ctx.Err()
		}
	}
	return c.Transport.Deliver(ctx, msgs, func(i int, err error) {
		if err == nil {
			c.sent.Add(1)
			c.firstOnce.Do(func() { close(c.first) })
		}
		done(i, err)
	})
}

// The store's contract: a claim takes due messages once, a lease that ran
// out lets another claim take over and only the newest claim may finish.
func TestStoreClaimLease(t *testing.T) {
	t.Parallel()
	storetest.Each(t, func(t *testing.T, db store.DB) {
		ctx := context.Background()
		m := message("claim@cityhub.test", "uno")
		m.Attachments = []mail.Attachment{{Name: "qr.png", ContentType: "image/png", Data: []byte{0x89, 'P', 'N', 'G'}},
			{Name: "event.ics", ContentType: "text/calendar", Data: []byte("BEGIN:VCALENDAR\r\nEND:VCALENDAR\r\n")}}
		m = enqueue(t, db, m)[0]
		if m.State != mail.StatePending || m.MessageID == "" {
			t.Fatalf("enqueued %+v", m)
		}
		now := time.Now().UTC().Truncate(time.Microsecond)
		claim := func(name string, at time.Time) []mail.Message {
			var got []mail.Message
			if err := db.Outbox().InTx(ctx, func(tx outbox.Tx) error {
				var err error
				got, err = tx.ClaimMail(ctx, name, at, at.Add(time.Minute), 10, 10)
				return err
			}); err != nil {
				t.Fatal(err)
			}
			return got
		}
		first := claim("c1", now)
		if len(first) != 1 || first[0].ID != m.ID || first[0].State != mail.StateSending || first[0].Attempts != 1 || first[0].Claim != "c1" ||
			len(first[0].Attachments) != 2 || string(first[0].Attachments[1].Data) != string(m.Attachments[1].Data) || first[0].Text != m.Text {
			t.Fatalf("first claim = %+v", first)
		}
		if got := claim("c2", now.Add(30*time.Second)); len(got) != 0 {
			t.Fatalf("claimed again within the lease: %+v", got)
		}
		second := claim("c3", now.Add(2*time.Minute))
		if len(second) != 1 || second[0].Attempts != 2 {
			t.Fatalf("claim after the lease = %+v", second)
		}
		finish := func(x mail.Message) bool {
			var ok bool
			if err := db.Outbox().InTx(ctx, func(tx outbox.Tx) error {
				var err error
				ok, err = tx.FinishMail(ctx, x)
				return err
			}); err != nil {
				t.Fatal(err)
			}
			return ok
		}
		stale := first[0]
		stale.State, stale.SentAt = mail.StateSent, now
		if finish(stale) {
			t.Fatal("a claim whose lease ran out finished the message")
		}
		done := second[0]
		done.State, done.SentAt = mail.StateSent, now.Add(2*time.Minute)
		if !finish(done) || finish(done) {
			t.Fatal("the current claim did not finish the message exactly once")
		}
		got := read(t, db, m.ID)
		if got.State != mail.StateSent || !got.SentAt.Equal(done.SentAt) || got.Attempts != 2 {
			t.Fatalf("after finish: %+v", got)
		}
		if got := claim("c4", now.Add(time.Hour)); len(got) != 0 {
			t.Fatalf("a sent message was claimed: %+v", got)
		}
	})
}

// A claim takes at most its limit of due messages, the oldest first, and
// claims in turn take each message once. (On PostgreSQL a claim written
// with its locking pick as a subquery could take every due message when
// the planner ran the pick again for each row it updated, as it sometimes
// chose to: TestMetrics once saw two messages sent by a sender of batches
// of one. Which plan it takes is its own choice; the bound holds either
// way now.)
func TestStoreClaimTakesAtMostItsLimit(t *testing.T) {
	t.Parallel()
	storetest.Each(t, func(t *testing.T, db store.DB) {
		ctx := context.Background()
		var want []string
		for i := range 7 {
			want = append(want, enqueue(t, db, message("limit@cityhub.test", fmt.Sprint("n. ", i)))[0].ID)
		}
		at := time.Now().UTC().Add(time.Second).Truncate(time.Microsecond)
		var got []string
		for round := 0; len(got) < len(want); round++ {
			var batch []mail.Message
			if err := db.Outbox().InTx(ctx, func(tx outbox.Tx) error {
				var err error
				batch, err = tx.ClaimMail(ctx, fmt.Sprint("c", round), at, at.Add(time.Hour), 2, 10)
				return err
			}); err != nil {
				t.Fatal(err)
			}
			if wantN := min(2, len(want)-len(got)); len(batch) != wantN {
				t.Fatalf("claim %d took %d messages, want %d", round, len(batch), wantN)
			}
			ids := make([]string, 0, len(batch))
			for _, m := range batch {
				ids = append(ids, m.ID)
			}
			next := slices.Clone(want[len(got) : len(got)+len(ids)])
			slices.Sort(ids)
			slices.Sort(next)
			if !slices.Equal(ids, next) {
				t.Fatalf("claim %d took %v, want the oldest not yet claimed: %v", round, ids, next)
			}
			got = append(got, ids...)
		}
	})
}

// A message enqueued in a transaction that rolls back does not exist: no
// sender finds it and nothing reaches the SMTP server.
func TestRolledBackMessageNeverSent(t *testing.T) {
	t.Parallel()
	storetest.Each(t, func(t *testing.T, db store.DB) {
		ctx := context.Background()
		to := mailtest.Recipient(t)
		boom := errors.New("the event failed")
		err := db.Outbox().InTx(ctx, func(tx outbox.Tx) error {
			if _, err := mail.Enqueue(ctx, tx, message(to, "rolled back"), time.Now()); err != nil {
				return err
			}
			return boom
		})
		if !errors.Is(err, boom) {
			t.Fatalf("InTx = %v", err)
		}
		// A committed message after it shows the sender did run and deliver.
		canary := mailtest.Recipient(t)
		enqueue(t, db, message(canary, "committed"))
		s := outbox.NewSender(db.Outbox(), transport(t, mailtest.SMTPURL()), outbox.SenderOptions{}, storetest.Logger(t))
		n, err := s.SendDue(ctx)
		if err != nil || n != 1 {
			t.Fatalf("SendDue = %d, %v; want the committed message only", n, err)
		}
		mailtest.WaitReceived(t, canary, 1, 10*time.Second)
		if got := mailtest.Received(t, to); len(got) != 0 {
			t.Fatalf("the rolled-back message arrived: %+v", got)
		}
		p, err := outbox.NewService(db.Outbox()).List(ctx, admin, "", "", 10)
		if err != nil || len(p.Messages) != 1 || p.Messages[0].To != canary {
			t.Fatalf("outbox = %+v, %v", p, err)
		}
	})
}

// A sent e-mail's links reach its mailbox whole, and the outbox keeps them
// with their tokens hidden: a database or a backup read later holds no live
// reset or confirmation link, where the accounts keep only its hash.
func TestSentMailKeepsNoLinkToken(t *testing.T) {
	t.Parallel()
	storetest.Each(t, func(t *testing.T, db store.DB) {
		ctx := context.Background()
		to := mailtest.Recipient(t)
		const link = "https://hub.example/password/reset?token=pr_S3cretLinkToken"
		m := message(to, "reset")
		m.Text += "\n" + link + "\n"
		m.HTML += `<p><a href="` + link + `">` + link + `</a></p>`
		id := enqueue(t, db, m)[0].ID
		s := outbox.NewSender(db.Outbox(), transport(t, mailtest.SMTPURL()), outbox.SenderOptions{}, storetest.Logger(t))
		if n, err := s.SendDue(ctx); err != nil || n != 1 {
			t.Fatalf("SendDue = %d, %v", n, err)
		}
		got := mailtest.WaitReceived(t, to, 1, 10*time.Second)
		if body := mailtest.Read(t, got[0].ID).Text; !strings.Contains(body, "pr_S3cretLinkToken") {
			t.Fatalf("the e-mail arrived without its link: %q", body)
		}
		kept := read(t, db, id)
		if kept.State != mail.StateSent {
			t.Fatalf("state = %s, want sent", kept.State)
		}
		for _, body := range []string{kept.Text, kept.HTML} {
			if strings.Contains(body, "pr_S3cretLinkToken") || !strings.Contains(body, "token="+mail.Hidden) {
				t.Errorf("the outbox keeps %q, want the link's token hidden", body)
			}
		}
	})
}

// Two senders racing over one outbox deliver each message exactly once.
func TestTwoSendersDeliverEachOnce(t *testing.T) {
	t.Parallel()
	storetest.Each(t, func(t *testing.T, db store.DB) {
		const total = 200
		to := mailtest.Recipient(t)
		msgs := make([]mail.Message, total)
		for i := range msgs {
			msgs[i] = message(to, "race "+string(rune('A'+i%26)))
		}
		enqueued := enqueue(t, db, msgs...)
		opts := outbox.SenderOptions{Batch: 7, Poll: 5 * time.Millisecond}
		// a holds the batch it claims first until b delivered one of its
		// own: both take part, so the claims really race, however the
		// machine schedules them.
		ta, tb := newCounting(t), newCounting(t)
		ta.after = tb
		a := outbox.NewSender(db.Outbox(), ta, opts, storetest.Logger(t))
		b := outbox.NewSender(db.Outbox(), tb, opts, storetest.Logger(t))
		run(t, a)
		run(t, b)
		svc := outbox.NewService(db.Outbox())
		testutil.Eventually(t, 60*time.Second, "every message sent", func() bool {
			p, err := svc.List(context.Background(), admin, "", "", 1)
			return err == nil && p.Counts[mail.StateSent] == total
		})
		got := mailtest.WaitReceived(t, to, total, 20*time.Second)
		seen := map[string]int{}
		for _, m := range got {
			seen["<"+m.MessageID+">"]++
		}
		for _, m := range enqueued {
			if seen[m.MessageID] != 1 {
				t.Errorf("%s arrived %d times", m.MessageID, seen[m.MessageID])
			}
		}
		if len(got) != total {
			t.Fatalf("mailpit holds %d messages, want %d", len(got), total)
		}
		// Both senders took part, so the claims really raced.
		if na, nb := ta.sent.Load(), tb.sent.Load(); na == 0 || nb == 0 || na+nb != total {
			t.Fatalf("senders delivered %d and %d", na, nb)
		}
		for _, m := range enqueued {
			if r := read(t, db, m.ID); r.Attempts != 1 || r.State != mail.StateSent {
				t.Fatalf("%s: %+v", m.ID, r)
			}
		}
	})
}

// With the SMTP server down (nothing listens), the message waits pending
// with the error, no attempt spent on it, and the sender pauses: it claims
// nothing more for now, and says so on its metric. Once a server answers,
// the message is delivered once, on its first attempt. Each look at the
// server down spent an attempt, and an hour's outage failed the message.
func TestRetriedUntilSMTPComesBack(t *testing.T) {
	t.Parallel()
	storetest.Each(t, func(t *testing.T, db store.DB) {
		to := mailtest.Recipient(t)
		m := enqueue(t, db, message(to, "retry"))[0]
		opts := outbox.SenderOptions{Poll: 5 * time.Millisecond, BaseDelay: time.Minute, MaxAttempts: 2}
		down := outbox.NewSender(db.Outbox(), transport(t, closedPort(t)), opts, storetest.Logger(t))
		reg := prometheus.NewPedanticRegistry()
		if err := reg.Register(down); err != nil {
			t.Fatal(err)
		}
		if n, err := down.SendDue(t.Context()); err != nil || n != 1 {
			t.Fatalf("SendDue = %d, %v", n, err)
		}
		waiting := read(t, db, m.ID)
		if waiting.State != mail.StatePending || waiting.Attempts != 0 || !strings.Contains(waiting.LastError, "connect to") {
			t.Fatalf("while the server is down: %+v", waiting)
		}
		if n, err := down.SendDue(t.Context()); err != nil || n != 0 {
			t.Fatalf("SendDue again at once = %d, %v; want nothing claimed while paused", n, err)
		}
		if r := read(t, db, m.ID); r.Attempts != 0 || r.State != mail.StatePending {
			t.Fatalf("after a look while paused: %+v", r)
		}
		if err := promtestutil.GatherAndCompare(reg, strings.NewReader(`# HELP cityhub_mail_sender_paused 1 while this replica's sender pauses because the SMTP server refuses every e-mail (unreachable, refusing the connection, the login or the sender); 0 otherwise.
# TYPE cityhub_mail_sender_paused gauge
cityhub_mail_sender_paused 1
`)); err != nil {
			t.Error(err)
		}
		if got := mailtest.Received(t, to); len(got) != 0 {
			t.Fatalf("delivered while down: %+v", got)
		}
		up := outbox.NewSender(db.Outbox(), transport(t, mailtest.SMTPURL()), opts, storetest.Logger(t))
		run(t, up)
		// The outbox's own record first, so that a failure tells where
		// the message stopped (its state and last error) rather than only
		// that the SMTP server has nothing.
		var sent mail.Message
		seen := ""
		testutil.Eventually(t, 20*time.Second, "recorded as sent", func() bool {
			sent = read(t, db, m.ID)
			if now := fmt.Sprintf("%s, attempt %d, next %s: %s", sent.State, sent.Attempts, sent.NextAttemptAt.Format(time.RFC3339Nano), sent.LastError); now != seen {
				seen = now
				t.Logf("outbox: %s", now) // shown only when the test fails
			}
			if sent.State == mail.StateFailed {
				t.Fatalf("given up after the server came back: %+v", sent)
			}
			return sent.State == mail.StateSent
		})
		got := mailtest.WaitReceived(t, to, 1, 20*time.Second)
		if len(got) != 1 || "<"+got[0].MessageID+">" != m.MessageID || sent.Attempts != 1 || sent.LastError != "" {
			t.Fatalf("after the server came back: mailpit %+v, outbox %+v", got, sent)
		}
	})
}

// A message out of attempts (its recipient's server answered "busy" each
// time) is kept as failed with its error, visible to an administrator, who
// may retry it: then it is delivered.
func TestFailedKeptAndRetriedByAdministrator(t *testing.T) {
	t.Parallel()
	storetest.Each(t, func(t *testing.T, db store.DB) {
		ctx := context.Background()
		to := mailtest.Recipient(t)
		m := enqueue(t, db, message(to, "gives up"))[0]
		opts := outbox.SenderOptions{Poll: 5 * time.Millisecond, BaseDelay: 5 * time.Millisecond, MaxDelay: 10 * time.Millisecond, MaxAttempts: 2}
		busy := &scripted{errs: map[string]error{to: errors.New("450 4.2.1 Mailbox busy")}}
		stop := run(t, outbox.NewSender(db.Outbox(), busy, opts, storetest.Logger(t)))
		testutil.Eventually(t, 20*time.Second, "failed", func() bool { return read(t, db, m.ID).State == mail.StateFailed })
		stop()
		svc := outbox.NewService(db.Outbox())
		p, err := svc.List(ctx, admin, mail.StateFailed, "", 10)
		if err != nil || len(p.Messages) != 1 || p.Messages[0].Attempts != 2 || p.Messages[0].LastError == "" || p.Counts[mail.StateFailed] != 1 {
			t.Fatalf("failed list = %+v, %v", p, err)
		}
		if _, err := svc.Retry(ctx, citizen, m.ID); !apperr.Has(err, apperr.Forbidden) {
			t.Fatalf("a citizen retried: %v", err)
		}
		r, err := svc.Retry(ctx, admin, m.ID)
		if err != nil || r.State != mail.StatePending || r.Attempts != 0 {
			t.Fatalf("Retry = %+v, %v", r, err)
		}
		if _, err := svc.Retry(ctx, admin, m.ID); !apperr.Has(err, apperr.Conflict) {
			t.Fatalf("retry of a pending message = %v, want Conflict", err)
		}
		if _, err := svc.Retry(ctx, admin, "mail_nope"); !apperr.Has(err, apperr.NotFound) {
			t.Fatalf("retry of nothing = %v, want NotFound", err)
		}
		run(t, outbox.NewSender(db.Outbox(), transport(t, mailtest.SMTPURL()), opts, storetest.Logger(t)))
		mailtest.WaitReceived(t, to, 1, 20*time.Second)
	})
}

// A sender that died holding a claim leaves the message to another sender
// once the lease runs out.
func TestCrashedSendersLeaseExpires(t *testing.T) {
	t.Parallel()
	storetest.Each(t, func(t *testing.T, db store.DB) {
		ctx := context.Background()
		to := mailtest.Recipient(t)
		m := enqueue(t, db, message(to, "orphan"))[0]
		// The dead sender's claim, its lease over as soon as it was taken.
		now := time.Now()
		if err := db.Outbox().InTx(ctx, func(tx outbox.Tx) error {
			got, err := tx.ClaimMail(ctx, "dead", now, now, 10, 10)
			if err == nil && len(got) != 1 {
				err = errors.New("nothing claimed")
			}
			return err
		}); err != nil {
			t.Fatal(err)
		}
		s := outbox.NewSender(db.Outbox(), transport(t, mailtest.SMTPURL()), outbox.SenderOptions{}, storetest.Logger(t))
		if n, err := s.SendDue(ctx); err != nil || n != 1 {
			t.Fatalf("SendDue = %d, %v", n, err)
		}
		mailtest.WaitReceived(t, to, 1, 10*time.Second)
		if r := read(t, db, m.ID); r.State != mail.StateSent || r.Attempts != 2 {
			t.Fatalf("after the lease: %+v", r)
		}
	})
}

// Only a city administrator sees the outbox; bad filters are Invalid.
func TestServiceAuthorization(t *testing.T) {
	t.Parallel()
	storetest.Each(t, func(t *testing.T, db store.DB) {
		ctx := context.Background()
		m := enqueue(t, db, message("auth@cityhub.test", "auth"))[0]
		svc := outbox.NewService(db.Outbox())
		for _, c := range []identity.Caller{{}, citizen, {AccountID: "acc_op", Grants: []identity.Grant{{Role: identity.RoleOperator}}},
			{AccountID: "acc_m", Grants: []identity.Grant{{Role: identity.RoleMerchant, Scope: "shop_1"}}}} {
			if _, err := svc.List(ctx, c, "", "", 10); !apperr.Has(err, apperr.Forbidden) {
				t.Errorf("%+v lists: %v", c, err)
			}
			if _, err := svc.Get(ctx, c, m.ID); !apperr.Has(err, apperr.Forbidden) {
				t.Errorf("%+v reads: %v", c, err)
			}
		}
		for _, bad := range []struct {
			state string
			limit int
		}{{"lost", 10}, {"", 0}, {"", outbox.MaxPage + 1}} {
			if _, err := svc.List(ctx, admin, bad.state, "", bad.limit); !apperr.Has(err, apperr.Invalid) {
				t.Errorf("List(%q, %d) = %v, want Invalid", bad.state, bad.limit, err)
			}
		}
		if _, err := svc.Get(ctx, admin, "mail_nope"); !apperr.Has(err, apperr.NotFound) {
			t.Errorf("Get of nothing = %v", err)
		}
		// Pages follow the cursor, newest first.
		enqueue(t, db, message("auth@cityhub.test", "two"), message("auth@cityhub.test", "three"))
		p1, err := svc.List(ctx, admin, "", "", 2)
		if err != nil || len(p1.Messages) != 2 || p1.Next == "" || p1.Counts[mail.StatePending] != 3 {
			t.Fatalf("page 1 = %+v, %v", p1, err)
		}
		p2, err := svc.List(ctx, admin, "", p1.Next, 2)
		if err != nil || len(p2.Messages) != 1 || p2.Next != "" || p2.Messages[0].ID == p1.Messages[0].ID || p2.Messages[0].ID == p1.Messages[1].ID {
			t.Fatalf("page 2 = %+v, %v", p2, err)
		}
		// A cursor of another shape than a message id was never given,
		// nor one that names no message (made up, or gone with an erased
		// account's mail): an empty page would read as the list's end.
		for _, bad := range []string{ids.New("mail"), "zzz", "mail_nope", strings.ToUpper(p1.Next), "acc_" + strings.TrimPrefix(p1.Next, "mail_")} {
			if _, err := svc.List(ctx, admin, "", bad, 2); apperr.CodeOf(err) != apperr.Invalid || apperr.ReasonOf(err) != "bad_cursor" {
				t.Errorf("List after %q = %v, want invalid bad_cursor", bad, err)
			}
		}
	})
}

// Backoff doubles from the base up to the cap, with jitter in the upper half.
func TestBackoff(t *testing.T) {
	base, max := 30*time.Second, time.Hour
	for _, c := range []struct {
		attempts int
		nominal  time.Duration
	}{{1, 30 * time.Second}, {2, time.Minute}, {3, 2 * time.Minute}, {8, 64 * time.Minute}, {50, time.Hour}} {
		want := min(c.nominal, max)
		for range 100 {
			if d := outbox.Backoff(c.attempts, base, max); d < want/2 || d > want {
				t.Fatalf("Backoff(%d) = %s, want within [%s, %s]", c.attempts, d, want/2, want)
			}
		}
	}
}

// stalling delivers through a real SMTP transport, one message at a time;
// on its first batch it stalls at message stallAt until the sender's
// deadline passes, as a server that stops answering mid-batch would.
type stalling struct {
	*smtpmail.Transport
	stallAt int
	stalled atomic.Bool
}

// Timeout is short, so the sender's lease is too.
func (s *stalling) Timeout() time.Duration { return 50 * time.Millisecond }

func (s *stalling) Deliver(ctx context.Context, msgs []mail.Message, done func(int, error)) error {
	for i, m := range msgs {
		if i == s.stallAt && !s.stalled.Swap(true) {
			<-ctx.Done()
			return ctx.Err()
		}
		if err := s.Transport.Deliver(ctx, []mail.Message{m}, func(_ int, err error) { done(i, err) }); err != nil {
			return err
		}
	}
	return nil
}

// A sender starts no message its lease has no room for: the rest of the
// batch goes back to pending without counting an attempt, and is sent on
// a later claim, each message once.
func TestLeaseEndsMidBatch(t *testing.T) {
	t.Parallel()
	db := storetest.Open(t, "sqlite")
	to := mailtest.Recipient(t)
	msgs := make([]mail.Message, 12)
	for i := range msgs {
		msgs[i] = message(to, "slow")
	}
	enqueued := enqueue(t, db, msgs...)
	// A delivery that the short lease cuts off on a loaded machine counts
	// an attempt and is retried after a backoff; with the default (15 to
	// 30 s) the test waited that long, and near its 30 s limit.
	s := outbox.NewSender(db.Outbox(), &stalling{Transport: transport(t, mailtest.SMTPURL()), stallAt: 3},
		outbox.SenderOptions{Batch: 12, Poll: 5 * time.Millisecond, BaseDelay: 10 * time.Millisecond, MaxDelay: 50 * time.Millisecond},
		storetest.Logger(t))
	n, err := s.SendDue(context.Background())
	if err != nil || n != 12 {
		t.Fatalf("SendDue = %d, %v", n, err)
	}
	p, err := outbox.NewService(db.Outbox()).List(context.Background(), admin, "", "", 20)
	if err != nil || p.Counts[mail.StatePending] < 9 || p.Counts[mail.StateSending] != 0 {
		t.Fatalf("after one lease: %+v, %v", p.Counts, err)
	}
	for _, m := range p.Messages {
		if m.State == mail.StatePending && (m.Attempts != 0 || m.LastError != "") {
			t.Fatalf("a message never sent counts an attempt: %+v", m)
		}
	}
	run(t, s)
	mailtest.WaitReceived(t, to, len(enqueued), 30*time.Second)
	testutil.Eventually(t, 10*time.Second, "all sent", func() bool {
		p, err := outbox.NewService(db.Outbox()).List(context.Background(), admin, mail.StateSent, "", 20)
		return err == nil && len(p.Messages) == len(enqueued)
	})
	// Each arrived once. (Attempts are not compared: on a loaded machine a
	// delivery in the short lease may time out and count one.)
	if got := mailtest.Received(t, to); len(got) != len(enqueued) {
		t.Fatalf("%d arrived, want %d", len(got), len(enqueued))
	}
}

// Erasing an account erases its e-mails, sent or not: none is sent after.
func TestErasedAccountsMailIsGone(t *testing.T) {
	t.Parallel()
	storetest.Each(t, func(t *testing.T, db store.DB) {
		ctx := context.Background()
		if err := db.Identity().InTx(ctx, func(tx identity.Tx) error {
			return tx.InsertAccount(ctx, identity.Account{ID: "acc_gone", Email: "gone@example.org", Name: "Gone", Locale: "it",
				PasswordHash: "x", CreatedAt: time.Now().UTC()})
		}); err != nil {
			t.Fatal(err)
		}
		mine, other := message("gone@example.org", "mine"), message("stay@example.org", "other")
		mine.AccountID, other.AccountID = "acc_gone", "acc_stay"
		mine.Attachments = []mail.Attachment{{Name: "a.txt", ContentType: "text/plain", Data: []byte("x")}}
		enqueue(t, db, mine, other)
		if err := db.Identity().InTx(ctx, func(tx identity.Tx) error {
			return tx.AnonymiseAccount(ctx, "acc_gone", "deleted-acc_gone@invalid", time.Now().UTC())
		}); err != nil {
			t.Fatal(err)
		}
		p, err := outbox.NewService(db.Outbox()).List(ctx, admin, "", "", 10)
		if err != nil || len(p.Messages) != 1 || p.Messages[0].AccountID != "acc_stay" {
			t.Fatalf("after erasure: %+v, %v", p.Messages, err)
		}
	})
}

// A hub that sends its e-mails shows administrators the outbox without the
// tokens of its links: a password-reset link read there would open the
// account to whoever read it. Without SMTP the outbox is where e-mails are
// read, and shows them whole.
func TestOutboxHidesLinkSecretsWhenMailIsSent(t *testing.T) {
	t.Parallel()
	storetest.Each(t, func(t *testing.T, db store.DB) {
		ctx := context.Background()
		const secret = "pr_0123456789abcdefSECRET"
		link := "https://hub.example.org/password/reset?token=" + secret
		m := message("reset@cityhub.test", "reset")
		code, _ := qrtoken.NewCode() // a ticket's typed code, as its e-mail shows it
		m.Text = "Reimposta la password: " + link + "\nPlatea A 3: " + code + "\n"
		m.HTML = `<p><a href="https://hub.example.org/password/reset?lang=it&amp;token=` + secret + `">Reimposta</a></p>`
		m = enqueue(t, db, m)[0]
		whole := outbox.NewService(db.Outbox())
		if got, err := whole.Get(ctx, admin, m.ID); err != nil || !strings.Contains(got.Text, secret) || !strings.Contains(got.HTML, secret) {
			t.Fatalf("without SMTP the outbox hides the link: %+v, %v", got, err)
		}
		hiding := outbox.NewService(db.Outbox())
		hiding.HideLinkSecrets()
		got, err := hiding.Get(ctx, admin, m.ID)
		if err != nil || strings.Contains(got.Text, secret) || strings.Contains(got.HTML, secret) ||
			!strings.Contains(got.Text, "/password/reset?token=[hidden]") || !strings.Contains(got.HTML, "&amp;token=[hidden]") ||
			strings.Contains(got.Text, code) || !strings.Contains(got.Text, "Platea A 3: [hidden]") {
			t.Fatalf("with SMTP, the message shown:\n%s\n%s\n%v", got.Text, got.HTML, err)
		}
		p, err := hiding.List(ctx, admin, "", "", 10)
		if err != nil {
			t.Fatal(err)
		}
		for _, listed := range p.Messages {
			if strings.Contains(listed.Text, secret) || strings.Contains(listed.HTML, secret) {
				t.Fatalf("the list shows the link's token: %+v", listed)
			}
		}
		// What is sent is the whole message.
		if stored := read(t, db, m.ID); !strings.Contains(stored.Text, secret) {
			t.Fatal("hiding changed the stored message")
		}
	})
}

// scripted stands for an SMTP server: it answers each message with the
// error set for its recipient (none: accepted) and counts the messages it
// was handed.
type scripted struct {
	errs   map[string]error
	handed atomic.Int64
}

func (s *scripted) Timeout() time.Duration { return time.Second }

func (s *scripted) Deliver(ctx context.Context, msgs []mail.Message, done func(int, error)) error {
	for i, m := range msgs {
		s.handed.Add(1)
		done(i, s.errs[m.To])
	}
	return nil
}

// An error longer than the outbox keeps is cut between two characters,
// and bytes that are not UTF-8 (a server's reply may hold any) are dropped,
// so the result is recorded on either engine. PostgreSQL refused an error
// cut inside a character, and the message stayed sending, to be sent
// again at every lease; SQLite kept it, not UTF-8.
func TestLongErrorRecordedOnACharacterBoundary(t *testing.T) {
	t.Parallel()
	storetest.Each(t, func(t *testing.T, db store.DB) {
		ctx := context.Background()
		long := "451 " + strings.Repeat("a", 995) + "è, and more after the cut"
		bytes := "451 4.3.0 \xffbad\x00 bytes"
		msgs := enqueue(t, db, message("long@cityhub.test", "long"), message("bytes@cityhub.test", "bytes"))
		tr := &scripted{errs: map[string]error{"long@cityhub.test": errors.New(long), "bytes@cityhub.test": errors.New(bytes)}}
		s := outbox.NewSender(db.Outbox(), tr, outbox.SenderOptions{}, storetest.Logger(t))
		if n, err := s.SendDue(ctx); err != nil || n != 2 {
			t.Fatalf("SendDue = %d, %v", n, err)
		}
		for _, c := range []struct {
			id, want string
		}{{msgs[0].ID, long[:999]}, {msgs[1].ID, "451 4.3.0 bad bytes"}} {
			got := read(t, db, c.id)
			if got.State != mail.StatePending || got.Attempts != 1 || got.LastError != c.want {
				t.Errorf("recorded %s, attempt %d, error %q (%d bytes, UTF-8 %t); want pending, attempt 1, %q",
					got.State, got.Attempts, got.LastError, len(got.LastError), utf8.ValidString(got.LastError), c.want)
			}
		}
	})
}

// A message whose lease ran out on its last attempt is failed by the next
// claim, not sent once more: its result was never recorded (the sender
// died, or the database refused the record), and one that can never be
// recorded was sent again at every lease, for ever. One under the cap is
// still sent again.
func TestStaleClaimAtTheCapFails(t *testing.T) {
	t.Parallel()
	storetest.Each(t, func(t *testing.T, db store.DB) {
		ctx := context.Background()
		msgs := enqueue(t, db, message("stale@cityhub.test", "at the cap"))
		claim := func(name string) {
			t.Helper()
			// A dead sender's claim, its lease over as soon as it was taken.
			now := time.Now().UTC().Truncate(time.Microsecond)
			if err := db.Outbox().InTx(ctx, func(tx outbox.Tx) error {
				_, err := tx.ClaimMail(ctx, name, now, now, 10, 10)
				return err
			}); err != nil {
				t.Fatal(err)
			}
		}
		claim("dead1")
		msgs = append(msgs, enqueue(t, db, message("under@cityhub.test", "under the cap"))...)
		claim("dead2") // the first message's second attempt, the second's first
		tr := &scripted{}
		s := outbox.NewSender(db.Outbox(), tr, outbox.SenderOptions{MaxAttempts: 2}, storetest.Logger(t))
		if n, err := s.SendDue(ctx); err != nil || n != 1 {
			t.Fatalf("SendDue = %d, %v; want the message under the cap only", n, err)
		}
		if tr.handed.Load() != 1 {
			t.Fatalf("%d messages handed to the server, want 1", tr.handed.Load())
		}
		if got := read(t, db, msgs[0].ID); got.State != mail.StateFailed || got.Attempts != 2 || got.LastError == "" || got.Claim != "" {
			t.Fatalf("the message at the cap: %+v", got)
		}
		if got := read(t, db, msgs[1].ID); got.State != mail.StateSent || got.Attempts != 2 {
			t.Fatalf("the message under the cap: %+v", got)
		}
		if n, err := s.SendDue(ctx); err != nil || n != 0 || tr.handed.Load() != 1 {
			t.Fatalf("SendDue again = %d, %v, handed %d", n, err, tr.handed.Load())
		}
	})
}
