package web

import (
	"context"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"cityhub/identity"
	"cityhub/ticketing"
	"cityhub/web/webtest"
)

// The theatre's programme and a performance's hall with its prices are
// public, as a city's programme is (robots.txt lists /theatre as a public
// list): a visitor sees them in both languages, with a link to sign in
// that brings them back, and no form to hold seats, no tickets, no credit.
// Holding seats still asks for a citizen's sign-in: a visitor's post holds
// nothing. /theatre sent a visitor to the login page.
func TestTheatrePagesOpenToVisitors(t *testing.T) {
	t.Parallel()
	th := newCategoriesTheatre(t, "sqlite", map[string]int64{"stalls": 2500, "prima_fila": 3000})
	env, srv, p := th.env, th.srv, th.perf
	perfPath := "/theatre/performances/" + p.ID
	visitor := webtest.NewPageClient(t, srv.URL)

	for _, tc := range []struct {
		lang, signIn, price string
	}{
		{"it", "Accedi per acquistare i biglietti", "Platea: 25,00"},
		{"en", "Sign in to buy tickets", "Stalls: €25.00"},
	} {
		chooseLanguage(t, visitor, tc.lang, "/aiuto")
		res, body := visitor.Get("/theatre")
		if res.StatusCode != http.StatusOK || !strings.Contains(body, p.Title) || !strings.Contains(body, `href="`+perfPath+`"`) ||
			!strings.Contains(body, `href="/login?next=/theatre"`) || !strings.Contains(body, tc.signIn) {
			t.Fatalf("%s programme for a visitor: %d\n%s", tc.lang, res.StatusCode, body)
		}
		if !strings.Contains(body, `<a class="nav-link active" href="/theatre" aria-current="page">`) {
			t.Errorf("%s: the menu does not lead a visitor to the programme", tc.lang)
		}
		for _, hidden := range []string{`id="my-tickets-heading"`, `data-testid="ticket-status"`, `data-testid="buyers-only"`} {
			if strings.Contains(body, hidden) {
				t.Errorf("%s programme shows a visitor %s", tc.lang, hidden)
			}
		}
		res, body = visitor.Get(perfPath)
		if res.StatusCode != http.StatusOK || !strings.Contains(body, p.Title) || !strings.Contains(readableText(body), tc.price) ||
			!strings.Contains(body, `href="/login?next=`+perfPath+`"`) || !strings.Contains(body, `data-testid="seat-map"`) ||
			!strings.Contains(body, `data-testid="seat"`) {
			t.Fatalf("%s hall for a visitor: %d\n%s", tc.lang, res.StatusCode, body)
		}
		for _, hidden := range []string{`action="` + perfPath + `/buy"`, `name="key"`, `data-testid="seat-total"`, `data-testid="hold-hint"`} {
			if strings.Contains(body, hidden) {
				t.Errorf("%s hall shows a visitor %s", tc.lang, hidden)
			}
		}
		if strings.Count(body, `data-testid="seat"`) != strings.Count(body, ` disabled data-price=`) {
			t.Errorf("%s hall offers a visitor a seat to tick", tc.lang)
		}
	}

	// A visitor's post to hold seats, with the page's CSRF token, is sent
	// to sign in and holds nothing.
	av, err := env.Deps.Ticketing.Availability(context.Background(), p.ID)
	if err != nil {
		t.Fatal(err)
	}
	seat := av.Seats[0].ID
	res, _ := visitor.Post(perfPath+"/buy", url.Values{"csrf_token": {visitor.CSRF(perfPath)}, "seat": {seat}, "key": {"hld_visitor"}})
	if res.StatusCode != http.StatusUnauthorized {
		t.Errorf("a visitor's hold: %d %s", res.StatusCode, res.Header.Get("Location"))
	}
	if av, err = env.Deps.Ticketing.Availability(context.Background(), p.ID); err != nil {
		t.Fatal(err)
	}
	for _, st := range av.Seats {
		if st.State != ticketing.SeatFree {
			t.Errorf("after a visitor's hold seat %s is %s", st.ID, st.State)
		}
	}

	// Signed in through the link, a citizen is back on the performance,
	// with the form to hold seats.
	citizen, _ := env.account(t, identity.RoleCitizen)
	tok := visitor.CSRF("/login?next=" + url.QueryEscape(perfPath))
	res, _ = visitor.Post("/login", url.Values{"csrf_token": {tok}, "email": {citizen.Email}, "password": {testPassword}, "next": {perfPath}})
	if res.StatusCode != http.StatusSeeOther || res.Header.Get("Location") != perfPath {
		t.Fatalf("sign-in from the hall: %d to %q", res.StatusCode, res.Header.Get("Location"))
	}
	if _, body := visitor.Get(perfPath); !strings.Contains(body, `action="`+perfPath+`/buy"`) || strings.Contains(body, `data-testid="sign-in-to-buy"`) {
		t.Errorf("hall for a citizen:\n%s", body)
	}
	if _, body := visitor.Get("/theatre"); !strings.Contains(body, `id="my-tickets-heading"`) {
		t.Errorf("programme for a citizen without their tickets:\n%s", body)
	}

	// An account that does not buy tickets (an administrator, door staff)
	// sees the programme and the hall, told tickets are bought with a
	// citizen's account, where it was refused; its own pages are unchanged.
	for _, role := range []identity.Role{identity.RoleAdmin, identity.RoleDoor} {
		a, _ := env.account(t, role)
		pc := webtest.SignedIn(t, srv.URL, a.Email, testPassword)
		for _, path := range []string{"/theatre", perfPath} {
			res, body := pc.Get(path)
			if res.StatusCode != http.StatusOK || !strings.Contains(body, `data-testid="buyers-only"`) || strings.Contains(body, `/buy"`) ||
				strings.Contains(body, `id="my-tickets-heading"`) || strings.Contains(body, `data-testid="sign-in-to-buy"`) {
				t.Errorf("%s on %s: %d\n%s", role, path, res.StatusCode, body)
			}
		}
		if res, _ := pc.Post(perfPath+"/buy", url.Values{"csrf_token": {pc.CSRF(perfPath)}, "seat": {seat}}); res.StatusCode != http.StatusForbidden {
			t.Errorf("%s's hold: %d", role, res.StatusCode)
		}
	}
}
