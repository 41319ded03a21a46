package web

import (
	"go/ast"
	"go/parser"
	"go/token"
	"path/filepath"
	"strings"
	"testing"
)

// Every route of a surface is written out, as a literal pattern, in that
// surface's routes.go, so that grepping one file per surface finds it.
func TestRoutesAreWrittenOutInRoutesFiles(t *testing.T) {
	t.Parallel()
	files, err := filepath.Glob("*/*.go")
	if err != nil {
		t.Fatal(err)
	}
	own, _ := filepath.Glob("*.go")
	fset := token.NewFileSet()
	var found int
	for _, name := range append(files, own...) {
		if strings.HasSuffix(name, "_test.go") {
			continue
		}
		f, err := parser.ParseFile(fset, name, nil, 0)
		if err != nil {
			t.Fatal(err)
		}
		ast.Inspect(f, func(n ast.Node) bool {
			call, ok := n.(*ast.CallExpr)
			if !ok {
				return true
			}
			sel, ok := call.Fun.(*ast.SelectorExpr)
			if !ok || (sel.Sel.Name != "Handle" && sel.Sel.Name != "HandleFunc") || len(call.Args) != 2 {
				return true
			}
			if recv, ok := sel.X.(*ast.Ident); !ok || recv.Name != "mux" {
				return true // not a ServeMux (cardpay's Handle, say)
			}
			pos := fset.Position(call.Pos())
			if filepath.Base(name) != "routes.go" {
				t.Errorf("%s: a route registered outside routes.go", pos)
			}
			if lit, ok := call.Args[0].(*ast.BasicLit); !ok || lit.Kind != token.STRING {
				t.Errorf("%s: a route whose pattern is not written out", pos)
			}
			found++
			return true
		})
	}
	if found < 170 {
		t.Errorf("found %d routes; the scan lost some", found)
	}
	t.Logf("%d routes, each written out in its surface's routes.go", found)
}
