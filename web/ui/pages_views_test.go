package ui

import (
	"html/template"
	"net/http"
	"strings"
	"testing"
	"testing/fstest"
	"text/template/parse"
)

// TestViewsShareTheLayoutAndPartials checks that the views are parsed into
// one set: a partial is one template whatever view reaches it, and each
// view's page calls its own "title" and "content", or the layout's default
// where the view defines none ("head" of the privacy page).
func TestViewsShareTheLayoutAndPartials(t *testing.T) {
	views, err := parseViews()
	if err != nil {
		t.Fatal(err)
	}
	if len(views) != len(pageViews) {
		t.Fatalf("%d views parsed, %d listed", len(views), len(pageViews))
	}
	login, privacy := views["login"], views["privacy"]
	if login.Lookup("nav") == nil || login.Lookup("nav") != privacy.Lookup("nav") {
		t.Errorf("the nav partial is not one template shared by the views")
	}
	calls := func(tree *parse.Tree) map[string]bool {
		got := map[string]bool{}
		eachCall(tree.Root, func(c *parse.TemplateNode) { got[c.Name] = true })
		return got
	}
	for view, want := range map[string][]string{
		"login":   {"views/login/title", "views/login/content", "views/login/head", "scripts", "nav", "footer"},
		"privacy": {"views/privacy/title", "views/privacy/content", "head", "scripts", "nav", "footer"},
	} {
		got := calls(views[view].Tree)
		for _, name := range want {
			if !got[name] {
				t.Errorf("view %s: its page does not call %q (calls %v)", view, name, got)
			}
		}
		if got["content"] || got["title"] {
			t.Errorf("view %s: its page calls a view's template by its shared name: %v", view, got)
		}
	}
}

// TestEachViewRendersItsOwnBlocks renders pages one after the other from
// the one set: each shows its own head and content, and no other's.
func TestEachViewRendersItsOwnBlocks(t *testing.T) {
	pc, _ := newPageServer(t)
	if res := pc.Login("anna@example.org", "secret-Anna"); res.StatusCode != http.StatusSeeOther {
		t.Fatalf("login: %d", res.StatusCode)
	}
	for _, tc := range []struct {
		path       string
		has, hasnt []string
	}{
		{"/wallet", []string{"css/payments."}, []string{"css/account."}},
		{"/privacy", nil, []string{"css/payments.", "css/account."}},
		{"/wallet", []string{"css/payments."}, []string{"css/account."}},
	} {
		res, body := pc.Get(tc.path)
		if res.StatusCode != http.StatusOK {
			t.Fatalf("GET %s: %d", tc.path, res.StatusCode)
		}
		// The layout around the view's blocks, in its order.
		at := 0
		for _, mark := range []string{"<title>", " · ", "</title>", "</head>", `href="#main"`, `id="main"`, "<footer", "js/site.js", "</html>"} {
			i := strings.Index(body[at:], mark)
			if i < 0 {
				t.Fatalf("GET %s: no %q after byte %d of the page", tc.path, mark, at)
			}
			at += i + len(mark)
		}
		for _, s := range tc.has {
			if !strings.Contains(body, s) {
				t.Errorf("GET %s: no %q", tc.path, s)
			}
		}
		for _, s := range tc.hasnt {
			if strings.Contains(body, s) {
				t.Errorf("GET %s: shows another view's %q", tc.path, s)
			}
		}
	}
}

// A view that defines a partial's name, or lacks its content, is refused
// with its name; one that defines the layout's "head" is taken.
func TestAddViewRefusesAPartialsName(t *testing.T) {
	set, err := template.New("layout.html").Funcs(templateFuncs).ParseFS(templateFS, "templates/layout.html", "templates/partials/*.html")
	if err != nil {
		t.Fatal(err)
	}
	layout := set.Lookup("layout.html").Tree
	fsys := fstest.MapFS{
		"templates/views/fine.html":     {Data: []byte(`{{define "title"}}T{{end}}{{define "head"}}<meta name="x">{{end}}{{define "content"}}C{{end}}`)},
		"templates/views/nav.html":      {Data: []byte(`{{define "title"}}T{{end}}{{define "nav"}}mine{{end}}{{define "content"}}C{{end}}`)},
		"templates/views/untitled.html": {Data: []byte(`{{define "content"}}C{{end}}`)},
	}
	if _, err := addView(set, layout, fsys, "fine"); err != nil {
		t.Errorf("a view with its own head: %v", err)
	}
	if _, err := addView(set, layout, fsys, "nav"); err == nil || !strings.Contains(err.Error(), `"nav"`) {
		t.Errorf("a view that defines the nav partial: %v", err)
	}
	if _, err := addView(set, layout, fsys, "untitled"); err == nil || !strings.Contains(err.Error(), `"title"`) {
		t.Errorf("a view without a title: %v", err)
	}
}
