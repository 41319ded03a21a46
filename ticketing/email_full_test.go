package ticketing_test

import (
	"fmt"
	"testing"

	"cityhub/identity"
	"cityhub/mail"
	"cityhub/outbox"
	"cityhub/store"
	"cityhub/store/storetest"
	"cityhub/ticketing"
)

// An order of the most seats one may hold gets its receipt like any other:
// a QR image for each ticket and the calendar event. It used to be one
// attachment over the e-mail's limit, so the receipt was dropped while the
// order's page said it was on its way.
func TestFullOrderReceipt(t *testing.T) {
	t.Parallel()
	storetest.Each(t, func(t *testing.T, db store.DB) {
		f := newFixture(t, db)
		buyer := citizen(1)
		f.emailing(identity.Account{ID: buyer.AccountID, Email: "anna@example.org", Name: "Anna", Locale: "it"})
		v := f.venue("Teatro Comunale", ticketing.MaxSeatsPerOrder)
		p := f.performance(v.ID)
		f.credit(int64(ticketing.MaxSeatsPerOrder)*25_00, buyer)
		seats := make([]string, ticketing.MaxSeatsPerOrder)
		for i := range seats {
			seats[i] = fmt.Sprintf("Platea/A/%d", i+1)
		}
		f.buy(buyer, p.ID, seats...)
		page, err := outbox.NewService(db.Outbox()).List(f.ctx, admin, "", "", 20)
		if err != nil {
			t.Fatal(err)
		}
		if len(page.Messages) != 1 || page.Messages[0].Kind != mail.KindTicketsPurchased {
			t.Fatalf("outbox holds %+v, want the receipt", page.Messages)
		}
		full, err := outbox.NewService(db.Outbox()).Get(f.ctx, admin, page.Messages[0].ID)
		if err != nil {
			t.Fatal(err)
		}
		if n := len(full.Attachments); n != ticketing.MaxSeatsPerOrder+1 {
			t.Fatalf("the receipt carries %d attachments, want %d QR images and the event", n, ticketing.MaxSeatsPerOrder)
		}
	})
}
