package ui

import (
	"go/parser"
	"go/token"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
)

// The pages share what they need with the other surfaces through web/httpx
// and the domains, never by importing another surface: a change to the
// JSON API cannot break a page.
func TestPagesImportNoOtherSurface(t *testing.T) {
	files, err := filepath.Glob("*.go")
	if err != nil {
		t.Fatal(err)
	}
	fset := token.NewFileSet()
	for _, name := range files {
		if strings.HasSuffix(name, "_test.go") {
			continue
		}
		f, err := parser.ParseFile(fset, name, nil, parser.ImportsOnly)
		if err != nil {
			t.Fatal(err)
		}
		for _, imp := range f.Imports {
			path, _ := strconv.Unquote(imp.Path.Value)
			switch path {
			case "cityhub/web", "cityhub/web/api", "cityhub/web/feeds", "cityhub/web/georeport":
				t.Errorf("%s imports %s", name, path)
			}
		}
	}
}
