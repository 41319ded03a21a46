package participation_test

import (
	"context"
	"os"
	"path/filepath"
	"reflect"
	"slices"
	"strings"
	"testing"

	"cityhub/identity"
	"cityhub/participation"
	"cityhub/store"
	"cityhub/store/storetest"
)

// The catalogue shipped as a starting point is the built-in one, so a city
// that copies it and edits starts from what it had.
func TestShippedCatalogueIsTheDefault(t *testing.T) {
	t.Parallel()
	c, err := participation.LoadCatalogue(filepath.Join("..", "packaging", "participation-catalogue.json"))
	if err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(c, participation.DefaultCatalogue()) {
		t.Fatalf("shipped catalogue differs from DefaultCatalogue:\n%+v", c)
	}
}

// A catalogue file is refused, with an error naming the file and the
// problem, when it is missing, not JSON, holds a field the format does not
// have, or breaks the catalogue's rules.
func TestCatalogueFileRefused(t *testing.T) {
	t.Parallel()
	const good = `{"offices":[{"id":"roads","name_it":"Strade","name_en":"Roads"}],
		"categories":[{"code":"pothole","office_id":"roads","name_it":"Buca","name_en":"Pothole","group":"street"}],
		"contrade":[{"code":"centro","name":"Centro","lat":41.13,"lon":14.77}],
		"city":{"min_lat":41.06,"min_lon":14.68,"max_lat":41.2,"max_lon":14.88}}`
	dir := t.TempDir()
	write := func(name, body string) string {
		p := filepath.Join(dir, name)
		if err := os.WriteFile(p, []byte(body), 0o600); err != nil {
			t.Fatal(err)
		}
		return p
	}
	c, err := participation.LoadCatalogue(write("good.json", good))
	if err != nil || len(c.Categories) != 1 || c.Categories[0].NameEN != "Pothole" || c.City.MaxLat != 41.2 {
		t.Fatalf("good file: %v %+v", err, c)
	}
	for _, tc := range []struct{ name, body, want string }{
		{"broken.json", `{"offices": [`, "not valid JSON"},
		{"unknown.json", strings.Replace(good, `"name_en":"Pothole"`, `"nome_en":"Pothole"`, 1), `unknown field "nome_en"`},
		{"toplevel.json", strings.Replace(good, `"city"`, `"town"`, 1), `unknown field "town"`},
		{"office.json", strings.Replace(good, `"office_id":"roads"`, `"office_id":"parks"`, 1), `category "pothole"`},
		{"box.json", strings.Replace(good, `"max_lat":41.2`, `"max_lat":41.0`, 1), "box is empty"},
		{"nocat.json", `{"offices":[],"categories":[],"contrade":[],"city":{"min_lat":1,"min_lon":1,"max_lat":2,"max_lon":2}}`, "no categories"},
		{"outside.json", strings.Replace(good, `"lat":41.13`, `"lat":40.85`, 1), `contrada "centro"`},
		{"two.json", good + good, "more than one JSON value"},
	} {
		p := write(tc.name, tc.body)
		_, err := participation.LoadCatalogue(p)
		if err == nil || !strings.Contains(err.Error(), p) || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%s: %v, want an error naming the file and %q", tc.name, err, tc.want)
		}
	}
	missing := filepath.Join(dir, "missing.json")
	if _, err := participation.LoadCatalogue(missing); err == nil || !strings.Contains(err.Error(), missing) {
		t.Errorf("missing file: %v", err)
	}
}

// A report whose category a new catalogue dropped still shows, named by
// its code, and stays with the office it was given.
func TestDroppedCategoryStillShows(t *testing.T) {
	t.Parallel()
	storetest.Each(t, func(t *testing.T, db store.DB) {
		f := newFixture(t, db)
		ctx := context.Background()
		r := f.report(t, anna, pothole(archLat, archLon))
		cat := participation.DefaultCatalogue()
		cat.Categories = slices.DeleteFunc(cat.Categories, func(k participation.Category) bool { return k.Code == "pothole" })
		svc, err := participation.NewService(db.Participation(), participation.Settings{Catalogue: cat, APIKeyCost: identity.FastArgon2}, nil)
		if err != nil {
			t.Fatal(err)
		}
		rs, err := svc.PublicReports(ctx, participation.PublicFilter{})
		if err != nil || len(rs) != 1 || rs[0].ID != r.ID || rs[0].CategoryIT != "pothole" || rs[0].CategoryEN != "pothole" {
			t.Fatalf("public reports after the category was dropped: %v %+v", err, rs)
		}
		q, err := svc.Queue(ctx, roads, "roads", "", 10)
		if err != nil || len(q) != 1 || q[0].ID != r.ID {
			t.Fatalf("roads queue after the category was dropped: %v %+v", err, q)
		}
	})
}
