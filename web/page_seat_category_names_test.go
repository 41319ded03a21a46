package web

import (
	"context"
	"encoding/json"
	"html"
	"net/http"
	"net/http/httptest"
	"net/url"
	"reflect"
	"regexp"
	"strings"
	"testing"
	"time"

	"cityhub/identity"
	"cityhub/ticketing"
	"cityhub/web/webtest"
)

var (
	hiddenParts  = regexp.MustCompile(`(?is)<(script|style)\b.*?</(script|style)>`)
	readAttrs    = regexp.MustCompile(`(?i)\s(?:title|alt|aria-label|placeholder)="([^"]*)"`)
	anyTag       = regexp.MustCompile(`(?s)<[^>]*>`)
	spaceRunsRex = regexp.MustCompile(`\s+`)
	spaceBefore  = regexp.MustCompile(`\s+([,.:;)])`)
)

// readableText is what a page gives people to read or hear: its text (a
// screen reader's visually hidden text included) and the attributes
// shown or spoken (title, alt, aria-label, placeholder), not the other
// attributes, which only the hub reads.
func readableText(body string) string {
	body = hiddenParts.ReplaceAllString(body, " ")
	var b strings.Builder
	for _, m := range readAttrs.FindAllStringSubmatch(body, -1) {
		b.WriteString(html.UnescapeString(m[1]) + " ")
	}
	b.WriteString(html.UnescapeString(anyTag.ReplaceAllString(body, " ")))
	// A tag taken out leaves a space, which punctuation right after an
	// element ("<code>stalls</code>, ...") did not have.
	return spaceBefore.ReplaceAllString(spaceRunsRex.ReplaceAllString(b.String(), " "), "$1")
}

// The seat picker names each seat category as people call it, in the
// page's language (the words for a code the hub knows; a code it has no
// words for made readable), in its prices and in each seat's label, and
// never shows a category's code; the administrator's theatre page lists
// the codes to type in the prices, each with the name buyers read for it;
// the API keeps the codes and gives the names beside them.
func TestSeatCategoriesReadAsNames(t *testing.T) {
	t.Parallel()
	th := newCategoriesTheatre(t, "sqlite", map[string]int64{"stalls": 2500, "prima_fila": 3000, "loggione": 1000},
		ticketing.Section{Name: "Ordine1", Rows: []ticketing.SeatRow{{Name: "P", From: 1, To: 2, Category: "loggione"}}})
	env, srv, p := th.env, th.srv, th.perf
	citizen, _ := env.account(t, identity.RoleCitizen)
	pc := webtest.SignedIn(t, srv.URL, citizen.Email, testPassword)
	codes := regexp.MustCompile(`\b(stalls|prima_fila|loggione)\b`)

	for _, tc := range []struct {
		lang string
		want []string
	}{
		{"it", []string{"Platea: 25,00", "Prima fila: 30,00", "Loggione: 10,00", "Fila A, posto 1, Platea, 25,00", "Fila B, posto 2, Prima fila, 30,00", "Fila P, posto 1, Loggione, 10,00"}},
		{"en", []string{"Stalls: €25.00", "Prima fila: €30.00", "Upper gallery: €10.00", "Row A, seat 1, Stalls, €25.00", "Row B, seat 2, Prima fila, €30.00", "Row P, seat 1, Upper gallery, €10.00"}},
	} {
		chooseLanguage(t, pc, tc.lang, "/theatre")
		res, body := pc.Get("/theatre/performances/" + p.ID)
		if res.StatusCode != http.StatusOK {
			t.Fatalf("%s seat picker: %d", tc.lang, res.StatusCode)
		}
		text := readableText(body)
		for _, w := range tc.want {
			if !strings.Contains(text, w) {
				t.Errorf("%s seat picker lacks %q:\n%s", tc.lang, w, text)
			}
		}
		if c := codes.FindAllString(text, -1); c != nil {
			t.Errorf("%s seat picker shows the category codes %q:\n%s", tc.lang, c, text)
		}
	}

	// The administrator types the codes in a performance's prices, so the
	// theatre page lists them, each with the name buyers read when it is
	// more than the code in other letters.
	admin, _ := env.account(t, identity.RoleAdmin)
	ac := webtest.SignedIn(t, srv.URL, admin.Email, testPassword)
	for lang, want := range map[string]string{
		"it": "Categorie di Teatro Comunale: stalls (Platea), prima_fila (Prima fila), loggione",
		"en": "Categories of Teatro Comunale: stalls, prima_fila (Prima fila), loggione (Upper gallery)",
	} {
		chooseLanguage(t, ac, lang, "/admin/theatre")
		if _, body := ac.Get("/admin/theatre"); !strings.Contains(readableText(body), want) {
			t.Errorf("%s theatre page lacks %q:\n%s", lang, want, readableText(body))
		}
	}

	// The API's seat map keeps the codes and names them beside.
	res, err := http.Get(srv.URL + "/api/v1/performances/" + p.ID + "/seats")
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	var av struct {
		Seats []struct {
			Category string `json:"category"`
		} `json:"seats"`
		Categories []map[string]any `json:"categories"`
	}
	if err := json.NewDecoder(res.Body).Decode(&av); err != nil || res.StatusCode != http.StatusOK {
		t.Fatalf("seats: %d, %v", res.StatusCode, err)
	}
	want := []map[string]any{
		{"code": "stalls", "name_it": "Platea", "name_en": "Stalls", "price_cents": 2500.0},
		{"code": "prima_fila", "name_it": "Prima fila", "name_en": "Prima fila", "price_cents": 3000.0},
		{"code": "loggione", "name_it": "Loggione", "name_en": "Upper gallery", "price_cents": 1000.0},
	}
	if !reflect.DeepEqual(av.Categories, want) || len(av.Seats) != 6 || av.Seats[0].Category != "stalls" {
		t.Fatalf("the API's seat map: categories %v, seats %+v", av.Categories, av.Seats)
	}
}

// categoriesTheatre is a test server whose venue, Teatro Comunale, has
// the seat categories a test names: row A of its Sala "stalls", row B
// "prima_fila" (a code the hub has no words for), then the sections
// given; a performance there sells them at prices.
type categoriesTheatre struct {
	env   *testEnv
	srv   *httptest.Server
	admin identity.Caller
	venue ticketing.Venue
	perf  ticketing.Performance
}

func newCategoriesTheatre(t *testing.T, engine string, prices map[string]int64, more ...ticketing.Section) categoriesTheatre {
	t.Helper()
	_, env := newTestServer(t, engine, withWallet(true), withTicketing)
	ctx := context.Background()
	svc := env.Deps.Ticketing
	th := categoriesTheatre{env: env, admin: identity.Caller{AccountID: "acc_admin", Grants: []identity.Grant{{Role: identity.RoleAdmin}}}}
	var err error
	if th.venue, err = svc.CreateVenue(ctx, th.admin, ticketing.Venue{Name: "Teatro Comunale", Address: "Corso Garibaldi 1"}); err != nil {
		t.Fatal(err)
	}
	sections := append([]ticketing.Section{{Name: "Sala", Rows: []ticketing.SeatRow{{Name: "A", From: 1, To: 2, Category: "stalls"}, {Name: "B", From: 1, To: 2, Category: "prima_fila"}}}}, more...)
	if _, err := svc.SetSeatMap(ctx, th.admin, th.venue.ID, ticketing.SeatMap{Sections: sections}); err != nil {
		t.Fatal(err)
	}
	if th.perf, err = svc.CreatePerformance(ctx, th.admin, ticketing.Performance{VenueID: th.venue.ID, Title: "La figlia di Iorio",
		StartsAt: time.Now().Add(48 * time.Hour), Prices: prices}); err != nil {
		t.Fatal(err)
	}
	th.srv = httptest.NewServer(env.Server)
	t.Cleanup(th.srv.Close)
	return th
}

// chooseLanguage makes lang the language of c's pages, from page.
func chooseLanguage(t *testing.T, c *webtest.PageClient, lang, page string) {
	t.Helper()
	if res, _ := c.Post("/language", url.Values{"csrf_token": {c.CSRF(page)}, "lang": {lang}, "next": {page}}); res.StatusCode != http.StatusSeeOther {
		t.Fatalf("choose %s: %d", lang, res.StatusCode)
	}
}
