package vouchers

import (
	"reflect"
	"slices"
	"testing"
)

// readPage's every way through, on a list of ten rows read by a fake
// store that does what a Seek says: the pages back from near the start and
// forward past the end, which the stores' walks over whole pages never
// take, among them.
func TestReadPageEveryWay(t *testing.T) {
	list := []string{"a", "b", "c", "d", "e", "f", "g", "h", "i", "j"}
	read := func(s Seek) ([]string, error) {
		at := 0
		if s.After != "" {
			at = slices.Index(list, s.After)
			if !s.Back {
				at++
			}
		}
		if s.Back {
			return list[max(0, at-s.Limit):at], nil
		}
		return list[at:min(len(list), at+s.Limit)], nil
	}
	id := func(s string) string { return s }
	for _, c := range []struct {
		name       string
		q          PageQuery
		items      []string
		prev, next string
	}{
		{"the first page", PageQuery{Limit: 4}, []string{"a", "b", "c", "d"}, "", "d"},
		{"a page in the middle", PageQuery{Cursor: "d", Limit: 4}, []string{"e", "f", "g", "h"}, "e", "h"},
		{"the last page, shorter", PageQuery{Cursor: "h", Limit: 4}, []string{"i", "j"}, "i", ""},
		{"past the end: nothing, and the way back", PageQuery{Cursor: "j", Limit: 4}, []string{}, "j", ""},
		{"back, with more before", PageQuery{Cursor: "j", Back: true, Limit: 4}, []string{"f", "g", "h", "i"}, "f", "i"},
		{"back to exactly the first page", PageQuery{Cursor: "e", Back: true, Limit: 4}, []string{"a", "b", "c", "d"}, "", "d"},
		{"back from near the start: the first page whole", PageQuery{Cursor: "c", Back: true, Limit: 4}, []string{"a", "b", "c", "d"}, "", "d"},
		{"back with no cursor: the first page", PageQuery{Back: true, Limit: 4}, []string{"a", "b", "c", "d"}, "", "d"},
	} {
		t.Run(c.name, func(t *testing.T) {
			p, err := readPage(c.q, id, read)
			if err != nil || !reflect.DeepEqual(p.Items, c.items) || p.Prev != c.prev || p.Next != c.next {
				t.Fatalf("%+v: %+v, %v; want %v, prev %q, next %q", c.q, p, err, c.items, c.prev, c.next)
			}
		})
	}
}
