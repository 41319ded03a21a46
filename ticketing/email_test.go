package ticketing_test

import (
	"fmt"
	"strings"
	"testing"
	"time"

	"cityhub/identity"
	"cityhub/mail"
	"cityhub/outbox"
	"cityhub/store"
	"cityhub/store/storetest"
	"cityhub/ticketing"
)

// A paid order enqueues one receipt carrying each ticket's code, a QR
// image per ticket and the calendar event, in the buyer's language; paying
// again enqueues nothing more; a refund tells the buyer where the money
// went; a buyer without an account row gets the tickets and no e-mail.
func TestOrderEmails(t *testing.T) {
	t.Parallel()
	storetest.Each(t, func(t *testing.T, db store.DB) {
		f := newFixture(t, db)
		buyer, card, ghost := citizen(1), citizen(2), citizen(3)
		f.emailing(identity.Account{ID: buyer.AccountID, Email: "anna@example.org", Name: "Anna", Locale: "en"},
			identity.Account{ID: card.AccountID, Email: "bruno@example.org", Name: "Bruno", Locale: "it"})
		v := f.venue("Teatro Comunale", 4)
		p := f.performance(v.ID)
		f.credit(10000, buyer, ghost)
		o, tickets := f.buy(buyer, p.ID, "Platea/A/1", "Platea/A/2")
		if _, err := f.svc.PayWithWallet(f.ctx, buyer, o.ID); err != nil {
			t.Fatal(err)
		}
		f.buy(ghost, p.ID, "Platea/A/3")

		held := f.holdForCard(card, p.ID, "pi_mail", "Platea/B/1")
		for range 2 {
			if _, _, err := f.svc.ConfirmCardPayment(f.ctx, held.ID, "pi_mail", held.TotalCents, "eur"); err != nil {
				t.Fatal(err)
			}
		}
		if _, err := f.svc.RefundOrder(f.ctx, admin, held.ID); err != nil {
			t.Fatal(err)
		}

		page, err := outbox.NewService(db.Outbox()).List(f.ctx, admin, "", "", 20)
		if err != nil {
			t.Fatal(err)
		}
		byKind := map[string][]mail.Message{}
		for _, m := range page.Messages {
			byKind[m.Kind+" "+m.To] = append(byKind[m.Kind+" "+m.To], m)
		}
		if len(page.Messages) != 3 {
			t.Fatalf("outbox holds %d messages, want two receipts and one refund: %v", len(page.Messages), byKind)
		}
		r := byKind[mail.KindTicketsPurchased+" anna@example.org"]
		if len(r) != 1 || r[0].Subject != "Your tickets for “La locandiera”" || r[0].AccountID != buyer.AccountID {
			t.Fatalf("receipt: %+v", r)
		}
		for _, tv := range tickets {
			if tv.TypedCode == "" || !strings.Contains(r[0].Text, tv.TypedCode) || !strings.Contains(r[0].Text, o.ID) {
				t.Errorf("receipt lacks ticket code %q or order %s:\n%s", tv.TypedCode, o.ID, r[0].Text)
			}
		}
		if len(r[0].Attachments) != 3 || r[0].Attachments[2].Name != "event.ics" {
			t.Errorf("receipt attachments: %+v", r[0].Attachments)
		}
		if got := byKind[mail.KindTicketsPurchased+" bruno@example.org"]; len(got) != 1 || !strings.Contains(got[0].Text, "pagato con carta") {
			t.Errorf("card receipt: %+v", got)
		}
		if got := byKind[mail.KindOrderRefunded+" bruno@example.org"]; len(got) != 1 || !strings.Contains(got[0].Text, "torna sulla carta") ||
			!strings.Contains(got[0].Subject, "15,00") {
			t.Errorf("refund notice: %+v", got)
		}
		if p.Prices["balcony"] != 1500 {
			t.Fatal("fixture changed: the refund check assumes a 15 € balcony seat")
		}
	})
}

// A disputed card order whose performance is cancelled is not refunded
// (its dispute settles the money): its buyer is told so, in their
// language, and the other buyers of the performance get their refund
// notice.
func TestDisputedOrderVoidedEmail(t *testing.T) {
	t.Parallel()
	storetest.Each(t, func(t *testing.T, db store.DB) {
		f := newFixture(t, db)
		c, err := mail.NewComposer("https://hub.example.org")
		if err != nil {
			t.Fatal(err)
		}
		f.svc.SendEmails(c)
		disputer, other := citizen(1), citizen(2)
		if err := db.Identity().InTx(f.ctx, func(tx identity.Tx) error {
			for _, a := range []identity.Account{{ID: disputer.AccountID, Email: "carla@example.org", Name: "Carla", Locale: "it"},
				{ID: other.AccountID, Email: "dario@example.org", Name: "Dario", Locale: "en"}} {
				a.PasswordHash, a.CreatedAt = "x", time.Now().UTC()
				if err := tx.InsertAccount(f.ctx, a); err != nil {
					return err
				}
			}
			return nil
		}); err != nil {
			t.Fatal(err)
		}
		v := f.venue("Teatro Comunale", 4)
		p := f.performance(v.ID)
		var orders []ticketing.Order
		for i, who := range []identity.Caller{disputer, other} {
			pi := fmt.Sprint("pi_void_", i)
			o := f.holdForCard(who, p.ID, pi, fmt.Sprint("Platea/B/", i+1))
			if _, _, err := f.svc.ConfirmCardPayment(f.ctx, o.ID, pi, o.TotalCents, "eur"); err != nil {
				t.Fatal(err)
			}
			orders = append(orders, o)
		}
		if err := db.Ticketing().InTx(f.ctx, func(tx ticketing.Tx) error {
			held, _, _, err := f.svc.CardDisputeOpenedTx(f.ctx, tx, orders[0].ID, "du_void", orders[0].TotalCents)
			if err == nil && held != orders[0].TotalCents {
				err = fmt.Errorf("held %d", held)
			}
			return err
		}); err != nil {
			t.Fatal(err)
		}
		// Two administrators cancel at once: the second waits for the
		// first (the performance is locked) and finds it cancelled, so
		// each buyer is told once.
		var errs [2]error
		race(2, 2, func(i int) { _, errs[i] = f.svc.CancelPerformance(f.ctx, admin, p.ID) })
		if errs[0] != nil || errs[1] != nil {
			t.Fatal(errs)
		}
		page, err := outbox.NewService(db.Outbox()).List(f.ctx, admin, "", "", 20)
		if err != nil {
			t.Fatal(err)
		}
		byKind := map[string][]mail.Message{}
		for _, m := range page.Messages {
			byKind[m.Kind+" "+m.To] = append(byKind[m.Kind+" "+m.To], m)
		}
		if got := byKind[mail.KindOrderVoidedDisputed+" carla@example.org"]; len(got) != 1 || !strings.Contains(got[0].Text, orders[0].ID) ||
			!strings.Contains(got[0].Text, "contestato") || !strings.Contains(got[0].Subject, "La locandiera") {
			t.Fatalf("the disputed order's notice: %+v (all: %v)", got, byKind)
		}
		if got := byKind[mail.KindOrderRefunded+" carla@example.org"]; len(got) != 0 {
			t.Fatalf("a refund notice for an order not refunded: %+v", got)
		}
		if got := byKind[mail.KindOrderRefunded+" dario@example.org"]; len(got) != 1 || !strings.Contains(got[0].Text, "back to the card") {
			t.Fatalf("the other buyer's refund notice: %+v", got)
		}
		f.ledgerOK()
	})
}

// A refund made at Stripe (the city's office, in Stripe's dashboard) is
// told to the buyer as the hub's own refunds are: a part of the order,
// saying the tickets stay valid, then the rest, saying the order is
// cancelled. Stripe's report of the same total again tells nobody twice.
func TestRefundAtStripeEmail(t *testing.T) {
	t.Parallel()
	storetest.Each(t, func(t *testing.T, db store.DB) {
		f := newFixture(t, db)
		c, err := mail.NewComposer("https://hub.example.org")
		if err != nil {
			t.Fatal(err)
		}
		f.svc.SendEmails(c)
		buyer := citizen(3)
		if err := db.Identity().InTx(f.ctx, func(tx identity.Tx) error {
			return tx.InsertAccount(f.ctx, identity.Account{ID: buyer.AccountID, Email: "elena@example.org", Name: "Elena", Locale: "en",
				PasswordHash: "x", CreatedAt: time.Now().UTC()})
		}); err != nil {
			t.Fatal(err)
		}
		p := f.performance(f.venue("Teatro Comunale", 4).ID)
		o := f.holdForCard(buyer, p.ID, "pi_dash", "Platea/B/1")
		if _, _, err := f.svc.ConfirmCardPayment(f.ctx, o.ID, "pi_dash", o.TotalCents, "eur"); err != nil {
			t.Fatal(err)
		}
		refunded := func(total int64) {
			t.Helper()
			if err := db.Ticketing().InTx(f.ctx, func(tx ticketing.Tx) error {
				_, err := f.svc.CardRefundedTx(f.ctx, tx, o.ID, "pi_dash", total)
				return err
			}); err != nil {
				t.Fatal(err)
			}
		}
		refunded(500)
		refunded(500)
		refunded(o.TotalCents)
		page, err := outbox.NewService(db.Outbox()).List(f.ctx, admin, "", "", 20)
		if err != nil {
			t.Fatal(err)
		}
		var got []mail.Message
		for _, m := range page.Messages {
			if m.Kind == mail.KindOrderRefunded && m.To == "elena@example.org" {
				got = append(got, m)
			}
		}
		if len(got) != 2 {
			t.Fatalf("%d refund e-mails, want 2: %+v", len(got), got)
		}
		// The list is newest first.
		whole, part := got[0], got[1]
		if !strings.Contains(part.Text, "your tickets stay valid") || !strings.Contains(part.Text, "€5.00") || strings.Contains(part.Text, "cancelled") {
			t.Errorf("the partial refund's e-mail:\n%s", part.Text)
		}
		if !strings.Contains(whole.Text, "was cancelled and refunded") || !strings.Contains(whole.Text, "back to the card") {
			t.Errorf("the whole refund's e-mail:\n%s", whole.Text)
		}
	})
}

// emailing makes the service write its e-mails to the outbox, and gives
// each of accounts an account row (its address and language) for them to
// go to; a buyer without one gets none.
func (f *fixture) emailing(accounts ...identity.Account) {
	f.t.Helper()
	c, err := mail.NewComposer("https://hub.example.org")
	if err != nil {
		f.t.Fatal(err)
	}
	f.svc.SendEmails(c)
	if err := f.db.Identity().InTx(f.ctx, func(tx identity.Tx) error {
		for _, a := range accounts {
			a.PasswordHash, a.CreatedAt = "x", time.Now().UTC()
			if err := tx.InsertAccount(f.ctx, a); err != nil {
				return err
			}
		}
		return nil
	}); err != nil {
		f.t.Fatal(err)
	}
}

// The receipt lists the seats as people read them, 9 before 10, where the
// order keeps them in the order of its locks ("A/10" before "A/9").
func TestReceiptListsSeatsInReadingOrder(t *testing.T) {
	t.Parallel()
	db := storetest.OpenSQLite(t)
	f := newFixture(t, db)
	buyer := citizen(1)
	f.emailing(identity.Account{ID: buyer.AccountID, Email: "anna@example.org", Name: "Anna", Locale: "it"})
	p := f.performance(f.venue("Teatro Comunale", 10).ID)
	f.credit(10000, buyer)
	o, tickets := f.buy(buyer, p.ID, "Platea/A/10", "Platea/A/9")
	if _, err := f.svc.PayWithWallet(f.ctx, buyer, o.ID); err != nil {
		t.Fatal(err)
	}
	page, err := outbox.NewService(db.Outbox()).List(f.ctx, admin, "", "", 20)
	if err != nil || len(page.Messages) != 1 {
		t.Fatalf("outbox: %v %v", page.Messages, err)
	}
	code := map[string]string{}
	for _, tv := range tickets {
		code[tv.SeatID] = tv.TypedCode
	}
	text := page.Messages[0].Text
	if i, j := strings.Index(text, code["Platea/A/9"]), strings.Index(text, code["Platea/A/10"]); i < 0 || j < 0 || i > j {
		t.Fatalf("seat 9 at %d, seat 10 at %d in the receipt:\n%s", i, j, text)
	}
}
