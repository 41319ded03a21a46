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

// A cancelled performance's page says it was cancelled, in both
// languages, not only that its tickets are not on sale; the buyer's page
// of an order it refunded says the refund came of the cancellation, how
// much went back and where, with a link to the wallet. They said no more
// than "not on sale now" and "Order refunded."
func TestCancelledPerformancePages(t *testing.T) {
	t.Parallel()
	env, srv, p := cardOffTheatre(t)
	ctx := context.Background()
	anna, _ := env.account(t, identity.RoleCitizen)
	buyer := identity.Caller{AccountID: anna.ID, Grants: []identity.Grant{{Role: identity.RoleCitizen}}}
	admin := identity.Caller{AccountID: "acc_admin", Grants: []identity.Grant{{Role: identity.RoleAdmin}}}
	svc := env.Deps.Ticketing
	if _, err := env.Deps.Wallet.TestTopUp(ctx, anna.ID, 5000, "anna-topup-cancelled"); err != nil {
		t.Fatal(err)
	}
	o, err := svc.Hold(ctx, buyer, p.ID, []string{"Platea/A/1"})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := svc.PayWithWallet(ctx, buyer, o.ID); err != nil {
		t.Fatal(err)
	}
	if _, err := svc.CancelPerformance(ctx, admin, p.ID); err != nil {
		t.Fatal(err)
	}
	if got, err := svc.Order(ctx, buyer, o.ID); err != nil || got.Status != ticketing.OrderRefunded || got.Note != ticketing.NotePerformanceCancelled {
		t.Fatalf("the order after the cancellation: %+v, %v", got, err)
	}
	visitor := webtest.NewPageClient(t, srv.URL)
	pc := webtest.SignedIn(t, srv.URL, anna.Email, testPassword)
	for _, tc := range []struct{ lang, cancelled, refunded, amount string }{
		{"it", "Spettacolo annullato", "Ordine rimborsato. Lo spettacolo è stato annullato.", "25,00 € sono tornati sul credito del tuo portafoglio."},
		{"en", "Performance cancelled", "Order refunded. The performance was cancelled.", "€25.00 went back to your wallet credit."},
	} {
		chooseLanguage(t, visitor, tc.lang, "/aiuto")
		chooseLanguage(t, pc, tc.lang, "/theatre")
		for who, c := range map[string]*webtest.PageClient{"visitor": visitor, "buyer": pc} {
			res, body := c.Get("/theatre/performances/" + p.ID)
			if res.StatusCode != http.StatusOK || !strings.Contains(readableText(body), tc.cancelled) {
				t.Errorf("%s, %s: the cancelled performance's page: %d\n%s", tc.lang, who, res.StatusCode, readableText(body))
			}
		}
		res, body := pc.Get("/theatre/orders/" + o.ID)
		if text := nbsp(readableText(body)); res.StatusCode != http.StatusOK || !strings.Contains(text, tc.refunded) || !strings.Contains(text, tc.amount) || !strings.Contains(body, `href="/wallet" data-testid="order-refund-wallet"`) {
			t.Errorf("%s: the refunded order's page: %d\n%s", tc.lang, res.StatusCode, text)
		}
	}
}
