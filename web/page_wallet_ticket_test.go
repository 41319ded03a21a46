package web

import (
	"net/http"
	"net/http/httptest"
	"net/url"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"cityhub/identity"
	"cityhub/ticketing"
	"cityhub/web/webtest"
)

// A ticket's card in the wallet names its performance's moment as the
// page writes every other date, in the page's language and the city's
// zone ("1º gennaio 2027, 20:30"), never as the API's ISO subtitle does;
// two tickets to one show are told apart by their seats in their headings.
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
	o, err := svc.Hold(ctx, citizen, p.ID, []string{"Platea/A/2", "Platea/A/3"})
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
		var subs []string
		for _, m := range subtitle.FindAllStringSubmatch(body, -1) {
			subs = append(subs, m[1])
		}
		if res.StatusCode != http.StatusOK || !slices.Contains(subs, tc.want) {
			t.Fatalf("%s: the tickets' subtitles are %q, want %q among them (%d)", tc.lang, subs, tc.want, res.StatusCode)
		}
		// Two tickets to one show: each heading, and each QR code's
		// description, names its seat, so that they do not read alike.
		headings := regexp.MustCompile(`<h3 class="item-title">Capodanno a teatro<span class="visually-hidden">, ([^<]*)</span></h3>`).FindAllStringSubmatch(body, -1)
		if len(headings) != 2 || headings[0][1] == headings[1][1] || !strings.HasSuffix(tc.want, headings[0][1]) && !strings.HasSuffix(tc.want, headings[1][1]) {
			t.Errorf("%s: the two tickets' headings %q do not tell them apart by their seats", tc.lang, headings)
		}
	}
}
