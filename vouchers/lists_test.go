package vouchers_test

import (
	"fmt"
	"slices"
	"strings"
	"testing"
	"time"

	"cityhub/apperr"
	"cityhub/identity"
	"cityhub/store"
	"cityhub/store/storetest"
	"cityhub/vouchers"
)

// walkPages reads a list a page of limit at a time with read, from the
// first page to the last by Next, and back again by Prev. It checks that
// every page counts the whole list (want rows), that the pages read back
// are the pages read forward, and that the walk lists want exactly, in
// order: every row once, none skipped.
func walkPages[T any](t *testing.T, limit int, want []string, id func(T) string, read func(vouchers.PageQuery) (vouchers.Page[T], error)) {
	t.Helper()
	var pages [][]string
	q := vouchers.PageQuery{Limit: limit}
	for range len(want) + 2 {
		p, err := read(q)
		if err != nil {
			t.Fatalf("page after %q: %v", q.Cursor, err)
		}
		if p.Total != len(want) {
			t.Fatalf("page after %q counts %d, want %d", q.Cursor, p.Total, len(want))
		}
		if len(p.Items) > limit {
			t.Fatalf("page after %q has %d rows, limit %d", q.Cursor, len(p.Items), limit)
		}
		if (q.Cursor == "") != (p.Prev == "") {
			t.Fatalf("page after %q: prev %q", q.Cursor, p.Prev)
		}
		var ids []string
		for _, it := range p.Items {
			ids = append(ids, id(it))
		}
		pages = append(pages, ids)
		if p.Next == "" {
			break
		}
		if len(p.Items) != limit || p.Next != ids[len(ids)-1] {
			t.Fatalf("page after %q: %v, next %q", q.Cursor, ids, p.Next)
		}
		q.Cursor = p.Next
	}
	if got := slices.Concat(pages...); !slices.Equal(got, want) {
		t.Fatalf("pages of %d listed\n%v\nwant\n%v", limit, pages, want)
	}
	if n := (len(want) + limit - 1) / limit; len(pages) != max(n, 1) {
		t.Fatalf("%d rows in %d pages of %d", len(want), len(pages), limit)
	}
	// Back from the last page, page by page, to the first.
	last := pages[len(pages)-1]
	if len(last) == 0 {
		return
	}
	q = vouchers.PageQuery{Cursor: last[0], Back: true, Limit: limit}
	for i := len(pages) - 2; i >= 0; i-- {
		p, err := read(q)
		if err != nil {
			t.Fatalf("page before %q: %v", q.Cursor, err)
		}
		var ids []string
		for _, it := range p.Items {
			ids = append(ids, id(it))
		}
		if !slices.Equal(ids, pages[i]) || p.Total != len(want) {
			t.Fatalf("page before %q: %v (total %d), want %v", q.Cursor, ids, p.Total, pages[i])
		}
		if want := pages[i+1][0]; p.Next != ids[len(ids)-1] || (i == 0) != (p.Prev == "") || (i > 0 && p.Prev != ids[0]) {
			t.Fatalf("page before %q: next %q prev %q (the page after starts at %s)", q.Cursor, p.Next, p.Prev, want)
		}
		q.Cursor = p.Prev
	}
}

// refusesBadPages checks that read refuses a cursor that is no row of its
// list, and limits outside 1 to MaxPage, and that forbidden callers are
// refused whatever they ask.
func refusesBadPages[T any](t *testing.T, cursors []string, read func(identity.Caller, vouchers.PageQuery) (vouchers.Page[T], error), forbidden ...identity.Caller) {
	t.Helper()
	for _, c := range cursors {
		for _, back := range []bool{false, true} {
			if _, err := read(admin, vouchers.PageQuery{Cursor: c, Back: back, Limit: 2}); !apperr.Has(err, apperr.Invalid) || apperr.ReasonOf(err) != "bad_cursor" {
				t.Errorf("cursor %q (back %v): %v, want bad_cursor", c, back, err)
			}
		}
	}
	for _, limit := range []int{0, -1, vouchers.MaxPage + 1} {
		if _, err := read(admin, vouchers.PageQuery{Limit: limit}); !apperr.Has(err, apperr.Invalid) || apperr.ReasonOf(err) != "bad_limit" {
			t.Errorf("limit %d: %v, want bad_limit", limit, err)
		}
	}
	if _, err := read(admin, vouchers.PageQuery{Limit: vouchers.MaxPage}); err != nil {
		t.Errorf("limit %d: %v", vouchers.MaxPage, err)
	}
	for _, c := range forbidden {
		if _, err := read(c, vouchers.PageQuery{Limit: 2}); !apperr.Has(err, apperr.Forbidden) {
			t.Errorf("%+v lists: %v", c.Grants, err)
		}
	}
}

// Campaigns made in the same instant (the clock stands still) come a page
// at a time, newest first and then by id, each exactly once, forwards and
// back, with the count of the whole list, of all or of one status.
func TestCampaignPages(t *testing.T) {
	t.Parallel()
	storetest.Each(t, func(t *testing.T, db store.DB) {
		f := newFixture(t, db)
		f.shop("Forno Traiano", "centro", "food")
		var all, open []vouchers.Campaign
		for i := range 7 {
			camp := vouchers.Campaign{Name: fmt.Sprintf("Campagna %d", i), BudgetCents: 10000, FaceValueCents: 1000, PerCitizenLimit: 1,
				ValidFrom: start.Add(-time.Hour), ValidUntil: start.Add(24 * time.Hour)}
			made, err := f.svc.CreateCampaign(f.ctx, admin, camp)
			if err != nil {
				t.Fatal(err)
			}
			if i%2 == 0 {
				if made, err = f.svc.SetCampaignStatus(f.ctx, admin, made.ID, vouchers.StatusOpen); err != nil {
					t.Fatal(err)
				}
				open = append(open, made)
			}
			all = append(all, made)
		}
		// Two more a minute later: newest first, before the seven.
		f.clock.Add(time.Minute)
		var later []vouchers.Campaign
		for i := range 2 {
			made, err := f.svc.CreateCampaign(f.ctx, admin, vouchers.Campaign{Name: fmt.Sprintf("Dopo %d", i), BudgetCents: 10000, FaceValueCents: 1000,
				PerCitizenLimit: 1, ValidFrom: start.Add(-time.Hour), ValidUntil: start.Add(24 * time.Hour)})
			if err != nil {
				t.Fatal(err)
			}
			later = append(later, made)
		}
		ids := func(cs ...[]vouchers.Campaign) []string {
			var out []string
			for _, c := range slices.Concat(cs...) {
				out = append(out, c.ID)
			}
			// Equal instants: the greater id first.
			slices.SortFunc(out, func(a, b string) int { return strings.Compare(b, a) })
			return out
		}
		want := append(ids(later), ids(all)...)
		id := func(c vouchers.Campaign) string { return c.ID }
		for _, limit := range []int{1, 2, 3, 4, 9, 10} {
			walkPages(t, limit, want, id, func(q vouchers.PageQuery) (vouchers.Page[vouchers.Campaign], error) {
				return f.svc.CampaignPage(f.ctx, admin, nil, q)
			})
		}
		walkPages(t, 2, ids(open), id, func(q vouchers.PageQuery) (vouchers.Page[vouchers.Campaign], error) {
			return f.svc.CampaignPage(f.ctx, admin, []string{vouchers.StatusOpen}, q)
		})
		walkPages(t, 3, nil, id, func(q vouchers.PageQuery) (vouchers.Page[vouchers.Campaign], error) {
			return f.svc.CampaignPage(f.ctx, admin, []string{vouchers.StatusClosed}, q)
		})
		refusesBadPages(t, []string{"cmp_nope"}, func(c identity.Caller, q vouchers.PageQuery) (vouchers.Page[vouchers.Campaign], error) {
			return f.svc.CampaignPage(f.ctx, c, nil, q)
		}, citizen(1), merchant("shp_any"), identity.Caller{})
	})
}

// Shops of one name and district (branches at other addresses) come a
// page at a time by district, name and then id, each exactly once, of all
// or of one district, with the count of the list.
func TestShopPages(t *testing.T) {
	t.Parallel()
	storetest.Each(t, func(t *testing.T, db store.DB) {
		f := newFixture(t, db)
		var want, centro []string
		type made struct{ district, name, id string }
		var shops []made
		for i, d := range []string{"centro", "triggio", "centro", "centro", "pacevecchia", "triggio", "centro"} {
			name := "Forno"
			if i == 6 {
				name = "Alimentari"
			}
			s, err := f.svc.CreateShop(f.ctx, admin, vouchers.Shop{Name: name, Address: fmt.Sprintf("Via Traiano %d", i), District: d, Category: "food",
				IBAN: "IT60 X054 2811 1010 0000 0123 456"})
			if err != nil {
				t.Fatal(err)
			}
			shops = append(shops, made{s.District, s.Name, s.ID})
		}
		slices.SortFunc(shops, func(a, b made) int {
			return strings.Compare(a.district+"\x00"+a.name+"\x00"+a.id, b.district+"\x00"+b.name+"\x00"+b.id)
		})
		for _, s := range shops {
			want = append(want, s.id)
			if s.district == "centro" {
				centro = append(centro, s.id)
			}
		}
		id := func(s vouchers.Shop) string { return s.ID }
		for _, limit := range []int{1, 2, 3, 7, 8} {
			walkPages(t, limit, want, id, func(q vouchers.PageQuery) (vouchers.Page[vouchers.Shop], error) {
				return f.svc.ShopPage(f.ctx, admin, vouchers.ShopFilter{}, q)
			})
		}
		walkPages(t, 3, centro, id, func(q vouchers.PageQuery) (vouchers.Page[vouchers.Shop], error) {
			return f.svc.ShopPage(f.ctx, admin, vouchers.ShopFilter{District: "centro"}, q)
		})
		refusesBadPages(t, []string{"shp_nope", "cmp_x"}, func(c identity.Caller, q vouchers.PageQuery) (vouchers.Page[vouchers.Shop], error) {
			return f.svc.ShopPage(f.ctx, c, vouchers.ShopFilter{}, q)
		}, citizen(1), merchant(want[0]))
	})
}

// Statements closed in the same instant come a page at a time, newest
// first and then by id, each exactly once: every shop's to a city
// administrator, one shop's to its staff, who may not page another's, nor
// start from a statement of another shop.
func TestStatementPages(t *testing.T) {
	t.Parallel()
	storetest.Each(t, func(t *testing.T, db store.DB) {
		f := newFixture(t, db)
		a := f.shop("Forno Traiano", "centro", "food")
		b := f.shop("Libreria", "triggio", "books")
		var sts []vouchers.Settlement
		for i := range 9 {
			shop := a.ID
			if i%3 == 2 {
				shop = b.ID
			}
			closed := start
			if i >= 7 {
				closed = start.Add(time.Hour) // the newest two
			}
			sts = append(sts, vouchers.Settlement{ID: fmt.Sprintf("stl_test%02d", (i*7)%9), ShopID: shop, PeriodEnd: start, Count: 1, TotalCents: 100,
				Status: vouchers.SettlementClosed, ClosedAt: closed, ClosedBy: admin.AccountID})
		}
		if err := db.Vouchers().InTx(f.ctx, func(tx vouchers.Tx) error {
			for _, st := range sts {
				if err := tx.InsertSettlement(f.ctx, st); err != nil {
					return err
				}
			}
			return nil
		}); err != nil {
			t.Fatal(err)
		}
		of := func(shop string) []string {
			var out []vouchers.Settlement
			for _, st := range sts {
				if shop == "" || st.ShopID == shop {
					out = append(out, st)
				}
			}
			slices.SortFunc(out, func(x, y vouchers.Settlement) int {
				if c := y.ClosedAt.Compare(x.ClosedAt); c != 0 {
					return c
				}
				return strings.Compare(y.ID, x.ID)
			})
			var ids []string
			for _, st := range out {
				ids = append(ids, st.ID)
			}
			return ids
		}
		id := func(st vouchers.Settlement) string { return st.ID }
		for _, limit := range []int{1, 2, 4, 9} {
			walkPages(t, limit, of(""), id, func(q vouchers.PageQuery) (vouchers.Page[vouchers.Settlement], error) {
				return f.svc.StatementPage(f.ctx, admin, "", q)
			})
		}
		for _, shop := range []string{a.ID, b.ID} {
			walkPages(t, 2, of(shop), id, func(q vouchers.PageQuery) (vouchers.Page[vouchers.Settlement], error) {
				return f.svc.StatementPage(f.ctx, merchant(shop), shop, q)
			})
		}
		refusesBadPages(t, []string{"stl_nope"}, func(c identity.Caller, q vouchers.PageQuery) (vouchers.Page[vouchers.Settlement], error) {
			return f.svc.StatementPage(f.ctx, c, "", q)
		}, citizen(1), merchant(a.ID))
		// A statement of another shop is no cursor of this shop's list,
		// to its staff or to an administrator.
		other := of(b.ID)[0]
		for _, c := range []identity.Caller{merchant(a.ID), admin} {
			if _, err := f.svc.StatementPage(f.ctx, c, a.ID, vouchers.PageQuery{Cursor: other, Limit: 2}); apperr.ReasonOf(err) != "bad_cursor" {
				t.Errorf("%+v: another shop's statement as cursor: %v", c.Grants, err)
			}
		}
		if _, err := f.svc.StatementPage(f.ctx, merchant(a.ID), b.ID, vouchers.PageQuery{Limit: 2}); !apperr.Has(err, apperr.Forbidden) {
			t.Errorf("staff of one shop list another's: %v", err)
		}
	})
}
