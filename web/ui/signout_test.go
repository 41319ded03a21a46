package ui

import (
	"net/http"
	"net/url"
	"regexp"
	"testing"

	"cityhub/apperr"
)

// The header's browser token signs out only a browser whose session has
// ended: one whose session cannot be read (the database unreachable) may
// still be signed in, and is not signed out by that token alone.
func TestSignOutByTheBrowserTokenNeedsASessionKnownEnded(t *testing.T) {
	pc, accts := newPageServer(t)
	pc.Login("anna@example.org", "secret-Anna")
	_, page := pc.Get("/privacy")
	m := regexp.MustCompile(`name="csrf_browser" value="([^"]+)"`).FindStringSubmatch(page)
	if m == nil {
		t.Fatalf("no browser token in the header's forms:\n%s", page)
	}
	accts.mu.Lock()
	accts.sessionErr = apperr.E(apperr.Internal, "database unreachable")
	accts.mu.Unlock()
	if res, _ := pc.Post("/logout", url.Values{"csrf_browser": {m[1]}}); res.StatusCode != http.StatusForbidden {
		t.Fatalf("sign out by the browser token with the session unreadable: %d, want 403", res.StatusCode)
	}
	accts.mu.Lock()
	accts.sessionErr = nil
	n := len(accts.sessions)
	accts.mu.Unlock()
	if n != 1 {
		t.Fatalf("%d sessions left, want the one still signed in", n)
	}
	if res, _ := pc.Get("/privacy"); res.StatusCode != http.StatusOK {
		t.Fatalf("after the refused sign-out: %d, want still signed in", res.StatusCode)
	}
}
