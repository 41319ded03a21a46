package web

import (
	"context"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"cityhub/cardpay"
	"cityhub/identity"
	"cityhub/mail"
	"cityhub/mail/mailtest"
	"cityhub/outbox"
	"cityhub/smtpmail"
	"cityhub/store/storetest"
)

// withReceipts makes card top-ups enqueue their receipts.
func withReceipts(env *testEnv, d *Deps) {
	c, err := mail.NewComposer(testIssuer)
	if err != nil {
		panic(err)
	}
	d.CardPayments = cardpay.NewService(env.DB.CardPayments(), d.Ticketing, nil)
	d.CardPayments.SendReceipts(c)
}

// A card top-up credited by Stripe's signed webhook sends its receipt: it
// arrives over SMTP once, however often the event is delivered, in the
// language of the citizen's account, naming the city and linking to the
// wallet.
func TestTopUpReceiptArrives(t *testing.T) {
	t.Parallel()
	for _, engine := range storetest.Engines {
		t.Run(engine, func(t *testing.T) {
			_, env := newTestServer(t, engine, withWallet(false), withStripe, withReceipts)
			hub := httptest.NewServer(env.Server)
			t.Cleanup(hub.Close)
			tr, err := smtpmail.New(smtpmail.Config{URL: mailtest.SMTPURL(), From: mailtest.From, Timeout: 5 * time.Second}, nil)
			if err != nil {
				t.Fatal(err)
			}
			sender := outbox.NewSender(env.DB.Outbox(), tr, outbox.SenderOptions{Poll: 10 * time.Millisecond}, storetest.Logger(t))
			ctx, stop := context.WithCancel(context.Background())
			done := make(chan struct{})
			go func() { defer close(done); sender.Run(ctx) }()
			t.Cleanup(func() { stop(); <-done })

			for _, c := range []struct {
				locale, subject, city, amount string
			}{
				{"it", "Ricarica di 25,00\u00a0€ accreditata sul portafoglio", "Comune di Benevento", "25,00\u00a0€"},
				{"en", "Top-up of €25.00 credited to your wallet", "City of Benevento", "€25.00"},
			} {
				to := mailtest.Recipient(t)
				admin := identity.Caller{AccountID: "acc_test_admin", Grants: []identity.Grant{{Role: identity.RoleAdmin}}}
				acct, err := env.Identity.CreateAccount(ctx, admin, identity.NewAccount{Email: to, Password: testPassword, Name: "Anna Rossi",
					Locale: c.locale, Grants: []identity.Grant{{Role: identity.RoleCitizen}}})
				if err != nil {
					t.Fatal(err)
				}
				tokens, err := env.Identity.Login(ctx, to, testPassword, "")
				if err != nil {
					t.Fatal(err)
				}
				intent := paidTopUp(t, env, hub, acct, "Bearer "+tokens.AccessToken, 2500, "receipt-"+c.locale)
				// The same event again, as Stripe retries it: no second receipt.
				again := deliver(t, hub, paymentEvent("evt_paid_receipt-"+c.locale, "payment_intent.succeeded", intent, 2500, "eur",
					map[string]string{cardpay.StripePurposeKey: cardpay.PurposeTopUp, cardpay.StripeAccountKey: acct.ID}))
				if !again.Replayed {
					t.Fatalf("redelivery %+v", again)
				}
				got := mailtest.WaitReceived(t, to, 1, 20*time.Second)
				m := mailtest.Read(t, got[0].ID)
				if m.Subject != c.subject {
					t.Errorf("%s: subject %q, want %q", c.locale, m.Subject, c.subject)
				}
				for _, body := range []string{m.Text, m.HTML} {
					for _, want := range []string{c.city, c.amount, testIssuer + "/wallet", intent, "Anna Rossi"} {
						if !strings.Contains(body, want) {
							t.Errorf("%s: %q missing from\n%s", c.locale, want, body)
						}
					}
				}
				waitOutboxSent(t, env, to)
				if got := mailtest.Received(t, to); len(got) != 1 {
					t.Fatalf("%s: %d receipts arrived, want 1", c.locale, len(got))
				}
			}
		})
	}
}

// waitOutboxSent waits until no message to `to` is left to send.
func waitOutboxSent(t *testing.T, env *testEnv, to string) {
	t.Helper()
	admin := identity.Caller{AccountID: "acc_test_admin", Grants: []identity.Grant{{Role: identity.RoleAdmin}}}
	svc := outbox.NewService(env.DB.Outbox())
	deadline := time.Now().Add(20 * time.Second)
	tick := time.NewTicker(10 * time.Millisecond)
	defer tick.Stop()
	for {
		p, err := svc.List(context.Background(), admin, "", "", outbox.MaxPage)
		if err != nil {
			t.Fatal(err)
		}
		left := 0
		for _, m := range p.Messages {
			if m.To == to && m.State != mail.StateSent {
				left++
			}
		}
		if left == 0 {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("%d messages to %s not sent", left, to)
		}
		<-tick.C
	}
}
