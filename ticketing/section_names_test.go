package ticketing_test

import (
	"strings"
	"testing"

	"cityhub/identity"
	"cityhub/mail"
	"cityhub/outbox"
	"cityhub/store/storetest"
	"cityhub/ticketing"
)

// A seat's section reads in the reader's language where the hub has words
// for it (Platea is the stalls in English), as its category does, else as
// the seat map names it: the receipt says it in the buyer's language, a
// ticket gives it in both beside the section's own name (part of the
// seat's id, the same in every language), and the wallet's card in both.
func TestSectionReadsInTheReadersLanguage(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct{ section, it, en string }{
		{"Platea", "Platea", "Stalls"}, {"galleria", "Galleria", "Gallery"}, {"Loggione", "Loggione", "Upper gallery"},
		{"Ordine1", "Ordine1", "Ordine1"}, {"prima_fila", "prima_fila", "prima_fila"},
	} {
		if it, en := ticketing.SectionName(tc.section, "it"), ticketing.SectionName(tc.section, "en"); it != tc.it || en != tc.en {
			t.Errorf("section %s reads %q / %q, want %q / %q", tc.section, it, en, tc.it, tc.en)
		}
	}

	db := storetest.OpenSQLite(t)
	f := newFixture(t, db)
	anna, bruno := citizen(1), citizen(2)
	f.emailing(identity.Account{ID: anna.AccountID, Email: "anna@example.org", Name: "Anna", Locale: "en"},
		identity.Account{ID: bruno.AccountID, Email: "bruno@example.org", Name: "Bruno", Locale: "it"})
	p := f.performance(f.venue("Teatro Comunale", 4).ID)
	f.credit(10000, anna, bruno)
	for _, b := range []struct {
		who  identity.Caller
		seat string
	}{{anna, "Platea/A/1"}, {bruno, "Platea/A/2"}} {
		o, _ := f.buy(b.who, p.ID, b.seat)
		if _, err := f.svc.PayWithWallet(f.ctx, b.who, o.ID); err != nil {
			t.Fatal(err)
		}
	}
	page, err := outbox.NewService(db.Outbox()).List(f.ctx, admin, "", "", 20)
	if err != nil {
		t.Fatal(err)
	}
	want := map[string]string{"anna@example.org": "- Stalls A 1", "bruno@example.org": "- Platea A 2"}
	for _, m := range page.Messages {
		if m.Kind != mail.KindTicketsPurchased {
			continue
		}
		if !strings.Contains(m.Text, want[m.To]) || !strings.Contains(m.HTML, strings.TrimPrefix(want[m.To], "- ")) {
			t.Errorf("receipt to %s lacks %q:\n%s", m.To, want[m.To], m.Text)
		}
		delete(want, m.To)
	}
	if len(want) != 0 {
		t.Errorf("no receipt to %v", want)
	}

	tickets, err := f.svc.MyTickets(f.ctx, anna)
	if err != nil || len(tickets) != 1 {
		t.Fatalf("tickets: %v %v", tickets, err)
	}
	if tv := tickets[0]; tv.Section != "Platea" || tv.SectionNameIT != "Platea" || tv.SectionNameEN != "Stalls" {
		t.Errorf("ticket's section: %q, %q / %q", tv.Section, tv.SectionNameIT, tv.SectionNameEN)
	}
	items, err := f.svc.WalletItems(f.ctx, anna.AccountID)
	if err != nil || len(items) != 1 {
		t.Fatalf("wallet items: %v %v", items, err)
	}
	if s := items[0].Seats; s["it"] != "Platea A, 1" || s["en"] != "Stalls A, 1" {
		t.Errorf("wallet card's seat: %v", s)
	}
	av, err := f.svc.Availability(f.ctx, p.ID)
	if err != nil {
		t.Fatal(err)
	}
	if want := []ticketing.SectionNames{{Section: "Platea", NameIT: "Platea", NameEN: "Stalls"}}; len(av.Sections) != 1 || av.Sections[0] != want[0] {
		t.Errorf("availability's sections: %+v, want %+v", av.Sections, want)
	}
}
