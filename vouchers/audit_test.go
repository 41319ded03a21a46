package vouchers_test

import (
	"fmt"
	"slices"
	"strconv"
	"testing"

	"cityhub/apperr"
	"cityhub/audit"
	"cityhub/store"
	"cityhub/store/storetest"
	"cityhub/vouchers"
)

// addAudit appends n entries of the voucher scheme at shop, each followed
// by one of another part of the hub (a ticket order), and returns the
// voucher scheme's entries' object ids in the order they were written.
func addAudit(t *testing.T, f *fixture, n int, shop string) []string {
	t.Helper()
	var ids []string
	err := f.db.Vouchers().InTx(f.ctx, func(tx vouchers.Tx) error {
		for i := range n {
			id := fmt.Sprintf("vch_audit_%s_%04d", shop, i)
			ids = append(ids, id)
			for _, e := range []audit.Entry{
				{ActorID: "acc_staff", Action: "voucher.redeem", ObjectType: "voucher", ObjectID: id, ShopID: shop},
				{ActorID: "acc_buyer", Action: "order.paid", ObjectType: "order", ObjectID: fmt.Sprintf("ord_%s_%d", shop, i)},
			} {
				if err := tx.AppendAudit(f.ctx, e); err != nil {
					return err
				}
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	return ids
}

// TestAuditIsReadAPageAtATime: following the cursor from page to page
// gives every entry of the voucher scheme once, oldest first, and nothing
// of the rest of the hub; the shop filter holds across pages; a bad
// cursor or limit is Invalid.
func TestAuditIsReadAPageAtATime(t *testing.T) {
	t.Parallel()
	storetest.Each(t, func(t *testing.T, db store.DB) {
		f := newFixture(t, db)
		want := addAudit(t, f, 7, "shp_a")
		other := addAudit(t, f, 3, "shp_b")
		read := func(q vouchers.AuditQuery) (got []string, pages int) {
			t.Helper()
			var last int64
			for {
				page, err := f.svc.Audit(f.ctx, admin, q)
				if err != nil {
					t.Fatal(err)
				}
				pages++
				for _, e := range page.Entries {
					if e.ID <= last {
						t.Fatalf("entry %d after %d", e.ID, last)
					}
					last = e.ID
					got = append(got, e.ObjectID)
				}
				if page.Next == "" {
					return got, pages
				}
				if len(page.Entries) != q.Limit {
					t.Fatalf("a page of %d of %d has a next page", len(page.Entries), q.Limit)
				}
				q.Cursor = page.Next
			}
		}
		if got, pages := read(vouchers.AuditQuery{Limit: 3}); !slices.Equal(got, slices.Concat(want, other)) || pages != 4 {
			t.Fatalf("every entry in %d pages: %v", pages, got)
		}
		if got, pages := read(vouchers.AuditQuery{Limit: 2, ShopID: "shp_a"}); !slices.Equal(got, want) || pages != 4 {
			t.Fatalf("one shop's entries in %d pages: %v", pages, got)
		}
		if got, _ := read(vouchers.AuditQuery{Limit: vouchers.MaxAuditPage}); !slices.Equal(got, slices.Concat(want, other)) {
			t.Fatalf("one page of all: %v", got)
		}
		for _, q := range []vouchers.AuditQuery{{Cursor: "x"}, {Cursor: "-1"}, {Limit: -1}, {Limit: vouchers.MaxAuditPage + 1}} {
			if _, err := f.svc.Audit(f.ctx, admin, q); !apperr.Has(err, apperr.Invalid) {
				t.Errorf("%+v: %v, want Invalid", q, err)
			}
		}
	})
}

// TestAuditLastPageExactlyFull: a page that ends the log gives no cursor,
// however full it is, rather than a cursor to an empty page; one entry
// more and it gives its last entry's. Also for a page of MaxAuditPage
// entries, as many as a store reads at a time.
func TestAuditLastPageExactlyFull(t *testing.T) {
	t.Parallel()
	storetest.Each(t, func(t *testing.T, db store.DB) {
		f := newFixture(t, db)
		// pages reads the shop's entries limit a page, following Next, and
		// returns how many entries each page had.
		pages := func(shop string, limit int) (sizes []int) {
			t.Helper()
			q := vouchers.AuditQuery{ShopID: shop, Limit: limit}
			for {
				page, err := f.svc.Audit(f.ctx, admin, q)
				if err != nil {
					t.Fatal(err)
				}
				sizes = append(sizes, len(page.Entries))
				if page.Next == "" {
					return sizes
				}
				if want := strconv.FormatInt(page.Entries[len(page.Entries)-1].ID, 10); page.Next != want {
					t.Fatalf("next %q, want the page's last entry %s", page.Next, want)
				}
				if len(sizes) > 10 {
					t.Fatalf("the pages do not end: %v", sizes)
				}
				q.Cursor = page.Next
			}
		}
		addAudit(t, f, 4, "shp_a")
		if got := pages("shp_a", 2); !slices.Equal(got, []int{2, 2}) {
			t.Fatalf("four entries two a page: pages of %v, want 2 and 2", got)
		}
		addAudit(t, f, 1, "shp_a")
		if got := pages("shp_a", 2); !slices.Equal(got, []int{2, 2, 1}) {
			t.Fatalf("five entries two a page: pages of %v, want 2, 2 and 1", got)
		}
		addAudit(t, f, vouchers.MaxAuditPage, "shp_b")
		for _, limit := range []int{0, vouchers.MaxAuditPage} {
			if got := pages("shp_b", limit); !slices.Equal(got, []int{vouchers.MaxAuditPage}) {
				t.Fatalf("%d entries, limit %d: pages of %v, want one", vouchers.MaxAuditPage, limit, got)
			}
		}
		addAudit(t, f, 1, "shp_b")
		if got := pages("shp_b", vouchers.MaxAuditPage); !slices.Equal(got, []int{vouchers.MaxAuditPage, 1}) {
			t.Fatalf("%d entries, limit %d: pages of %v, want a full one and one of 1", vouchers.MaxAuditPage+1, vouchers.MaxAuditPage, got)
		}
	})
}
