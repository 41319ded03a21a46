package paging

import (
	"errors"
	"fmt"
	"slices"
	"strconv"
	"testing"

	"cityhub/apperr"
)

// list is a fake list of n items, "1" to "n", read from after a cursor as
// the services read theirs; it refuses to read more than most at a time,
// as they do, and counts its reads.
type list struct {
	n, most, reads int
}

func (l *list) read(cursor string, limit int) ([]string, error) {
	l.reads++
	if limit < 1 || limit > l.most {
		return nil, fmt.Errorf("asked for %d, at most %d", limit, l.most)
	}
	from := 0
	if cursor != "" {
		var err error
		if from, err = strconv.Atoi(cursor); err != nil {
			return nil, err
		}
	}
	var out []string
	for i := from + 1; i <= l.n && len(out) < limit; i++ {
		out = append(out, strconv.Itoa(i))
	}
	return out, nil
}

func id(s string) string { return s }

// TestReadOffersNoEmptyPage: a page is followed by a next only when
// an item follows it, also when the last page is exactly full, and also
// for a page as large as the list may be read (where one more cannot be
// asked for).
func TestReadOffersNoEmptyPage(t *testing.T) {
	for _, c := range []struct {
		n, limit, most int
		cursor         string
		want           []string
		next           string
		reads          int
	}{
		{n: 4, limit: 2, most: 10, want: []string{"1", "2"}, next: "2", reads: 1},
		{n: 4, limit: 2, most: 10, cursor: "2", want: []string{"3", "4"}, next: "", reads: 1},
		{n: 5, limit: 2, most: 10, cursor: "2", want: []string{"3", "4"}, next: "4", reads: 1},
		{n: 3, limit: 2, most: 10, cursor: "2", want: []string{"3"}, next: "", reads: 1},
		{n: 4, limit: 9, most: 10, want: []string{"1", "2", "3", "4"}, next: "", reads: 1},
		{n: 0, limit: 2, most: 10, want: nil, next: "", reads: 1},
		// A page of most: the page, then one item after it.
		{n: 3, limit: 3, most: 3, want: []string{"1", "2", "3"}, next: "", reads: 2},
		{n: 4, limit: 3, most: 3, want: []string{"1", "2", "3"}, next: "3", reads: 2},
		{n: 2, limit: 3, most: 3, want: []string{"1", "2"}, next: "", reads: 1},
		// One below most: one more is most, within the bound.
		{n: 3, limit: 2, most: 3, cursor: "1", want: []string{"2", "3"}, next: "", reads: 1},
	} {
		name := fmt.Sprintf("%d items, limit %d of %d, after %q", c.n, c.limit, c.most, c.cursor)
		l := &list{n: c.n, most: c.most}
		got, next, err := Read(c.cursor, c.limit, c.most, l.read, id)
		if err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		if !slices.Equal(got, c.want) || next != c.next || l.reads != c.reads {
			t.Errorf("%s: %v next %q in %d reads, want %v next %q in %d", name, got, next, l.reads, c.want, c.next, c.reads)
		}
	}
}

// TestReadErrors: a read's error is the page's, the probe's too; a
// limit outside 1 to most is bad_limit and nothing is read.
func TestReadErrors(t *testing.T) {
	boom := errors.New("the database went away")
	calls := 0
	failSecond := func(cursor string, n int) ([]string, error) {
		if calls++; calls > 1 {
			return nil, boom
		}
		return []string{"1", "2"}, nil
	}
	if _, _, err := Read("", 2, 2, failSecond, id); !errors.Is(err, boom) {
		t.Fatalf("the probe failed: %v", err)
	}
	for _, limit := range []int{0, -1, 3} {
		l := &list{n: 5, most: 2}
		if _, _, err := Read("", limit, 2, l.read, id); apperr.ReasonOf(err) != "bad_limit" || l.reads != 0 {
			t.Errorf("limit %d: %v after %d reads, want bad_limit and none", limit, err, l.reads)
		}
	}
}
