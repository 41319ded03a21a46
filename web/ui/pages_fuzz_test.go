package ui

import (
	"net/url"
	"strings"
	"sync"
	"testing"
)

// FuzzAcceptLanguage: any header picks a supported language and never panics.
func FuzzAcceptLanguage(f *testing.F) {
	for _, seed := range []string{"", "it", "en-GB,en;q=0.9", "de;q=1.5,en", "en;q=", ";;;,,,", "IT-it;q=0.1, EN;q=0.2", "*", "en;q=NaN", "en;q=1e-300"} {
		f.Add(seed)
	}
	f.Fuzz(func(t *testing.T, header string) {
		got := fromAcceptLanguage(header)
		if !supportedLanguage(got) {
			t.Fatalf("fromAcceptLanguage(%q) = %q, not a page language", header, got)
		}
	})
}

// FuzzLocalPath: whatever a link carries as "next", an accepted redirect
// stays on this hub.
func FuzzLocalPath(f *testing.F) {
	for _, seed := range []string{"/wallet", "//evil.example", "/\\evil", "https://evil.example/", "/%2F%2Fevil", "/a?b=//c", "", "/\t/evil", "/\n/evil", "/ /evil", "/;@evil.example"} {
		f.Add(seed)
	}
	f.Fuzz(func(t *testing.T, next string) {
		p, ok := localPath(next)
		if !ok {
			return
		}
		// A browser strips tabs and newlines before it resolves a URL.
		stripped := strings.NewReplacer("\t", "", "\r", "", "\n", "").Replace(p)
		if !strings.HasPrefix(stripped, "/") || strings.HasPrefix(stripped, "//") || strings.ContainsRune(stripped, '\\') {
			t.Fatalf("localPath(%q) accepted %q", next, p)
		}
		// Resolved against the hub's URL as a browser does, it keeps the host.
		base, _ := url.Parse("https://hub.example/here")
		ref, err := url.Parse(p)
		if err != nil {
			t.Fatalf("accepted %q does not parse: %v", p, err)
		}
		if got := base.ResolveReference(ref); got.Host != "hub.example" {
			t.Fatalf("localPath(%q) = %q leads to host %q", next, p, got.Host)
		}
	})
}

func TestMissingViewFailsStart(t *testing.T) {
	saved := pageViews
	t.Cleanup(func() { pageViews = saved })
	pageViews = append(append([]string{}, saved...), "no_such_view")
	// The views are parsed once per process: start this test, and the
	// tests after it, from a fresh parse.
	views.once, views.byName, views.err = sync.Once{}, nil, nil
	t.Cleanup(func() { views.once, views.byName, views.err = sync.Once{}, nil, nil })
	if _, err := parseViews(); err == nil || !strings.Contains(err.Error(), "no_such_view") {
		t.Fatalf("parsing the views with one missing: %v", err)
	}
	defer func() {
		if recover() == nil {
			t.Error("New did not refuse to start without a view")
		}
	}()
	New(Deps{})
}
