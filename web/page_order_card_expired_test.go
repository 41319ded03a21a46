package web

import (
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"
	"time"

	"cityhub/identity"
	"cityhub/web/webtest"
)

// A card payment started for a held order whose hold then ran out before
// Stripe confirmed it (the buyer left the card form, or Stripe did not
// answer): the order's page says until when the seats were held and what a
// late confirmation does, in Italian and in English, and no longer offers
// to take the card payment up again, which would be refused (hold_expired).
// It said the tickets would come as soon as Stripe confirmed, and offered
// that dead end.
func TestOrderPageCardPendingAfterHoldRanOut(t *testing.T) {
	t.Parallel()
	rec := newStripeRecorder(t)
	_, env := newTestServer(t, "sqlite", withWallet(false), withTicketing, withRecordedStripe(rec), withPublishableKey)
	svc := env.Deps.Ticketing
	// The hold and its card payment are made an hour ago, so the hold ran
	// out 50 minutes ago once the clock is set right.
	anHourAgo := time.Now().Add(-time.Hour)
	svc.SetClock(func() time.Time { return anHourAgo })
	p := smallTheatre(t, svc, "Il berretto a sonagli", 2500)
	anna, _ := env.account(t, identity.RoleCitizen)
	cardTopUp(t, env, anna.ID, 2000, "pi_seed_anna_card_expired")
	srv := httptest.NewServer(env.Server)
	defer srv.Close()
	pc := webtest.SignedIn(t, srv.URL, anna.Email, testPassword)
	_, body := pc.Get("/theatre/performances/" + p.ID)
	res, _ := pc.Post("/theatre/performances/"+p.ID+"/buy", url.Values{"csrf_token": {webtest.CSRFInForm.FindStringSubmatch(body)[1]},
		"key": {topUpKeyRE.FindStringSubmatch(body)[1]}, "seat": {"Platea/A/2"}})
	loc := res.Header.Get("Location")
	if !strings.HasPrefix(loc, "/theatre/orders/tord_") {
		t.Fatalf("buy with short credit: %d to %q", res.StatusCode, loc)
	}
	if _, page := pc.Post(loc+"/pay", url.Values{"csrf_token": {pc.CSRF(loc)}, "method": {"card"}}); cardIntent.FindStringSubmatch(page) == nil {
		t.Fatalf("card page:\n%s", page)
	}
	svc.SetClock(time.Now)

	for lang, words := range map[string]string{
		"it": "I posti erano tenuti per te fino alle",
		"en": "The seats were held for you until",
	} {
		chooseLanguage(t, pc, lang, loc)
		_, page := pc.Get(loc)
		page = nbsp(page)
		if !strings.Contains(page, `data-testid="hold-expired"`) || !strings.Contains(page, words) {
			t.Errorf("%s: the page does not say the hold ran out (%q):\n%s", lang, words, page)
		}
		if strings.Contains(page, `data-testid="order-pending"`) {
			t.Errorf("%s: the page still says the tickets come as soon as Stripe confirms", lang)
		}
		if strings.Contains(page, `name="method" value="card"`) {
			t.Errorf("%s: the page offers to take up a card payment its hold no longer allows", lang)
		}
		if !strings.Contains(page, `data-testid="order-release"`) {
			t.Errorf("%s: the page offers no way to give the seats up", lang)
		}
	}
	// What the page no longer offers would have been refused.
	if res, _ := pc.Post(loc+"/pay", url.Values{"csrf_token": {pc.CSRF(loc)}, "method": {"card"}}); res.StatusCode != 409 {
		t.Fatalf("card payment taken up after the hold ran out: %d, want 409 hold_expired", res.StatusCode)
	}
}
