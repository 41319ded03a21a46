package ui

import (
	"net/url"

	"cityhub/vouchers"
	"cityhub/web/httpx"
)

// The voucher page's lists (campaigns, shops, statements) are each shown
// a page at a time, and each is paged on its own: its cursor is a query
// parameter of its own (<list>_after for the page after a row,
// <list>_before for the page before one), so paging one list keeps the
// others where they were. The page's links and forms carry every list's
// place, so an action sent from the page comes back to it as it was.

// voucherAdminPageSize is how many rows each list of the page shows: the
// page shows three lists, and reads each campaign's uptake and each shop's
// balance.
const voucherAdminPageSize = 20

// The page's lists, by their query parameters' and sections' name.
const (
	listCampaigns   = "campaigns"
	listShops       = "shops"
	listSettlements = "settlements"
)

var voucherAdminLists = []string{listCampaigns, listShops, listSettlements}

// voucherAdminPlace is the page each list shows, by list; a list it does
// not hold shows its first page.
type voucherAdminPlace map[string]vouchers.PageQuery

// placeFrom reads each list's place from the query q.
func placeFrom(q url.Values) voucherAdminPlace {
	p := voucherAdminPlace{}
	for _, l := range voucherAdminLists {
		if c := q.Get(l + "_before"); c != "" {
			p[l] = vouchers.PageQuery{Cursor: c, Back: true}
		} else if c := q.Get(l + "_after"); c != "" {
			p[l] = vouchers.PageQuery{Cursor: c}
		}
	}
	return p
}

// repeated is the refusal of a query that gives a list's cursor more than
// once (Invalid, duplicate_field, naming the first such parameter), with
// the page to go back to: every list so given on its first page, the
// others where they were. No refusal, "" when each is given once.
func (p voucherAdminPlace) repeated(q url.Values) (first string, err error) {
	var bad []string
	for _, l := range voucherAdminLists {
		if e := httpx.Once(q, l+"_before", l+"_after"); e != nil {
			if err == nil {
				err = e
			}
			bad = append(bad, l)
			p = p.with(l, vouchers.PageQuery{})
		}
	}
	if err != nil {
		return p.page(bad[0]), err
	}
	return "", nil
}

// query is the place as a query string ("?...", or "" when every list is
// on its first page).
func (p voucherAdminPlace) query() string {
	q := url.Values{}
	for l, pq := range p {
		if pq.Cursor == "" {
			continue
		}
		if pq.Back {
			q.Set(l+"_before", pq.Cursor)
		} else {
			q.Set(l+"_after", pq.Cursor)
		}
	}
	if len(q) == 0 {
		return ""
	}
	return "?" + q.Encode()
}

// with is the place with list at pq (its first page for the zero
// PageQuery), the others as they are.
func (p voucherAdminPlace) with(list string, pq vouchers.PageQuery) voucherAdminPlace {
	out := make(voucherAdminPlace, len(p)+1)
	for l, q := range p {
		out[l] = q
	}
	out[list] = pq
	return out
}

// page is the voucher page at this place, at list's section.
func (p voucherAdminPlace) page(list string) string {
	return "/admin/vouchers" + p.query() + "#" + list
}

// listNav is what a list's section says of its pages: how many rows the
// list has in all, and the links to the pages before and after this one.
type listNav struct {
	Total      int
	Prev, Next string
}

// nav is list's navigation for a page read at this place.
func nav[T any](p voucherAdminPlace, list string, pg vouchers.Page[T]) listNav {
	n := listNav{Total: pg.Total}
	if pg.Prev != "" {
		n.Prev = p.with(list, vouchers.PageQuery{Cursor: pg.Prev, Back: true}).page(list)
	}
	if pg.Next != "" {
		n.Next = p.with(list, vouchers.PageQuery{Cursor: pg.Next}).page(list)
	}
	return n
}
