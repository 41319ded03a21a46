package vouchers

import (
	"context"
	"slices"
	"strings"

	"cityhub/apperr"
	"cityhub/identity"
)

// The administrators' lists (campaigns, shops, statements) are read a page
// at a time: a city that runs the scheme for years has hundreds of
// campaigns and shops and thousands of statements, and a list read whole
// grows without bound, or, cut at a fixed number, hides rows and miscounts.
// A page is keyset-paged: its cursor is the id of a row of the list, and
// the next page starts after that row in the list's order, so rows added
// meanwhile neither repeat nor push rows out of later pages.

// MaxPage bounds a page of the administrators' lists; DefaultPage is the
// page they get when they ask for no size.
const (
	MaxPage     = 200
	DefaultPage = 50
)

// PageQuery asks for one page of a list.
type PageQuery struct {
	// Cursor is the id of a row of the list: the page is the Limit rows
	// after it (a page's Next), or with Back the Limit rows before it (a
	// page's Prev). Empty: the first page.
	Cursor string
	Back   bool
	Limit  int // 1 to MaxPage
}

// Page is one page of a list, in the list's order.
type Page[T any] struct {
	Items []T
	// Total counts the rows of the whole list, not of the page.
	Total int
	// Next is the cursor of the page after this one, empty on the last;
	// Prev the cursor, read with Back, of the page before, empty on the
	// first.
	Next, Prev string
}

func (q PageQuery) check() error {
	if q.Limit < 1 || q.Limit > MaxPage {
		return apperr.R(apperr.Invalid, "bad_limit", "limit must be a whole number from 1 to %d.", MaxPage)
	}
	return nil
}

// badCursor is the refusal of a cursor that is no row of the list paged.
func badCursor() error {
	return apperr.R(apperr.Invalid, "bad_cursor", "The cursor is no row of this list.")
}

// cursorRow is the error of reading the row a cursor names: a missing row
// is a bad cursor (Invalid), not a missing page.
func cursorRow(err error) error {
	if apperr.Has(err, apperr.NotFound) {
		return badCursor()
	}
	return err
}

// Seek is what a store reads for one page: the Limit rows after the row
// whose id is After in the list's order (from the first when After is
// empty), or with Back the Limit rows nearest before it; either way, in
// the list's order.
type Seek struct {
	After string
	Back  bool
	Limit int
}

// readPage reads the page q asks for with read, which reads what a Seek
// names. It reads one row more than the page, to know whether another page
// follows in the direction read.
func readPage[T any](q PageQuery, id func(T) string, read func(Seek) ([]T, error)) (Page[T], error) {
	var p Page[T]
	back := q.Back && q.Cursor != ""
	rows, err := read(Seek{After: q.Cursor, Back: back, Limit: q.Limit + 1})
	if err != nil {
		return p, err
	}
	switch {
	case back && len(rows) > q.Limit:
		// Rows before this page too: the farthest from the cursor, read
		// only to know that, is the next page back's.
		rows = rows[1:]
		p.Prev, p.Next = id(rows[0]), id(rows[len(rows)-1])
	case back && len(rows) == q.Limit:
		// Exactly the first page.
		p.Next = id(rows[len(rows)-1])
	case back:
		// Fewer rows before the cursor than a page (a cursor near the
		// start): the first page, whole.
		return readPage(PageQuery{Limit: q.Limit}, id, read)
	default:
		if len(rows) > q.Limit {
			rows = rows[:q.Limit]
			p.Next = id(rows[len(rows)-1])
		}
		switch {
		case len(rows) > 0 && q.Cursor != "":
			p.Prev = id(rows[0])
		case q.Cursor != "":
			// Nothing after the cursor: the way back is the rows before
			// it.
			p.Prev = q.Cursor
		}
	}
	p.Items = rows
	if p.Items == nil {
		p.Items = []T{}
	}
	return p, nil
}

// CampaignPage gives a city administrator a page of the campaigns with one
// of statuses (all when none), newest first (by creation, then id), with
// the count of all of them. Forbidden unless the caller is a city
// administrator; Invalid (bad_status) for a status no campaign can have,
// (bad_limit) for a limit outside 1 to MaxPage, (bad_cursor) for a cursor
// that is no campaign.
func (s *Service) CampaignPage(ctx context.Context, c identity.Caller, statuses []string, q PageQuery) (Page[Campaign], error) {
	if err := requireAdmin(c); err != nil {
		return Page[Campaign]{}, err
	}
	for _, st := range statuses {
		if !slices.Contains(CampaignStatuses, st) {
			// A status misspelt would otherwise list nothing, which reads
			// as "no such campaigns".
			return Page[Campaign]{}, apperr.R(apperr.Invalid, "bad_status", "A campaign's status is one of %s.", strings.Join(CampaignStatuses, ", "))
		}
	}
	if err := q.check(); err != nil {
		return Page[Campaign]{}, err
	}
	var p Page[Campaign]
	err := s.store.View(ctx, func(tx Tx) error {
		if q.Cursor != "" {
			if _, err := tx.Campaign(ctx, q.Cursor); err != nil {
				return cursorRow(err)
			}
		}
		var err error
		p, err = readPage(q, func(c Campaign) string { return c.ID }, func(sk Seek) ([]Campaign, error) {
			return tx.PageCampaigns(ctx, statuses, sk)
		})
		if err != nil {
			return err
		}
		p.Total, err = tx.CountCampaigns(ctx, statuses)
		return err
	})
	return p, err
}

// ShopPage gives a city administrator a page of the shops f selects, in
// the shops' order (compareShops: by district, then by name as a reader
// looks it up, then by id), with the count of all of them. Forbidden
// unless the caller is a city administrator; Invalid (bad_limit) for a
// limit outside 1 to MaxPage, (bad_cursor) for a cursor that is no shop.
// A shop renamed or moved to another district between two pages moves in
// the list: the pages follow the list as it is when each is read. The
// page is cut from the shops f selects read whole and sorted here, since
// no engine orders names that way: a city has hundreds of shops, not the
// thousands of statements.
func (s *Service) ShopPage(ctx context.Context, c identity.Caller, f ShopFilter, q PageQuery) (Page[Shop], error) {
	if err := requireAdmin(c); err != nil {
		return Page[Shop]{}, err
	}
	if err := q.check(); err != nil {
		return Page[Shop]{}, err
	}
	// Filtered by the code a shop's district and category are kept under,
	// as the name was typed when the shop was registered.
	f.District, f.Category = placeFilter(f.District), placeFilter(f.Category)
	var p Page[Shop]
	err := s.store.View(ctx, func(tx Tx) error {
		// The cursor's shop marks where the page starts, in the list or
		// not (moved to another district since): the page is the shops
		// after it in the list's order, as a store's seek would read.
		var at Shop
		if q.Cursor != "" {
			var err error
			if at, err = tx.Shop(ctx, q.Cursor); err != nil {
				return cursorRow(err)
			}
		}
		all, err := tx.ListShops(ctx, f)
		if err != nil {
			return err
		}
		slices.SortFunc(all, compareShops)
		p, err = readPage(q, func(s Shop) string { return s.ID }, func(sk Seek) ([]Shop, error) {
			return seekSorted(all, at, compareShops, sk), nil
		})
		p.Total = len(all)
		return err
	})
	return p, err
}

// seekSorted is what sk names of rows, sorted by compare: the sk.Limit
// rows after at (from the first when sk.After is empty), or with sk.Back
// the sk.Limit rows nearest before it, in the list's order either way.
func seekSorted[T any](rows []T, at T, compare func(a, b T) int, sk Seek) []T {
	if sk.After == "" {
		return rows[:min(sk.Limit, len(rows))]
	}
	i, found := slices.BinarySearchFunc(rows, at, compare)
	if sk.Back {
		return rows[max(0, i-sk.Limit):i]
	}
	if found {
		i++
	}
	return rows[i:min(i+sk.Limit, len(rows))]
}

// StatementPage gives a page of a shop's statements (every shop's when
// shopID is empty), newest first (by closing, then id), with the count of
// all of them: to staff of the shop or a city administrator (who alone may
// ask for every shop's), as Statements. Invalid (bad_limit) for a limit
// outside 1 to MaxPage, (bad_cursor) for a cursor that is no statement of
// the list (another shop's included).
func (s *Service) StatementPage(ctx context.Context, c identity.Caller, shopID string, q PageQuery) (Page[Settlement], error) {
	if shopID == "" {
		if err := requireAdmin(c); err != nil {
			return Page[Settlement]{}, err
		}
	} else if err := requireShopOrAdmin(c, shopID); err != nil {
		return Page[Settlement]{}, err
	}
	if err := q.check(); err != nil {
		return Page[Settlement]{}, err
	}
	var p Page[Settlement]
	err := s.store.View(ctx, func(tx Tx) error {
		if q.Cursor != "" {
			st, err := tx.Settlement(ctx, q.Cursor)
			if err != nil {
				return cursorRow(err)
			}
			// Staff paging their shop's statements learn nothing of
			// another shop's, not even where it stands.
			if shopID != "" && st.ShopID != shopID {
				return badCursor()
			}
		}
		var err error
		p, err = readPage(q, func(st Settlement) string { return st.ID }, func(sk Seek) ([]Settlement, error) {
			return tx.PageSettlements(ctx, shopID, sk)
		})
		if err != nil {
			return err
		}
		p.Total, err = tx.CountSettlements(ctx, shopID)
		return err
	})
	return p, err
}
