// Package mailtest gives tests the real SMTP server they send to (Mailpit,
// started by scripts/services) and reads what arrived through Mailpit's
// HTTP API. Each test sends to recipients of its own, so parallel tests and
// test runs never see each other's mail.
package mailtest

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"os"
	"strings"
	"testing"
	"time"

	"cityhub/ids"
)

// SMTPURL is the test SMTP server (CITYHUB_TEST_SMTP_URL); Mailpit speaks
// no TLS, so the URL says tls=none.
func SMTPURL() string {
	if u := os.Getenv("CITYHUB_TEST_SMTP_URL"); u != "" {
		return u
	}
	return "smtp://127.0.0.1:1025?tls=none"
}

// MailpitURL is Mailpit's HTTP API (CITYHUB_TEST_MAILPIT_URL).
func MailpitURL() string {
	if u := os.Getenv("CITYHUB_TEST_MAILPIT_URL"); u != "" {
		return strings.TrimSuffix(u, "/")
	}
	return "http://127.0.0.1:8025"
}

// From is the sender tests configure.
const From = "Comune di Benevento <noreply@cityhub.test>"

// Recipient is an address no other test uses.
func Recipient(tb testing.TB) string {
	tb.Helper()
	return strings.ReplaceAll(ids.New("to"), "_", "-") + "@cityhub.test"
}

// Address is a name and address in Mailpit's answers.
type Address struct {
	Name    string `json:"Name"`
	Address string `json:"Address"`
}

// Summary is a received message as Mailpit lists it.
type Summary struct {
	ID          string    `json:"ID"`
	MessageID   string    `json:"MessageID"`
	To          []Address `json:"To"`
	Subject     string    `json:"Subject"`
	Attachments int       `json:"Attachments"`
}

// Attachment is a received attachment.
type Attachment struct {
	PartID      string `json:"PartID"`
	FileName    string `json:"FileName"`
	ContentType string `json:"ContentType"`
	Size        int    `json:"Size"`
}

// Message is a received message whole.
type Message struct {
	ID          string       `json:"ID"`
	MessageID   string       `json:"MessageID"`
	From        Address      `json:"From"`
	To          []Address    `json:"To"`
	Subject     string       `json:"Subject"`
	Text        string       `json:"Text"`
	HTML        string       `json:"HTML"`
	Attachments []Attachment `json:"Attachments"`
	Headers     map[string][]string
}

func get(tb testing.TB, path string, v any) {
	tb.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, MailpitURL()+path, nil)
	if err != nil {
		tb.Fatal(err)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		tb.Fatalf("mailpit at %s (start it with scripts/services, or set CITYHUB_TEST_MAILPIT_URL): %v", MailpitURL(), err)
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		tb.Fatalf("mailpit %s: %s", path, resp.Status)
	}
	if err := json.NewDecoder(resp.Body).Decode(v); err != nil {
		tb.Fatalf("mailpit %s: %v", path, err)
	}
}

// Received lists every message Mailpit holds for the recipient to.
func Received(tb testing.TB, to string) []Summary {
	tb.Helper()
	var out []Summary
	for start := 0; ; {
		var page struct {
			Total    int       `json:"messages_count"`
			Messages []Summary `json:"messages"`
		}
		q := url.Values{"query": {fmt.Sprintf("to:%q", to)}, "start": {fmt.Sprint(start)}, "limit": {"500"}}
		get(tb, "/api/v1/search?"+q.Encode(), &page)
		// The search matches substrings; keep exact recipients only.
		for _, m := range page.Messages {
			for _, a := range m.To {
				if strings.EqualFold(a.Address, to) {
					out = append(out, m)
					break
				}
			}
		}
		start += len(page.Messages)
		if len(page.Messages) == 0 || start >= page.Total {
			return out
		}
	}
}

// WaitReceived waits until Mailpit holds at least n messages for to, and
// returns them; it fails the test after timeout.
func WaitReceived(tb testing.TB, to string, n int, timeout time.Duration) []Summary {
	tb.Helper()
	deadline := time.Now().Add(timeout)
	tick := time.NewTicker(20 * time.Millisecond)
	defer tick.Stop()
	for {
		got := Received(tb, to)
		if len(got) >= n {
			return got
		}
		if time.Now().After(deadline) {
			tb.Fatalf("mailpit holds %d messages for %s after %s, want %d", len(got), to, timeout, n)
		}
		<-tick.C
	}
}

// Read fetches one received message with its bodies, attachments and headers.
func Read(tb testing.TB, id string) Message {
	tb.Helper()
	var m Message
	get(tb, "/api/v1/message/"+url.PathEscape(id), &m)
	get(tb, "/api/v1/message/"+url.PathEscape(id)+"/headers", &m.Headers)
	return m
}
