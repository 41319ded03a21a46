package ticketing_test

import (
	"fmt"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"cityhub/apperr"
	"cityhub/audit"
	"cityhub/internal/testutil"
	"cityhub/qrtoken"
	"cityhub/store"
	"cityhub/store/storetest"
	"cityhub/ticketing"
	"cityhub/wallet"
)

func TestSeatMapSeats(t *testing.T) {
	t.Parallel()
	row := func(name string, from, to int, cat string) ticketing.SeatRow {
		return ticketing.SeatRow{Name: name, From: from, To: to, Category: cat}
	}
	for _, c := range []struct {
		name   string
		m      ticketing.SeatMap
		seats  int
		reason string
	}{
		{"two rows", ticketing.SeatMap{Sections: []ticketing.Section{{Name: "Platea", Rows: []ticketing.SeatRow{row("A", 1, 10, "stalls"), row("B", 1, 12, "stalls")}}}}, 22, ""},
		{"no sections", ticketing.SeatMap{}, 0, "invalid_seat_map"},
		{"section without rows", ticketing.SeatMap{Sections: []ticketing.Section{{Name: "Palco"}}}, 0, "invalid_seat_map"},
		{"backwards row", ticketing.SeatMap{Sections: []ticketing.Section{{Name: "P", Rows: []ticketing.SeatRow{row("A", 5, 1, "c")}}}}, 0, "invalid_seat_numbers"},
		{"seat zero", ticketing.SeatMap{Sections: []ticketing.Section{{Name: "P", Rows: []ticketing.SeatRow{row("A", 0, 1, "c")}}}}, 0, "invalid_seat_numbers"},
		{"slash in a name", ticketing.SeatMap{Sections: []ticketing.Section{{Name: "P/1", Rows: []ticketing.SeatRow{row("A", 1, 1, "c")}}}}, 0, "invalid_section"},
		{"no category", ticketing.SeatMap{Sections: []ticketing.Section{{Name: "P", Rows: []ticketing.SeatRow{row("A", 1, 1, "")}}}}, 0, "invalid_category"},
		// Names are printed on tickets and in e-mails and calendars.
		{"escape in a row", ticketing.SeatMap{Sections: []ticketing.Section{{Name: "P", Rows: []ticketing.SeatRow{row("A\x1b[2J", 1, 1, "c")}}}}, 0, "invalid_row"},
		{"carriage return in a section", ticketing.SeatMap{Sections: []ticketing.Section{{Name: "P\r1", Rows: []ticketing.SeatRow{row("A", 1, 1, "c")}}}}, 0, "invalid_section"},
		{"override in a category", ticketing.SeatMap{Sections: []ticketing.Section{{Name: "P", Rows: []ticketing.SeatRow{row("A", 1, 1, "c\u202eb")}}}}, 0, "invalid_category"},
		{"row twice", ticketing.SeatMap{Sections: []ticketing.Section{{Name: "P", Rows: []ticketing.SeatRow{row("A", 1, 3, "c"), row("A", 3, 4, "c")}}}}, 0, "duplicate_seat"},
		{"too many", ticketing.SeatMap{Sections: []ticketing.Section{{Name: "P", Rows: []ticketing.SeatRow{
			row("A", 1, 999, "c"), row("B", 1, 999, "c"), row("C", 1, 999, "c"), row("D", 1, 999, "c"), row("E", 1, 999, "c"), row("F", 1, 999, "c")}}}}, 0, "too_many_seats"},
	} {
		t.Run(c.name, func(t *testing.T) {
			seats, err := c.m.Seats()
			if c.reason != "" {
				if apperr.ReasonOf(err) != c.reason {
					t.Fatalf("error %v, want reason %s", err, c.reason)
				}
				return
			}
			if err != nil || len(seats) != c.seats {
				t.Fatalf("%d seats, %v; want %d", len(seats), err, c.seats)
			}
			if seats[0].ID != "Platea/A/1" || seats[len(seats)-1].ID != "Platea/B/12" {
				t.Fatalf("seat ids %s .. %s", seats[0].ID, seats[len(seats)-1].ID)
			}
		})
	}
}

func TestPerformanceValidate(t *testing.T) {
	t.Parallel()
	at := time.Date(2026, 12, 1, 19, 30, 0, 0, time.UTC)
	ok := ticketing.Performance{VenueID: "ven_1", Title: "Amleto", StartsAt: at, Prices: map[string]int64{"stalls": 2000},
		SalesOpen: at.Add(-30 * 24 * time.Hour), SalesClose: at, Status: ticketing.PerformanceScheduled,
		DoorsOpen: at.Add(-time.Hour), EndsAt: at.Add(2 * time.Hour)}
	for _, c := range []struct {
		name   string
		change func(p *ticketing.Performance)
		reason string
	}{
		{"valid", func(*ticketing.Performance) {}, ""},
		{"no title", func(p *ticketing.Performance) { p.Title = " " }, "invalid_title"},
		{"long title", func(p *ticketing.Performance) { p.Title = strings.Repeat("a", 201) }, "invalid_title"},
		{"escape in the title", func(p *ticketing.Performance) { p.Title = "A\x1bB" }, "invalid_title"},
		{"no venue", func(p *ticketing.Performance) { p.VenueID = "" }, "invalid_venue"},
		{"no start", func(p *ticketing.Performance) { p.StartsAt = time.Time{} }, "invalid_starts_at"},
		{"no prices", func(p *ticketing.Performance) { p.Prices = nil }, "invalid_prices"},
		{"free seat", func(p *ticketing.Performance) { p.Prices = map[string]int64{"stalls": 0} }, "invalid_price"},
		{"negative price", func(p *ticketing.Performance) { p.Prices = map[string]int64{"stalls": -5} }, "invalid_price"},
		{"price over the most", func(p *ticketing.Performance) { p.Prices = map[string]int64{"stalls": ticketing.MaxPriceCents + 1} }, "invalid_price"},
		{"the most a seat costs", func(p *ticketing.Performance) { p.Prices = map[string]int64{"stalls": ticketing.MaxPriceCents} }, ""},
		{"sales after the start", func(p *ticketing.Performance) { p.SalesClose = at.Add(time.Minute) }, "invalid_sales_window"},
		{"sales close before open", func(p *ticketing.Performance) { p.SalesOpen = at.Add(-time.Minute); p.SalesClose = at.Add(-time.Hour) }, "invalid_sales_window"},
		{"doors open at the start", func(p *ticketing.Performance) { p.DoorsOpen = at }, ""},
		{"no doors", func(p *ticketing.Performance) { p.DoorsOpen = time.Time{} }, "invalid_doors_open"},
		{"doors after the start", func(p *ticketing.Performance) { p.DoorsOpen = at.Add(time.Minute) }, "invalid_doors_open"},
		{"doors a day early", func(p *ticketing.Performance) { p.DoorsOpen = at.Add(-ticketing.MaxDoorsOpenBefore - time.Second) }, "invalid_doors_open"},
		{"no end", func(p *ticketing.Performance) { p.EndsAt = time.Time{} }, "invalid_ends_at"},
		{"ends at the start", func(p *ticketing.Performance) { p.EndsAt = at }, "invalid_ends_at"},
		{"ends too late", func(p *ticketing.Performance) { p.EndsAt = at.Add(ticketing.MaxDuration + time.Second) }, "invalid_ends_at"},
		{"unknown status", func(p *ticketing.Performance) { p.Status = "postponed" }, "invalid_status"},
	} {
		t.Run(c.name, func(t *testing.T) {
			p := ok
			p.Prices = map[string]int64{"stalls": 2000}
			c.change(&p)
			err := p.Validate()
			if c.reason == "" && err != nil || c.reason != "" && apperr.ReasonOf(err) != c.reason {
				t.Fatalf("Validate: %v, want reason %q", err, c.reason)
			}
		})
	}
}

// Tickets are wallet cards with a rotating QR code that only their holder
// can get.
func TestTicketsInTheWallet(t *testing.T) {
	t.Parallel()
	storetest.Each(t, func(t *testing.T, db store.DB) {
		f := newFixture(t, db)
		v := f.venue("Teatro Verdi", 2)
		p := f.performance(v.ID)
		buyer := citizen(1)
		f.credit(100_00, buyer)
		_, ts := f.buy(buyer, p.ID, "Platea/B/2")
		items, err := f.svc.WalletItems(f.ctx, buyer.AccountID)
		if err != nil || len(items) != 1 {
			t.Fatalf("items %v %v", items, err)
		}
		it := items[0]
		if it.Kind != "ticket" || it.ID != ts[0].ID || !it.HasQR || it.Title != "La locandiera" || !strings.Contains(it.Subtitle, "B, 2") || !strings.Contains(it.Subtitle, it.Expires.In(f.svc.Zone()).Format("2006-01-02")[:4]+"-") {
			t.Fatalf("item %+v", it)
		}
		// Good at the door until the performance ends, not only until it
		// starts.
		if it.Expires == nil || !it.Expires.Equal(p.EndsAt) || !p.EndsAt.After(p.StartsAt) {
			t.Fatalf("item expires %v, want the performance's end %v (start %v)", it.Expires, p.EndsAt, p.StartsAt)
		}
		tok, code, exp, err := f.svc.QRToken(f.ctx, buyer.AccountID, ts[0].ID)
		if err != nil || code != ts[0].TypedCode || !exp.After(start) {
			t.Fatalf("qr token: %v", err)
		}
		claims, err := qrtoken.Verify(f.keys, tok, qrtoken.KindTicket, start, 0)
		if err != nil || claims.ObjectID != ts[0].ID {
			t.Fatalf("token claims %+v %v", claims, err)
		}
		if _, _, _, err := f.svc.QRToken(f.ctx, citizen(2).AccountID, ts[0].ID); !apperr.Has(err, apperr.NotFound) {
			t.Fatalf("someone else's ticket: %v", err)
		}
		if _, err := f.svc.MyTicket(f.ctx, citizen(2), ts[0].ID); !apperr.Has(err, apperr.NotFound) {
			t.Fatalf("someone else's ticket: %v", err)
		}
	})
}

// Someone else's held order cannot be paid with one's credit: it is not
// found, as an order that does not exist, and nothing moves; the holder
// still pays it.
func TestPayingAnothersOrderIsNotFound(t *testing.T) {
	t.Parallel()
	storetest.Each(t, func(t *testing.T, db store.DB) {
		f := newFixture(t, db)
		v := f.venue("Teatro Verdi", 2)
		p := f.performance(v.ID)
		holder, other := citizen(1), citizen(2)
		f.credit(100_00, holder, other)
		o, err := f.svc.Hold(f.ctx, holder, p.ID, []string{"Platea/B/2"})
		if err != nil {
			t.Fatal(err)
		}
		for _, id := range []string{o.ID, "tord_nope"} {
			_, _, err := f.svc.PayWithWalletTickets(f.ctx, other, id)
			testutil.WantReason(t, err, apperr.NotFound, "order_not_found")
		}
		if b := f.balance(wallet.CitizenAccount(other.AccountID)); b != 100_00 {
			t.Fatalf("the other citizen's credit is %d after the refusal", b)
		}
		paid, err := f.svc.PayWithWallet(f.ctx, holder, o.ID)
		if err != nil || paid.Status != ticketing.OrderPaid {
			t.Fatalf("the holder pays: %+v %v", paid, err)
		}
		if b := f.balance(wallet.CitizenAccount(holder.AccountID)); b != 100_00-o.TotalCents {
			t.Fatalf("the holder's credit is %d, want %d", b, 100_00-o.TotalCents)
		}
		f.ledgerOK()
	})
}

// A hold is refused outside the sales window and for seats not on sale.
func TestHoldRules(t *testing.T) {
	t.Parallel()
	storetest.Each(t, func(t *testing.T, db store.DB) {
		f := newFixture(t, db)
		v := f.venue("Teatro Verdi", 12)
		p, err := f.svc.CreatePerformance(f.ctx, admin, ticketing.Performance{VenueID: v.ID, Title: "Solo platea",
			StartsAt: start.Add(48 * time.Hour), Prices: map[string]int64{"stalls": 2000}, SalesOpen: start.Add(time.Hour)})
		if err != nil {
			t.Fatal(err)
		}
		buyer := citizen(1)
		if _, err := f.svc.Hold(f.ctx, buyer, p.ID, []string{"Platea/A/1"}); apperr.ReasonOf(err) != "not_on_sale" {
			t.Fatalf("before sales open: %v", err)
		}
		f.clock.Advance(2 * time.Hour)
		if _, err := f.svc.Hold(f.ctx, buyer, p.ID, []string{"Platea/B/1"}); apperr.ReasonOf(err) != "unknown_seat" {
			t.Fatalf("a balcony seat without a price: %v", err)
		}
		if _, err := f.svc.Hold(f.ctx, admin, p.ID, []string{"Platea/A/1"}); !apperr.Has(err, apperr.Forbidden) {
			t.Fatalf("an administrator holding seats: %v", err)
		}
		if _, err := f.svc.Hold(f.ctx, buyer, "prf_nope", []string{"Platea/A/1"}); !apperr.Has(err, apperr.NotFound) {
			t.Fatalf("unknown performance: %v", err)
		}
		o, err := f.svc.Hold(f.ctx, buyer, p.ID, []string{"Platea/A/2", "Platea/A/1"})
		if err != nil || o.TotalCents != 4000 || o.Seats[0].SeatID != "Platea/A/1" {
			t.Fatalf("hold: %+v %v", o, err)
		}
		if _, err := f.svc.SetSeatMap(f.ctx, admin, v.ID, ticketing.SeatMap{Sections: []ticketing.Section{{Name: "X", Rows: []ticketing.SeatRow{{Name: "A", From: 1, To: 1, Category: "c"}}}}}); apperr.ReasonOf(err) != "seat_map_in_use" {
			t.Fatalf("changing a seat map in use: %v", err)
		}
		// Held seats count against the buyer until paid, released or expired.
		if _, err := f.svc.Hold(f.ctx, buyer, p.ID, []string{"Platea/A/3", "Platea/A/4", "Platea/A/5", "Platea/A/6", "Platea/A/7", "Platea/A/8", "Platea/A/9", "Platea/A/10", "Platea/A/11"}); apperr.ReasonOf(err) != "too_many_held" {
			t.Fatalf("holding more than %d seats: %v", ticketing.MaxSeatsPerOrder, err)
		}
		if _, err := f.svc.ReleaseHold(f.ctx, buyer, o.ID); err != nil {
			t.Fatal(err)
		}
		if av, _ := f.svc.Availability(f.ctx, p.ID); av.Free != 12 {
			t.Fatalf("%d free after releasing", av.Free)
		}
		if _, err := f.svc.CancelPerformance(f.ctx, admin, p.ID); err != nil {
			t.Fatal(err)
		}
		if _, err := f.svc.Hold(f.ctx, buyer, p.ID, []string{"Platea/A/1"}); apperr.ReasonOf(err) != "not_on_sale" {
			t.Fatalf("after cancelling: %v", err)
		}
	})
}

func FuzzSeatMap(f *testing.F) {
	f.Add("Platea", "A", 1, 10, "stalls")
	f.Add("", "B", 3, 2, "x")
	f.Add("P/1", "A B", 0, 999, "")
	f.Fuzz(func(t *testing.T, section, row string, from, to int, cat string) {
		m := ticketing.SeatMap{Sections: []ticketing.Section{{Name: section, Rows: []ticketing.SeatRow{{Name: row, From: from, To: to, Category: cat}}}}}
		seats, err := m.Seats()
		if err != nil {
			if !apperr.Has(err, apperr.Invalid) {
				t.Fatalf("error of code %s: %v", apperr.CodeOf(err), err)
			}
			return
		}
		if len(seats) != to-from+1 || len(seats) > ticketing.MaxSeatsPerVenue {
			t.Fatalf("%d seats for %d..%d", len(seats), from, to)
		}
		for _, s := range seats {
			if strings.Count(s.ID, "/") != 2 {
				t.Fatalf("seat id %q", s.ID)
			}
		}
	})
}

// One buyer sending many holds at once still holds at most MaxSeatsPerOrder
// seats of a performance: the holds count each other.
func TestHeldSeatsCapUnderConcurrency(t *testing.T) {
	t.Parallel()
	storetest.Each(t, func(t *testing.T, db store.DB) {
		f := newFixture(t, db)
		v := f.venue("Teatro Romano", 30)
		p := f.performance(v.ID)
		buyer := citizen(1)
		const tries = 25
		var wg sync.WaitGroup
		var ok atomic.Int32
		errs := make(chan error, tries)
		for i := range tries {
			wg.Add(1)
			go func() {
				defer wg.Done()
				_, err := f.svc.Hold(f.ctx, buyer, p.ID, []string{fmt.Sprintf("Platea/A/%d", i+1)})
				switch {
				case err == nil:
					ok.Add(1)
				case apperr.ReasonOf(err) != "too_many_held":
					errs <- err
				}
			}()
		}
		wg.Wait()
		close(errs)
		for err := range errs {
			t.Errorf("hold: %v", err)
		}
		if n := int(ok.Load()); n != ticketing.MaxSeatsPerOrder {
			t.Fatalf("%d concurrent single-seat holds succeeded, want exactly %d", n, ticketing.MaxSeatsPerOrder)
		}
	})
}

// A seat sold, or held, stays so on the seat map when its category loses
// its price afterwards; the seats of that category still free are not on
// sale.
func TestSeatTakenStaysTakenWithoutPrice(t *testing.T) {
	t.Parallel()
	storetest.Each(t, func(t *testing.T, db store.DB) {
		f := newFixture(t, db)
		v := f.venue("Teatro Verdi", 2)
		p := f.performance(v.ID)
		f.credit(100_00, citizen(1), citizen(2))
		f.buy(citizen(1), p.ID, "Platea/B/1")
		if _, err := f.svc.Hold(f.ctx, citizen(2), p.ID, []string{"Platea/B/2"}); err != nil {
			t.Fatal(err)
		}
		p.Prices = map[string]int64{"stalls": 2500}
		if _, err := f.svc.UpdatePerformance(f.ctx, admin, p); err != nil {
			t.Fatal(err)
		}
		av, err := f.svc.Availability(f.ctx, p.ID)
		if err != nil {
			t.Fatal(err)
		}
		want := map[string]string{"Platea/A/1": ticketing.SeatFree, "Platea/A/2": ticketing.SeatFree,
			"Platea/B/1": ticketing.SeatSold, "Platea/B/2": ticketing.SeatHeld}
		for _, s := range av.Seats {
			if s.State != want[s.ID] {
				t.Errorf("seat %s is %s, want %s", s.ID, s.State, want[s.ID])
			}
		}
		if av.Free != 2 {
			t.Errorf("%d seats free, want 2", av.Free)
		}
	})
}

// The audit log's refund says what the refund gave back: nothing for a
// hold cancelled, the price for a paid order.
func TestRefundAuditSaysWhatWasRefunded(t *testing.T) {
	t.Parallel()
	storetest.Each(t, func(t *testing.T, db store.DB) {
		f := newFixture(t, db)
		v := f.venue("Teatro Verdi", 2)
		p := f.performance(v.ID)
		f.credit(100_00, citizen(1))
		held, err := f.svc.Hold(f.ctx, citizen(1), p.ID, []string{"Platea/A/1"})
		if err != nil {
			t.Fatal(err)
		}
		paid, _ := f.buy(citizen(1), p.ID, "Platea/B/1")
		for _, id := range []string{held.ID, paid.ID} {
			if _, err := f.svc.RefundOrder(f.ctx, admin, id); err != nil {
				t.Fatal(err)
			}
		}
		want := map[string]float64{held.ID: 0, paid.ID: 1500}
		for id, cents := range want {
			var es []audit.Entry
			err := db.Ticketing().View(f.ctx, func(tx ticketing.Tx) error {
				var err error
				es, err = tx.ListAudit(f.ctx, audit.Filter{Action: "ticket.refund", ObjectType: "ticket_order", ObjectID: id})
				return err
			})
			if err != nil || len(es) != 1 {
				t.Fatalf("audit of %s: %+v %v", id, es, err)
			}
			if got, _ := es[0].Detail["amount_cents"].(float64); got != cents {
				t.Errorf("the refund of %s is audited as %v cents, want %v", id, es[0].Detail["amount_cents"], cents)
			}
		}
	})
}

// Seats are listed as people read them: 9 before 10, rows and sections
// in their order.
func TestCompareSeatIDs(t *testing.T) {
	t.Parallel()
	ids := []string{"Platea/A/10", "Galleria/A/2", "Platea/A/9", "Platea/B/1", "Platea/A/1", "odd"}
	slices.SortFunc(ids, ticketing.CompareSeatIDs)
	want := []string{"Galleria/A/2", "Platea/A/1", "Platea/A/9", "Platea/A/10", "Platea/B/1", "odd"}
	if !slices.Equal(ids, want) {
		t.Fatalf("seats in order %q, want %q", ids, want)
	}
}
