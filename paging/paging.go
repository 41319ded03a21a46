// Package paging reads a list's pages by cursor and tells whether another
// page follows, for the services and the surfaces alike.
package paging

import "cityhub/apperr"

// Read reads the page of at most limit items that follows cursor, and
// next, the cursor of the page after it (id of the page's last item), empty
// when no item follows. A page that is full is not enough to offer the
// next: a list whose last page is exactly full would link to an empty page.
// So Read asks read for one item more than the page and drops it.
//
// read(cursor, n) gives at most n items after cursor (from the start when
// cursor is empty), and takes n from 1 to most. For a page of most items
// one more cannot be asked for: Read reads the page, and then, if it
// is full, one item after its last. A limit outside 1 to most is Invalid
// (bad_limit, CheckLimit).
func Read[T any](cursor string, limit, most int, read func(cursor string, n int) ([]T, error), id func(T) string) (items []T, next string, err error) {
	if err := CheckLimit(limit, most); err != nil {
		return nil, "", err
	}
	if limit < most {
		items, err = read(cursor, limit+1)
		if err != nil || len(items) <= limit {
			return items, "", err
		}
		items = items[:limit]
		return items, id(items[limit-1]), nil
	}
	items, err = read(cursor, limit)
	if err != nil || len(items) < limit {
		return items, "", err
	}
	last := id(items[len(items)-1])
	after, err := read(last, 1)
	if err != nil || len(after) == 0 {
		return items, "", err
	}
	return items, last, nil
}

// CheckLimit refuses a page size outside 1 to most: Invalid (bad_limit).
func CheckLimit(limit, most int) error {
	if limit < 1 || limit > most {
		return apperr.R(apperr.Invalid, "bad_limit", "limit must be a whole number from 1 to %d.", most)
	}
	return nil
}
