package ui

import (
	"errors"
	"io"
	"net/http"
	"strings"
	"testing"

	"cityhub/apperr"
)

// A signed-in person whose session cannot be read because the database does
// not answer is told the service is unavailable for a moment (503, with
// Retry-After), in the page's language: not sent to the login page as if
// signed out, where signing in could not work either, nor shown an error
// of the hub's own.
func TestAPageWhoseSessionCannotBeReadSaysTheServiceIsUnavailable(t *testing.T) {
	pc, accts := newPageServer(t)
	pc.Login("anna@example.org", "secret-Anna")
	if res, _ := pc.Get("/privacy"); res.StatusCode != http.StatusOK {
		t.Fatalf("signed in: %d", res.StatusCode)
	}
	accts.mu.Lock()
	accts.sessionErr = apperr.DatabaseUnavailable(errors.New("dial tcp 127.0.0.1:5432: connect: connection refused"))
	accts.mu.Unlock()
	for _, tc := range []struct{ lang, heading, message string }{
		{"it", "Servizio non disponibile", "Il servizio non risponde per qualche istante. Riprova tra un minuto."},
		{"en", "Service unavailable", "The service is not answering for a moment. Try again in a minute."},
	} {
		req, _ := http.NewRequest(http.MethodGet, pc.URL+"/privacy", nil)
		req.AddCookie(&http.Cookie{Name: langCookie, Value: tc.lang})
		res, err := pc.Client.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		b, _ := io.ReadAll(res.Body)
		res.Body.Close()
		page := string(b)
		if res.StatusCode != http.StatusServiceUnavailable {
			t.Fatalf("%s: session unreadable: %d (Location %q), want 503", tc.lang, res.StatusCode, res.Header.Get("Location"))
		}
		if got := res.Header.Get("Retry-After"); got != "5" {
			t.Errorf("%s: Retry-After %q, want 5", tc.lang, got)
		}
		if !strings.Contains(page, tc.heading) || !strings.Contains(page, tc.message) {
			t.Errorf("%s: the page does not say %q and %q:\n%s", tc.lang, tc.heading, tc.message, page)
		}
	}
	accts.mu.Lock()
	accts.sessionErr = nil
	accts.mu.Unlock()
	if res, _ := pc.Get("/privacy"); res.StatusCode != http.StatusOK {
		t.Fatalf("once the database answers again: %d, want still signed in", res.StatusCode)
	}
}
