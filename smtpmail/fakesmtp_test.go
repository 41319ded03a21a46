package smtpmail_test

import (
	"bufio"
	"context"
	"fmt"
	"net"
	"strings"
	"sync"
	"testing"
	"time"

	"cityhub/mail"
	"cityhub/mail/mailtest"
	"cityhub/outbox"
	"cityhub/smtpmail"
	"cityhub/store"
	"cityhub/store/storetest"
)

// fakeSMTP is an SMTP server that misbehaves as a test needs, where Mailpit
// cannot: enough of the protocol for go-mail without TLS or AUTH. Each
// reply may be changed by answer, which is given the connection's number
// (from 1), the command's verb ("MAIL", "RCPT", "DATA", "NOOP", "RSET";
// "." for the end of a message's data) and its argument, and returns the
// reply to send instead of the usual one ("" keeps it) and whether to hang
// up after it (with no reply at all when it is "").
type fakeSMTP struct {
	l      net.Listener
	answer func(conn int, verb, arg string) (reply string, hangUp bool)

	mu       sync.Mutex
	conns    int
	seen     []string // each command, as "conn verb arg"
	accepted []string // the recipient of each message accepted at the end of DATA
	wg       sync.WaitGroup
}

func startFakeSMTP(t *testing.T, answer func(conn int, verb, arg string) (string, bool)) *fakeSMTP {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	f := &fakeSMTP{l: l, answer: answer}
	f.wg.Add(1)
	go func() {
		defer f.wg.Done()
		for {
			c, err := l.Accept()
			if err != nil {
				return
			}
			f.mu.Lock()
			f.conns++
			n := f.conns
			f.mu.Unlock()
			f.wg.Add(1)
			go func() { defer f.wg.Done(); f.session(n, c) }()
		}
	}()
	t.Cleanup(func() { l.Close(); f.wg.Wait() })
	return f
}

// URL is the server's address as the transport takes it.
func (f *fakeSMTP) URL() string { return "smtp://" + f.l.Addr().String() + "?tls=none" }

// Conns is how many connections the server took.
func (f *fakeSMTP) Conns() int { f.mu.Lock(); defer f.mu.Unlock(); return f.conns }

// Accepted lists the recipients of the messages accepted, in order.
func (f *fakeSMTP) Accepted() []string {
	f.mu.Lock()
	defer f.mu.Unlock()
	return append([]string(nil), f.accepted...)
}

// Seen lists the commands received, as "conn verb arg".
func (f *fakeSMTP) Seen() []string {
	f.mu.Lock()
	defer f.mu.Unlock()
	return append([]string(nil), f.seen...)
}

// Count counts the commands received with verb.
func (f *fakeSMTP) Count(verb string) int {
	n := 0
	for _, s := range f.Seen() {
		if strings.Fields(s)[1] == verb {
			n++
		}
	}
	return n
}

func (f *fakeSMTP) session(n int, c net.Conn) {
	defer c.Close()
	_ = c.SetDeadline(time.Now().Add(20 * time.Second))
	r := bufio.NewReader(c)
	// reply sends usual, or what answer puts instead, and returns what it
	// sent; false once the connection is to end. A reply of 250 to the end
	// of a message (verb ".", arg its recipient) records it accepted before
	// the client can read it.
	reply := func(verb, arg, usual string) (string, bool) {
		s, hangUp := "", false
		if f.answer != nil {
			s, hangUp = f.answer(n, verb, arg)
		}
		if s == "" && !hangUp {
			s = usual
		}
		if verb == "." && strings.HasPrefix(s, "250") {
			f.mu.Lock()
			f.accepted = append(f.accepted, arg)
			f.mu.Unlock()
		}
		if s != "" {
			if _, err := fmt.Fprintf(c, "%s\r\n", s); err != nil {
				return s, false
			}
		}
		return s, !hangUp
	}
	if _, ok := reply("", "", "220 fake.test ESMTP"); !ok {
		return
	}
	rcpt := ""
	for {
		line, err := r.ReadString('\n')
		if err != nil {
			return
		}
		verb, arg, _ := strings.Cut(strings.TrimRight(line, "\r\n"), " ")
		verb = strings.ToUpper(verb)
		f.mu.Lock()
		f.seen = append(f.seen, fmt.Sprintf("%d %s %s", n, verb, arg))
		f.mu.Unlock()
		usual := "250 2.0.0 ok"
		switch verb {
		case "EHLO":
			usual = "250-fake.test\r\n250-8BITMIME\r\n250 ENHANCEDSTATUSCODES"
		case "HELO":
			usual = "250 fake.test"
		case "MAIL", "NOOP", "RSET":
		case "RCPT":
			rcpt = strings.TrimSuffix(strings.TrimPrefix(arg, "TO:<"), ">")
		case "DATA":
			s, ok := reply(verb, arg, "354 go ahead")
			if !ok {
				return
			}
			if !strings.HasPrefix(s, "354") {
				continue
			}
			for {
				l, err := r.ReadString('\n')
				if err != nil {
					return
				}
				if l == ".\r\n" {
					break
				}
			}
			if _, ok := reply(".", rcpt, "250 2.0.0 queued"); !ok {
				return
			}
			continue
		case "QUIT":
			reply(verb, arg, "221 2.0.0 bye")
			return
		default:
			usual = "502 5.5.2 not implemented"
		}
		if _, ok := reply(verb, arg, usual); !ok {
			return
		}
	}
}

// throughFake is a SQLite outbox holding a message to each of tos, in that
// order, and a sender delivering it to f.
func throughFake(t *testing.T, f *fakeSMTP, tos ...string) (store.DB, *outbox.Sender, []mail.Message) {
	t.Helper()
	db := storetest.Open(t, "sqlite")
	var msgs []mail.Message
	err := db.Outbox().InTx(context.Background(), func(tx outbox.Tx) error {
		for i, to := range tos {
			m, err := mail.Enqueue(context.Background(), tx, mail.Message{Kind: "test", Locale: "it", To: to, Subject: "n. " + fmt.Sprint(i),
				Text: "testo", HTML: "<p>testo</p>"}, time.Now().Add(time.Duration(i-len(tos))*time.Millisecond))
			if err != nil {
				return err
			}
			msgs = append(msgs, m)
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	tr, err := smtpmail.New(smtpmail.Config{URL: f.URL(), From: mailtest.From, Timeout: 5 * time.Second}, storetest.Logger(t))
	if err != nil {
		t.Fatal(err)
	}
	return db, outbox.NewSender(db.Outbox(), tr, outbox.SenderOptions{Batch: 10}, storetest.Logger(t)), msgs
}

// readMail reads one message of db's outbox.
func readMail(t *testing.T, db store.DB, id string) mail.Message {
	t.Helper()
	var m mail.Message
	if err := db.Outbox().View(context.Background(), func(tx outbox.Tx) error {
		var err error
		m, err = tx.Mail(context.Background(), id)
		return err
	}); err != nil {
		t.Fatal(err)
	}
	return m
}
