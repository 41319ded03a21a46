package ui

import (
	"context"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"

	"cityhub/apperr"
	"cityhub/cardpay"
	"cityhub/identity"
	"cityhub/web/webtest"
)

// erasedMeanwhile is an erasure that finds the account erased by another
// request while this one waited for it (the same form sent twice at once):
// the other one ended the account's sessions, and this one is refused as
// cardpay refuses it (401 account_deleted).
type erasedMeanwhile struct{ *pageAccounts }

func (e erasedMeanwhile) EraseAccount(ctx context.Context, c identity.Caller, choice string) (cardpay.ErasureCredit, error) {
	e.mu.Lock()
	defer e.mu.Unlock()
	for t, s := range e.sessions {
		if s.AccountID == c.AccountID {
			delete(e.sessions, t)
		}
	}
	return cardpay.ErasureCredit{}, apperr.ErrAccountDeleted
}

// The deletion form racing itself: the one the other erasure went before
// gets the goodbye page as that one did, signed out and with the browser
// marked, so the form sent once more is answered alike; not a 401 or the
// sign-in page.
func TestPrivacyDeleteRacingItselfSaysGoodbye(t *testing.T) {
	accts := &pageAccounts{sessions: map[string]identity.Caller{}}
	srv := httptest.NewServer(serve(Deps{Accounts: accts, Erasure: erasedMeanwhile{accts}, Wallet: pageWallet{}}))
	t.Cleanup(srv.Close)
	pc := webtest.NewPageClient(t, srv.URL)
	pc.Login("anna@example.org", "secret-Anna")
	form := url.Values{"confirm_email": {"anna@example.org"}, "csrf_token": {pc.CSRF("/privacy")}}
	res, body := pc.Post("/privacy/delete", form)
	if res.StatusCode != http.StatusOK || !strings.Contains(body, "cancellato") || strings.Contains(body, `class="logout"`) {
		t.Fatalf("the form the other erasure went before: %d, want the goodbye page, signed out\n%s", res.StatusCode, body)
	}
	var marked bool
	for _, c := range res.Cookies() {
		marked = marked || c.Name == erasedCookie && c.Value != "" && c.MaxAge > 0
	}
	if !marked {
		t.Fatalf("the browser is not marked (%s): %v", erasedCookie, res.Cookies())
	}
	if res, body := pc.Post("/privacy/delete", form); res.StatusCode != http.StatusOK || !strings.Contains(body, "cancellato") {
		t.Fatalf("the form sent once more: %d, want the goodbye page\n%s", res.StatusCode, body)
	}
}
