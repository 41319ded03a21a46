package ui

import (
	"crypto/sha256"
	"embed"
	"encoding/hex"
	"fmt"
	"io/fs"
	"mime"
	"net/http"
	"path"
	"regexp"
	"strings"
)

// Static files are embedded and served under /static/<checksum>/<name>. The
// checksum changes with the content, so a file may be cached for a year and
// a new release is still picked up at once.

//go:embed static
var staticFS embed.FS

type asset struct {
	body        []byte
	sum         string
	contentType string
}

type assets struct{ files map[string]asset }

func loadAssets() (*assets, error) {
	a := &assets{files: map[string]asset{}}
	bodies := map[string][]byte{}
	err := fs.WalkDir(staticFS, "static", func(p string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		b, err := staticFS.ReadFile(p)
		if err != nil {
			return err
		}
		bodies[strings.TrimPrefix(p, "static/")] = b
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("load static files: %w", err)
	}
	// Stylesheets last: their url() references become the checksummed URLs
	// of the files they name, so a font is cached as long as a stylesheet.
	var sheets []string
	for name, b := range bodies {
		if path.Ext(name) == ".css" {
			sheets = append(sheets, name)
			continue
		}
		a.add(name, b)
	}
	for _, name := range sheets {
		b, err := a.linkStylesheet(name, bodies[name])
		if err != nil {
			return nil, fmt.Errorf("load static files: %w", err)
		}
		a.add(name, b)
	}
	return a, nil
}

func (a *assets) add(name string, b []byte) {
	sum := sha256.Sum256(b)
	ct := mime.TypeByExtension(path.Ext(name))
	switch path.Ext(name) {
	case ".js":
		ct = "text/javascript; charset=utf-8"
	case ".css":
		ct = "text/css; charset=utf-8"
	case ".svg":
		ct = "image/svg+xml"
	case ".woff2":
		ct = "font/woff2"
	case "", ".LICENSE", ".txt", ".md":
		ct = "text/plain; charset=utf-8"
	}
	if ct == "" {
		ct = "application/octet-stream"
	}
	a.files[name] = asset{body: b, sum: hex.EncodeToString(sum[:6]), contentType: ct}
}

// cssURL matches a url() in a stylesheet, quoted or not.
var cssURL = regexp.MustCompile(`url\(\s*(?:"([^"]*)"|'([^']*)'|([^'")\s]*))\s*\)`)

// linkStylesheet rewrites the relative url() references of the stylesheet
// name (fonts, images) to the checksummed URLs of the embedded files they
// name. A reference to a file that is not embedded is a build defect and
// fails the start. data: and absolute URLs are left alone.
func (a *assets) linkStylesheet(name string, b []byte) ([]byte, error) {
	var missing []string
	out := cssURL.ReplaceAllFunc(b, func(m []byte) []byte {
		g := cssURL.FindSubmatch(m)
		ref := string(g[1]) + string(g[2]) + string(g[3])
		if ref == "" || strings.HasPrefix(ref, "data:") || strings.HasPrefix(ref, "/") || strings.HasPrefix(ref, "#") || strings.Contains(ref, "://") {
			return m
		}
		file, frag, _ := strings.Cut(ref, "#")
		file, _, _ = strings.Cut(file, "?")
		target := path.Join(path.Dir(name), file)
		f, ok := a.files[target]
		if !ok {
			missing = append(missing, ref)
			return m
		}
		u := "/static/" + f.sum + "/" + target
		if frag != "" {
			u += "#" + frag
		}
		return []byte(`url("` + u + `")`)
	})
	if len(missing) > 0 {
		return nil, fmt.Errorf("stylesheet %s names files that are not embedded: %s", name, strings.Join(missing, ", "))
	}
	return out, nil
}

// url is the checksummed URL of name. Templates only name files that exist:
// an unknown name panics during rendering, which the view tests catch.
func (a *assets) url(name string) string {
	f, ok := a.files[name]
	if !ok {
		panic("unknown static file " + name)
	}
	return "/static/" + f.sum + "/" + name
}

// handleStatic serves an embedded file at /static/<checksum>/<name>. The
// current checksum gets a year of caching; an old one (a page cached across
// a release) still gets the file, uncached. Any other path under /static,
// a directory's included, is a plain 404: nothing is listed.
func (s *site) handleStatic(w http.ResponseWriter, r *http.Request) {
	sum, name, _ := strings.Cut(r.PathValue("file"), "/")
	f, ok := s.pages.assets.files[name]
	if !ok || sum == "" {
		http.NotFound(w, r)
		return
	}
	h := w.Header()
	h.Set("Content-Type", f.contentType)
	h.Set("X-Content-Type-Options", "nosniff")
	if sum == f.sum {
		h.Set("Cache-Control", "public, max-age=31536000, immutable")
	} else {
		h.Set("Cache-Control", "no-cache")
	}
	h.Set("ETag", `"`+f.sum+`"`)
	if match := r.Header.Get("If-None-Match"); match == `"`+f.sum+`"` {
		w.WriteHeader(http.StatusNotModified)
		return
	}
	_, _ = w.Write(f.body)
}
