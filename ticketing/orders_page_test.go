package ticketing_test

import (
	"cmp"
	"slices"
	"testing"
	"time"

	"cityhub/apperr"
	"cityhub/identity"
	"cityhub/store"
	"cityhub/store/storetest"
	"cityhub/ticketing"
)

// heldAndReleased makes n orders of who, each a hold of p's seat A/1 given
// up at once (anyone can make as many), three at a time at the same
// instant so that ties of time are the id's to break; it returns them
// newest first, the order of the buyer's list.
func heldAndReleased(f *fixture, who identity.Caller, p ticketing.Performance, n int) []ticketing.Order {
	f.t.Helper()
	made := make([]ticketing.Order, 0, n)
	for i := range n {
		o, err := f.svc.Hold(f.ctx, who, p.ID, []string{"Platea/A/1"})
		if err != nil {
			f.t.Fatalf("hold %d: %v", i, err)
		}
		if _, err := f.svc.ReleaseHold(f.ctx, who, o.ID); err != nil {
			f.t.Fatalf("release %d: %v", i, err)
		}
		made = append(made, o)
		if i%3 == 2 {
			f.clock.Advance(time.Second)
		}
	}
	slices.SortFunc(made, func(a, b ticketing.Order) int {
		return cmp.Or(b.CreatedAt.Compare(a.CreatedAt), cmp.Compare(b.ID, a.ID))
	})
	return made
}

// A buyer's orders are read a page at a time, newest first, and the pages
// hold every one of them: 205 orders (one more than the 200 the list once
// stopped at, silently) come back all, each once, in order, in pages of
// 50, of the most (200) and of 41 (the last page exactly full, and no
// next cursor after it). A cursor that is none of the buyer's orders and a
// page size out of bounds are refused.
func TestMyOrdersPagesEveryOrder(t *testing.T) {
	t.Parallel()
	storetest.Each(t, func(t *testing.T, db store.DB) {
		f := newFixture(t, db)
		p := f.performance(f.venue("Teatro Massimo", 1).ID)
		buyer, other := citizen(1), citizen(2)
		want := heldAndReleased(f, buyer, p, 205)
		others := heldAndReleased(f, other, p, 1)

		for _, limit := range []int{50, ticketing.MaxOrderPage, 41} {
			var got []ticketing.Order
			cursor, pages := "", 0
			for {
				page, err := f.svc.MyOrders(f.ctx, buyer, cursor, limit)
				if err != nil {
					t.Fatalf("pages of %d, page %d: %v", limit, pages+1, err)
				}
				pages++
				got = append(got, page.Orders...)
				if page.Next == "" {
					break
				}
				if len(page.Orders) != limit || page.Next != page.Orders[limit-1].ID {
					t.Fatalf("pages of %d, page %d: %d orders, next %q", limit, pages, len(page.Orders), page.Next)
				}
				if pages > len(want) {
					t.Fatalf("pages of %d: more pages than orders", limit)
				}
				cursor = page.Next
			}
			if len(got) != len(want) {
				t.Fatalf("pages of %d: %d orders in %d pages, want %d", limit, len(got), pages, len(want))
			}
			for i := range want {
				if got[i].ID != want[i].ID {
					t.Fatalf("pages of %d: order %d is %s (made %v), want %s (made %v)", limit, i, got[i].ID, got[i].CreatedAt, want[i].ID, want[i].CreatedAt)
				}
			}
		}

		for _, cursor := range []string{others[0].ID, "tord_nope"} {
			if _, err := f.svc.MyOrders(f.ctx, buyer, cursor, 50); apperr.CodeOf(err) != apperr.Invalid || apperr.ReasonOf(err) != "bad_cursor" {
				t.Errorf("cursor %s: %v, want bad_cursor", cursor, err)
			}
		}
		for _, limit := range []int{0, -1, ticketing.MaxOrderPage + 1} {
			if _, err := f.svc.MyOrders(f.ctx, buyer, "", limit); apperr.ReasonOf(err) != "bad_limit" {
				t.Errorf("limit %d: %v, want bad_limit", limit, err)
			}
		}

		// The data download holds them all, newest first.
		all, err := f.svc.OrdersForDownload(f.ctx, buyer)
		if err != nil {
			t.Fatal(err)
		}
		if len(all) != len(want) || all[0].ID != want[0].ID || all[len(all)-1].ID != want[len(want)-1].ID {
			t.Fatalf("the download holds %d orders, want %d", len(all), len(want))
		}
	})
}
