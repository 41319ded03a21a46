package web

import (
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"

	"cityhub/identity"
	"cityhub/web/webtest"
)

// A waiting e-mail's state on the outbox list reads "In attesa" and, on a
// line of its own, its next attempt: text read without its tags (a screen
// reader's, a copy, a check's) said "In attesa , prossimo tentativo", the
// comma stuck after the bold state.
func TestOutboxPendingStateReadsWhole(t *testing.T) {
	t.Parallel()
	_, env := newTestServer(t, "sqlite", withWallet(true), withOutbox)
	m := failedMail(t, env.DB, "anna@example.org", "Ricevuta")
	srv := httptest.NewServer(env.Server)
	defer srv.Close()
	admin, _ := env.account(t, identity.RoleAdmin)
	pc := webtest.SignedIn(t, srv.URL, admin.Email, testPassword)
	if res, _ := pc.Post("/admin/outbox/"+m.ID+"/retry", url.Values{"csrf_token": {pc.CSRF("/admin/outbox")}}); res.StatusCode != http.StatusSeeOther {
		t.Fatalf("retry: %d", res.StatusCode)
	}
	res, body := pc.Get("/admin/outbox?state=pending")
	text := spaceRunsRex.ReplaceAllString(anyTag.ReplaceAllString(body, " "), " ")
	if res.StatusCode != http.StatusOK || !strings.Contains(text, "In attesa Prossimo tentativo") || strings.Contains(text, " ,") {
		t.Fatalf("outbox page %d:\n%s", res.StatusCode, text)
	}
}
