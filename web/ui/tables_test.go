package ui

import (
	"io/fs"
	"regexp"
	"strings"
	"testing"
)

// A table wider than a phone scrolls inside its own box rather than
// widening the page: every table in a template sits directly in a
// .table-responsive box, written in the template (site.js no longer wraps
// tables at run time), named as a region so a screen reader can tell the
// scrolling boxes of a page apart.
func TestEveryTableScrollsInANamedBox(t *testing.T) {
	t.Parallel()
	tableOpen := regexp.MustCompile(`<table[\s>]`)
	lastTag := regexp.MustCompile(`<([a-zA-Z][a-zA-Z0-9]*)\b([^<>]|\{\{[^}]*\}\})*>\s*$`)
	var tables int
	err := fs.WalkDir(templateFS, "templates", func(path string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() || !strings.HasSuffix(path, ".html") {
			return err
		}
		b, err := fs.ReadFile(templateFS, path)
		if err != nil {
			return err
		}
		src := string(b)
		for _, at := range tableOpen.FindAllStringIndex(src, -1) {
			tables++
			line := strings.Count(src[:at[0]], "\n") + 1
			box := lastTag.FindString(src[:at[0]])
			if !strings.HasPrefix(box, "<div") || !regexp.MustCompile(`class="[^"]*\btable-responsive\b`).MatchString(box) {
				t.Errorf("%s:%d: a table not directly in a <div class=\"table-responsive\">", path, line)
				continue
			}
			if !strings.Contains(box, `role="region"`) || !regexp.MustCompile(`aria-label="[^"]+"`).MatchString(box) {
				t.Errorf("%s:%d: the table's box is not a named region: %s", path, line, strings.TrimSpace(box))
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if tables < 15 {
		t.Fatalf("found %d tables; the scan lost some", tables)
	}
}
