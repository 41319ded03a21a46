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
	err := fs.WalkDir(staticFS, "static", func(p string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		b, err := staticFS.ReadFile(p)
		if err != nil {
			return err
		}
		sum := sha256.Sum256(b)
		ct := mime.TypeByExtension(path.Ext(p))
		switch path.Ext(p) {
		case ".js":
			ct = "text/javascript; charset=utf-8"
		case ".css":
			ct = "text/css; charset=utf-8"
		case ".svg":
			ct = "image/svg+xml"
		case "", ".LICENSE", ".txt", ".md":
			ct = "text/plain; charset=utf-8"
		}
		if ct == "" {
			ct = "application/octet-stream"
		}
		a.files[strings.TrimPrefix(p, "static/")] = asset{body: b, sum: hex.EncodeToString(sum[:6]), contentType: ct}
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("load static files: %w", err)
	}
	return a, nil
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

// handleStatic serves an embedded file. The current checksum gets a year of
// caching; an old one (a page cached across a release) still gets the file,
// uncached.
func (s *site) handleStatic(w http.ResponseWriter, r *http.Request) {
	f, ok := s.pages.assets.files[r.PathValue("name")]
	if !ok {
		http.NotFound(w, r)
		return
	}
	h := w.Header()
	h.Set("Content-Type", f.contentType)
	h.Set("X-Content-Type-Options", "nosniff")
	if r.PathValue("sum") == f.sum {
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
