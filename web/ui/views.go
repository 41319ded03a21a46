package ui

import (
	"fmt"
	"html/template"
	"io/fs"
	"sync"
	"text/template/parse"
)

// The views are parsed once per process and shared: a parsed template is
// only read afterwards (html/template executes it concurrently), while the
// catalogues and static files above take settings of each hub (the time
// zone, the city's coat of arms). Parsing them was a fifth of the CPU of a
// test package that starts a hub per test.
var views struct {
	once   sync.Once
	byName map[string]*template.Template
	err    error
}

func parsedViews() (map[string]*template.Template, error) {
	views.once.Do(func() { views.byName, views.err = parseViews() })
	return views.byName, views.err
}

// parseViews parses the layout, the partials and every view into one set
// of templates, each once. Each view's own templates ("title", "content",
// and any other it defines) join the set under names of their own,
// views/<view>/<template>, and the view's page, views/<view>, is a copy of
// the layout's tree alone whose calls of those templates are renamed to the
// view's. A template a view does not define (a "head" left to the layout's
// default) stays the layout's.
//
// A copy of the layout and every partial for each view (html/template's
// Clone) kept 16 MB of parse trees, 330,000 objects, in every hub for its
// life, half of its live heap under load, which each garbage collection
// walked again: in a burst of redemptions a collection held the requests
// in flight some 6 ms longer than it does with the views in one set
// (bench/README.md). The views now take 3.5 MB; the copies of the layout
// are 1 MB of it, kept for the plainness of a page that is the layout.
//
// A view may not define a partial's name: it would override the partial
// where its page calls it, not where another partial does.
func parseViews() (map[string]*template.Template, error) {
	set, err := template.New("layout.html").Funcs(templateFuncs).ParseFS(templateFS, "templates/layout.html", "templates/partials/*.html")
	if err != nil {
		return nil, fmt.Errorf("parse layout and partials: %w", err)
	}
	layout := set.Lookup("layout.html").Tree
	out := map[string]*template.Template{}
	for _, name := range pageViews {
		t, err := addView(set, layout, templateFS, name)
		if err != nil {
			return nil, fmt.Errorf("view %s: %w", name, err)
		}
		out[name] = t
	}
	return out, nil
}

// layoutBlocks are the layout's own blocks, which a view may define
// instead of their defaults.
var layoutBlocks = map[string]bool{"head": true, "scripts": true}

// addView parses templates/views/<name>.html of fsys on its own and adds
// its templates and its page, a copy of layout, to set (see parseViews).
func addView(set *template.Template, layout *parse.Tree, fsys fs.FS, name string) (*template.Template, error) {
	file := "templates/views/" + name + ".html"
	if _, err := fs.Stat(fsys, file); err != nil {
		return nil, err
	}
	// ParseFS names the file's own template after its base name; that one
	// holds only the definitions, and is not added.
	base := name + ".html"
	own, err := template.New(base).Funcs(templateFuncs).ParseFS(fsys, file)
	if err != nil {
		return nil, fmt.Errorf("parse: %w", err)
	}
	prefix := "views/" + name + "/"
	renamed := map[string]string{}
	for _, t := range own.Templates() {
		if t.Tree == nil || t.Name() == base {
			continue
		}
		if set.Lookup(t.Name()) != nil && !layoutBlocks[t.Name()] {
			return nil, fmt.Errorf("defines %q, which a partial or the layout defines", t.Name())
		}
		renamed[t.Name()] = prefix + t.Name()
	}
	for _, block := range []string{"title", "content"} {
		if _, ok := renamed[block]; !ok {
			return nil, fmt.Errorf("defines no %q", block)
		}
	}
	add := func(to string, tree *parse.Tree) error {
		if set.Lookup(to) != nil {
			return fmt.Errorf("template %q defined twice", to)
		}
		renameCalls(tree.Root, renamed)
		_, err := set.AddParseTree(to, tree)
		return err
	}
	for from, to := range renamed {
		if err := add(to, own.Lookup(from).Tree); err != nil {
			return nil, err
		}
	}
	name = "views/" + name
	if err := add(name, layout.Copy()); err != nil {
		return nil, err
	}
	return set.Lookup(name), nil
}

// renameCalls renames, in the tree under n, the calls of the templates
// names holds.
func renameCalls(n parse.Node, names map[string]string) {
	eachCall(n, func(c *parse.TemplateNode) {
		if to, ok := names[c.Name]; ok {
			c.Name = to
		}
	})
}

// eachCall calls fn with every template call in the tree under n.
func eachCall(n parse.Node, fn func(*parse.TemplateNode)) {
	switch n := n.(type) {
	case *parse.ListNode:
		if n == nil {
			return
		}
		for _, c := range n.Nodes {
			eachCall(c, fn)
		}
	case *parse.TemplateNode:
		fn(n)
	case *parse.IfNode:
		eachCall(n.List, fn)
		eachCall(n.ElseList, fn)
	case *parse.RangeNode:
		eachCall(n.List, fn)
		eachCall(n.ElseList, fn)
	case *parse.WithNode:
		eachCall(n.List, fn)
		eachCall(n.ElseList, fn)
	}
}
