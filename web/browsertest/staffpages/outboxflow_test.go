// TestOutboxPages drives the administrators' outbox page in a real
// headless Chromium on a real hub (SQLite, identity, the outbox): a top-up
// receipt that is waiting and one that failed are listed, one is read whole,
// the failed one is retried from its button. Every page passes axe-core
// (WCAG 2.1 A/AA, no serious or critical violation).

package staffpages

import (
	"context"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"cityhub/identity"
	"cityhub/mail"
	"cityhub/outbox"
	"cityhub/web"
	"cityhub/web/browsertest/pagetest"
)

func TestOutboxPages(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	h := pagetest.NewHub(t)
	log, db, keys, ids, wal := h.Log, h.DB, h.Keys, h.IDs, h.Wallet
	seed := identity.Caller{AccountID: "acc_seed", Grants: []identity.Grant{{Role: identity.RoleAdmin}}}
	if _, err := ids.CreateAccount(ctx, seed, identity.NewAccount{Email: "comune@example.org", Password: password, Name: "Comune", Locale: "it",
		Grants: []identity.Grant{{Role: identity.RoleAdmin}}}); err != nil {
		t.Fatal(err)
	}
	// Two receipts: one waiting (no SMTP server here), one a sender gave up on.
	c, err := mail.NewComposer("http://cityhub.test")
	if err != nil {
		t.Fatal(err)
	}
	var failed mail.Message
	err = db.Outbox().InTx(ctx, func(tx outbox.Tx) error {
		for i, r := range []mail.Recipient{{Email: "anna@example.org", Name: "Anna Esposito", Locale: "it"}, {Email: "bruno@example.org", Name: "Bruno Rossi", Locale: "en"}} {
			m, err := c.TopUpReceipt(r, mail.TopUp{AmountCents: 2500 * int64(i+1), BalanceCents: 4000, PaymentID: "pi_flow", At: time.Now()})
			if err != nil {
				return err
			}
			if m, err = mail.Enqueue(ctx, tx, m, time.Now()); err != nil {
				return err
			}
			if i == 1 {
				failed = m
			}
		}
		return nil
	})
	if err == nil {
		err = db.Outbox().InTx(ctx, func(tx outbox.Tx) error {
			now := time.Now()
			got, err := tx.ClaimMail(ctx, "flow", now, now.Add(time.Minute), 10, 10)
			for _, m := range got {
				if m.ID == failed.ID {
					m.State, m.LastError = mail.StateFailed, "550 5.1.1 mailbox unavailable"
				} else {
					m.State, m.Attempts = mail.StatePending, 0
				}
				if err == nil {
					_, err = tx.FinishMail(ctx, m)
				}
			}
			return err
		})
	}
	if err != nil {
		t.Fatal(err)
	}

	srv := httptest.NewServer(web.New(web.Deps{
		Log: log, PublicURL: "http://cityhub.test", Version: "test", Identity: ids, Keys: keys, Wallet: wal, Outbox: outbox.NewService(db.Outbox()),
	}))
	defer srv.Close()
	f := pagetest.New(t, srv.URL, "", password)
	f.Login("comune@example.org")
	if st := f.Open("/admin/outbox"); st != 200 {
		t.Fatalf("outbox page: %d", st)
	}
	if got := f.Text(`[data-mail="` + failed.ID + `"]`); !strings.Contains(got, "550 5.1.1") || !strings.Contains(got, "Non riuscite") {
		t.Fatalf("failed row: %q", got)
	}
	f.Check("outbox")
	if st := f.Submit(chromedp.Click(chromedp.CSS(`[data-mail="` + failed.ID + `"] a`))); st != 200 {
		t.Fatalf("message page: %d", st)
	}
	if got := f.Text("pre.mail-body"); !strings.Contains(got, "City of Benevento") || !strings.Contains(got, "€50.00") {
		t.Fatalf("message text: %q", got)
	}
	f.Check("outbox_message")
	f.Open("/admin/outbox?state=failed")
	if st := f.Submit(chromedp.Click(chromedp.CSS(`[data-mail="` + failed.ID + `"] button[data-action="retry"]`))); st != 200 {
		t.Fatalf("retry: %d", st)
	}
	if got := f.Attr(`[data-mail="`+failed.ID+`"]`, "data-state"); got != mail.StatePending {
		t.Fatalf("after retry the e-mail is %q", got)
	}
	f.Check("outbox_pending")
}
