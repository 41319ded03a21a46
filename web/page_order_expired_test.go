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

// A held order whose hold ran out stays held, so its page still offers to
// give the seats up and, while the credit is short, the top-up that would
// let it pay, in Italian and in English: after the hold ran out, after a
// payment refused for the short credit, and after one refused because a
// seat was taken meanwhile (hold_lost). Where it offered a credit payment
// every press of which was refused, and no way out of the order but the
// seat map.
func TestOrderPageAfterHoldRanOut(t *testing.T) {
	t.Parallel()
	_, env := newTestServer(t, "sqlite", withWallet(true), withTicketing)
	ctx := context.Background()
	svc := env.Deps.Ticketing
	admin := identity.Caller{AccountID: "acc_admin", Grants: []identity.Grant{{Role: identity.RoleAdmin}}}
	// The hold is taken an hour ago, so it ran out 50 minutes ago; the
	// clock is set back before the server starts serving.
	anHourAgo := time.Now().Add(-time.Hour)
	svc.SetClock(func() time.Time { return anHourAgo })
	v := stallsVenue(t, svc)
	p, err := svc.CreatePerformance(ctx, admin, ticketing.Performance{VenueID: v.ID, Title: "Il berretto a sonagli",
		StartsAt: time.Now().Add(72 * time.Hour), Prices: map[string]int64{"stalls": 1500}})
	if err != nil {
		t.Fatal(err)
	}
	anna, _ := env.account(t, identity.RoleCitizen)
	bruno, _ := env.account(t, identity.RoleCitizen)
	cardTopUp(t, env, anna.ID, 900, "pi_seed_expired")
	o, err := svc.Hold(ctx, identity.Caller{AccountID: anna.ID, Grants: []identity.Grant{{Role: identity.RoleCitizen}}}, p.ID, []string{"Platea/A/1"})
	if err != nil {
		t.Fatal(err)
	}
	svc.SetClock(time.Now)
	srv := httptest.NewServer(env.Server)
	defer srv.Close()

	loc := "/theatre/orders/" + o.ID
	topUp := `href="/wallet/topup?need=600&amp;return=%2Ftheatre%2Forders%2F` + o.ID + `"`
	release := `action="/theatre/orders/` + o.ID + `/release"`
	pages := map[string]*webtest.PageClient{}
	words := map[string]struct{ expired, short, topUp, release, holdLost string }{
		"it": {"I posti erano tenuti per te fino alle", "Il credito non basta: hai 9,00 €", "Ricarica almeno 6,00 €", "Rinuncia ai posti",
			"La prenotazione è scaduta e un posto è stato preso da altri."},
		"en": {"The seats were held for you until", "Your credit is not enough: you have €9.00", "Top up at least €6.00", "Give up the seats",
			"Your hold expired and a seat was taken by someone else."},
	}
	for lang := range words {
		pc := webtest.SignedIn(t, srv.URL, anna.Email, testPassword)
		chooseLanguage(t, pc, lang, loc)
		pages[lang] = pc
	}
	// shows checks the order's page as answered: status, the refusal
	// above it (if any), the words of an expired hold, and what it offers.
	shows := func(what, lang string, res *http.Response, body string, status int, refusal string, short bool) {
		t.Helper()
		w := words[lang]
		body = nbsp(body)
		var missing []string
		for _, want := range []string{w.expired, release, w.release} {
			if !strings.Contains(body, want) {
				missing = append(missing, want)
			}
		}
		if refusal != "" && !strings.Contains(body, `data-testid="order-error">`+refusal) {
			missing = append(missing, refusal)
		}
		if short {
			for _, want := range []string{w.short, topUp, w.topUp} {
				if !strings.Contains(body, want) {
					missing = append(missing, want)
				}
			}
		}
		if res.StatusCode != status || len(missing) > 0 || strings.Contains(body, `data-testid="order-credit"`) == short {
			t.Fatalf("%s, in %s: %d (want %d), missing %q, credit button offered %v with short credit %v:\n%s",
				what, lang, res.StatusCode, status, missing, strings.Contains(body, `data-testid="order-credit"`), short, body)
		}
	}
	for lang, pc := range pages {
		res, body := pc.Get(loc)
		shows("the order page", lang, res, body, http.StatusOK, "", true)
		// A payment pressed on an older page is refused for the credit,
		// and the page it answers offers the same.
		res, body = pc.Post(loc+"/pay", url.Values{"csrf_token": {pc.CSRF(loc)}, "method": {"wallet"}})
		shows("a payment refused for the credit", lang, res, body, http.StatusPaymentRequired, "", true)
	}

	// Bruno holds Anna's seat, free since her hold ran out.
	if _, err := svc.Hold(ctx, identity.Caller{AccountID: bruno.ID, Grants: []identity.Grant{{Role: identity.RoleCitizen}}}, p.ID,
		[]string{"Platea/A/1"}); err != nil {
		t.Fatal(err)
	}
	for lang, pc := range pages {
		res, body := pc.Post(loc+"/pay", url.Values{"csrf_token": {pc.CSRF(loc)}, "method": {"wallet"}})
		shows("a payment refused for the seat taken", lang, res, body, http.StatusConflict, words[lang].holdLost, true)
	}
	// With the credit topped up, the page offers the credit again (the
	// seat may come free) besides giving the seats up.
	cardTopUp(t, env, anna.ID, 600, "pi_seed_expired_more")
	for lang, pc := range pages {
		res, body := pc.Post(loc+"/pay", url.Values{"csrf_token": {pc.CSRF(loc)}, "method": {"wallet"}})
		shows("a payment refused for the seat taken, with credit enough", lang, res, body, http.StatusConflict, words[lang].holdLost, false)
	}
	// Giving the seats up from the page does.
	pc := pages["it"]
	if res, _ := pc.Post(loc+"/release", url.Values{"csrf_token": {pc.CSRF(loc)}}); res.StatusCode != http.StatusSeeOther ||
		res.Header.Get("Location") != "/theatre/performances/"+p.ID {
		t.Fatalf("give up the seats: %d to %q", res.StatusCode, res.Header.Get("Location"))
	}
	if got, err := svc.Order(ctx, admin, o.ID); err != nil || got.Status != ticketing.OrderCancelled {
		t.Fatalf("the order after giving it up: %+v, %v", got, err)
	}
}
