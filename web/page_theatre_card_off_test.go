package web

import (
	"context"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"
	"time"

	"cityhub/identity"
	"cityhub/ticketing"
	"cityhub/web/webtest"
)

// cardOffTheatre is a test server with a performance on sale, its wallet's
// test top-ups on, and card payments on only with withStripe and
// withPublishableKey among more.
func cardOffTheatre(t *testing.T, more ...func(*testEnv, *Deps)) (*testEnv, *httptest.Server, ticketing.Performance) {
	t.Helper()
	_, env := newTestServer(t, "sqlite", append([]func(*testEnv, *Deps){withWallet(true), withTicketing}, more...)...)
	svc := env.Deps.Ticketing
	p := smallTheatre(t, svc, "La locandiera", 2500)
	srv := httptest.NewServer(env.Server)
	t.Cleanup(srv.Close)
	return env, srv, p
}

// The theatre pages say how seats are paid: on a hub without card
// payments, with wallet credit only; with card payments, credit or card.
// They offered the card on a hub that takes none.
func TestTheatrePagesOfferTheCardOnlyWhenOn(t *testing.T) {
	t.Parallel()
	for _, card := range []bool{false, true} {
		var more []func(*testEnv, *Deps)
		if card {
			more = append(more, withStripe, withPublishableKey)
		}
		env, srv, p := cardOffTheatre(t, more...)
		anna, _ := env.account(t, identity.RoleCitizen)
		visitor := webtest.NewPageClient(t, srv.URL)
		citizen := webtest.SignedIn(t, srv.URL, anna.Email, testPassword)
		for _, tc := range []struct {
			lang, signIn, hint, cardWords string
		}{
			{"it", "si pagano con il credito del portafoglio", "I posti si pagano con il credito del portafoglio", "carta"},
			{"en", "they are paid with your wallet credit", "Pay for the seats with your wallet credit", "by card"},
		} {
			chooseLanguage(t, visitor, tc.lang, "/aiuto")
			chooseLanguage(t, citizen, tc.lang, "/theatre")
			_, body := visitor.Get("/theatre")
			text := readableText(body)
			i := strings.Index(text, tc.signIn)
			if i < 0 {
				t.Fatalf("card %v, %s: the programme does not say how tickets are paid:\n%s", card, tc.lang, text)
			}
			if said := strings.Contains(text[i:i+len(tc.signIn)+40], tc.cardWords); said != card {
				t.Errorf("card %v, %s: the programme says %q", card, tc.lang, text[i:i+len(tc.signIn)+40])
			}
			_, body = citizen.Get("/theatre/performances/" + p.ID)
			text = readableText(body)
			if i = strings.Index(text, tc.hint); i < 0 {
				t.Fatalf("card %v, %s: the hall does not say how seats are paid:\n%s", card, tc.lang, text)
			}
			if said := strings.Contains(text[i:i+len(tc.hint)+20], tc.cardWords); said != card {
				t.Errorf("card %v, %s: the hall says %q", card, tc.lang, text[i:i+len(tc.hint)+20])
			}
		}
	}
}

// On a hub without card payments but with top-ups, a card payment posted
// to the order page is refused as the API refuses it, 503, saying card
// payments are not available, not that the site has no top-ups: the page
// beside it offers one. It said "This site offers neither top-ups nor
// card payments."
func TestOrderPageCardPaymentWithoutCards(t *testing.T) {
	t.Parallel()
	env, srv, p := cardOffTheatre(t)
	anna, _ := env.account(t, identity.RoleCitizen)
	o, err := env.Deps.Ticketing.Hold(context.Background(), identity.Caller{AccountID: anna.ID,
		Grants: []identity.Grant{{Role: identity.RoleCitizen}}}, p.ID, []string{"Platea/A/1"})
	if err != nil {
		t.Fatal(err)
	}
	pc := webtest.SignedIn(t, srv.URL, anna.Email, testPassword)
	for _, tc := range []struct{ lang, want string }{
		{"it", "Su questo sito non si paga con la carta"},
		{"en", "Card payments are not available on this site"},
	} {
		chooseLanguage(t, pc, tc.lang, "/theatre")
		path := "/theatre/orders/" + o.ID
		res, body := pc.Post(path+"/pay", url.Values{"csrf_token": {pc.CSRF(path)}, "method": {"card"}})
		text := readableText(body)
		if res.StatusCode != http.StatusServiceUnavailable || !strings.Contains(text, tc.want) ||
			strings.Contains(text, "ricaricare") || strings.Contains(text, "top-ups") {
			t.Errorf("%s: card payment on a hub without cards: %d\n%s", tc.lang, res.StatusCode, text)
		}
		if !strings.Contains(body, `data-testid="order-topup"`) {
			t.Errorf("%s: the order page no longer offers the top-up", tc.lang)
		}
	}
	if got, _ := env.Deps.Ticketing.Order(context.Background(), identity.Caller{AccountID: anna.ID,
		Grants: []identity.Grant{{Role: identity.RoleCitizen}}}, o.ID); got.Status != ticketing.OrderHeld || got.PaymentIntentID != "" {
		t.Errorf("the order after the refused card payment: %+v", got)
	}
}

// smallTheatre makes the Teatro Comunale with one row of three seats
// (A/1 to A/3, category stalls) and a performance titled title in two
// days, its seats at price cents.
func smallTheatre(t *testing.T, svc *ticketing.Service, title string, price int64) ticketing.Performance {
	t.Helper()
	ctx := context.Background()
	admin := identity.Caller{AccountID: "acc_admin", Grants: []identity.Grant{{Role: identity.RoleAdmin}}}
	v, err := svc.CreateVenue(ctx, admin, ticketing.Venue{Name: "Teatro Comunale", Address: "Corso Garibaldi 1"})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := svc.SetSeatMap(ctx, admin, v.ID, ticketing.SeatMap{Sections: []ticketing.Section{{Name: "Platea", Rows: []ticketing.SeatRow{
		{Name: "A", From: 1, To: 3, Category: "stalls"}}}}}); err != nil {
		t.Fatal(err)
	}
	p, err := svc.CreatePerformance(ctx, admin, ticketing.Performance{VenueID: v.ID, Title: title,
		StartsAt: time.Now().Add(48 * time.Hour), Prices: map[string]int64{"stalls": price}})
	if err != nil {
		t.Fatal(err)
	}
	return p
}
