package web

import (
	"net/http"
	"net/http/httptest"
	"net/url"
	"regexp"
	"strconv"
	"testing"
	"time"

	"cityhub/identity"
	"cityhub/ticketing"
	"cityhub/web/webtest"
)

// A ticket's card in the wallet names its performance's moment as the
// page writes every other date, in the page's language and the city's
// zone ("1º gennaio 2027, 20:30"), never as the API's ISO subtitle does.
func TestWalletTicketSubtitleWritesTheDate(t *testing.T) {
	t.Parallel()
	_, env := newTestServer(t, "sqlite", withWallet(true), withTicketing)
	ctx := t.Context()
	svc := env.Deps.Ticketing
	v := stallsVenue(t, svc)
	admin := identity.Caller{AccountID: "acc_admin", Grants: []identity.Grant{{Role: identity.RoleAdmin}}}
	// 19:30 UTC on the first of January is 20:30 in Rome.
	starts := time.Date(time.Now().Year()+1, 1, 1, 19, 30, 0, 0, time.UTC)
	p, err := svc.CreatePerformance(ctx, admin, ticketing.Performance{VenueID: v.ID, Title: "Capodanno a teatro",
		StartsAt: starts, Prices: map[string]int64{"stalls": 1800}})
	if err != nil {
		t.Fatal(err)
	}
	anna, _ := env.account(t, identity.RoleCitizen)
	if _, err := env.Deps.Wallet.TestTopUp(ctx, anna.ID, 5000, "anna-topup-1"); err != nil {
		t.Fatal(err)
	}
	citizen := identity.Caller{AccountID: anna.ID, Grants: []identity.Grant{{Role: identity.RoleCitizen}}}
	o, err := svc.Hold(ctx, citizen, p.ID, []string{"Platea/A/2"})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := svc.PayWithWallet(ctx, citizen, o.ID); err != nil {
		t.Fatal(err)
	}

	srv := httptest.NewServer(env.Server)
	defer srv.Close()
	pc := webtest.SignedIn(t, srv.URL, anna.Email, testPassword)
	subtitle := regexp.MustCompile(`<p class="item-subtitle">([^<]*)</p>`)
	year := starts.Year()
	for _, tc := range []struct{ lang, want string }{
		{"it", "Teatro Comunale · 1º gennaio " + strconv.Itoa(year) + ", 20:30 · Platea A, 2"},
		{"en", "Teatro Comunale · 1 January " + strconv.Itoa(year) + ", 20:30 · Stalls A, 2"},
	} {
		u, _ := url.Parse(srv.URL)
		pc.Client.Jar.SetCookies(u, []*http.Cookie{{Name: "cityhub_lang", Value: tc.lang}})
		res, body := pc.Get("/wallet")
		m := subtitle.FindStringSubmatch(body)
		if res.StatusCode != http.StatusOK || m == nil {
			t.Fatalf("%s: the wallet shows no ticket subtitle: %d\n%s", tc.lang, res.StatusCode, body)
		}
		if m[1] != tc.want {
			t.Errorf("%s: the ticket's subtitle is %q, want %q", tc.lang, m[1], tc.want)
		}
	}
}
