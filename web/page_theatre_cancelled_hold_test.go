package web

import (
	"context"
	"net/http"
	"strings"
	"testing"

	"cityhub/identity"
	"cityhub/ticketing"
	"cityhub/web/webtest"
)

// A hold ended by its performance's cancellation says so, as the paid
// orders of the same performance do: its note and its page name the
// cancelled performance, in both languages. It said it was cancelled by an
// administrator ("Cancelled by the city."), and its holder was never told
// the show would not happen.
func TestCancelledPerformanceHeldOrderPage(t *testing.T) {
	t.Parallel()
	env, srv, p := cardOffTheatre(t)
	ctx := context.Background()
	anna, _ := env.account(t, identity.RoleCitizen)
	buyer := identity.Caller{AccountID: anna.ID, Grants: []identity.Grant{{Role: identity.RoleCitizen}}}
	admin := identity.Caller{AccountID: "acc_admin", Grants: []identity.Grant{{Role: identity.RoleAdmin}}}
	svc := env.Deps.Ticketing
	o, err := svc.Hold(ctx, buyer, p.ID, []string{"Platea/A/1"})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := svc.CancelPerformance(ctx, admin, p.ID); err != nil {
		t.Fatal(err)
	}
	if got, err := svc.Order(ctx, buyer, o.ID); err != nil || got.Status != ticketing.OrderCancelled || got.Note != ticketing.NotePerformanceCancelled {
		t.Fatalf("the hold after the cancellation: %+v, %v", got, err)
	}
	pc := webtest.SignedIn(t, srv.URL, anna.Email, testPassword)
	for _, tc := range []struct{ lang, want, not string }{
		{"it", "Lo spettacolo è stato annullato.", "Annullato dal Comune"},
		{"en", "The performance was cancelled.", "Cancelled by the city"},
	} {
		chooseLanguage(t, pc, tc.lang, "/theatre")
		res, body := pc.Get("/theatre/orders/" + o.ID)
		if text := readableText(body); res.StatusCode != http.StatusOK || !strings.Contains(text, tc.want) || strings.Contains(text, tc.not) {
			t.Errorf("%s: the cancelled hold's page: %d\n%s", tc.lang, res.StatusCode, text)
		}
	}
}
