package migrations

import (
	"testing"
	"testing/fstest"
)

func TestList(t *testing.T) {
	got, err := List(fstest.MapFS{
		"migrations/0010_b.sql":  {},
		"migrations/0002_a.sql":  {},
		"migrations/README.txt":  {},
		"migrations/0100_c.sql":  {},
		"migrations/notes.md":    {},
		"migrations/0003_x.sql~": {},
	})
	if err != nil {
		t.Fatal(err)
	}
	want := []File{{2, "0002_a.sql"}, {10, "0010_b.sql"}, {100, "0100_c.sql"}}
	if len(got) != len(want) {
		t.Fatalf("got %v", got)
	}
	for i := range want {
		if got[i] != want[i] {
			t.Fatalf("got %v, want %v", got, want)
		}
	}
	for name, fsys := range map[string]fstest.MapFS{
		"no version":   {"migrations/init.sql": {}},
		"zero version": {"migrations/0000_x.sql": {}},
		"same version": {"migrations/0001_a.sql": {}, "migrations/1_b.sql": {}},
	} {
		if _, err := List(fsys); err == nil {
			t.Errorf("%s: accepted", name)
		}
	}
}
