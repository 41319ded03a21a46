package web

import (
	"net/http"
	"net/http/httptest"
	"net/url"
	"regexp"
	"strings"
	"testing"
	"time"

	"cityhub/identity"
	"cityhub/ticketing"
	"cityhub/wallet"
	"cityhub/web/webtest"
)

// The administrator's theatre page: a venue, its seat map, a performance
// priced in euros, its sales in the table, and a cancellation that refunds.
func TestTheatreAdminPage(t *testing.T) {
	t.Parallel()
	_, env := newTestServer(t, "sqlite", withWallet(true), withTicketing, func(env *testEnv, d *Deps) {
	})
	admin, _ := env.account(t, identity.RoleAdmin)
	srv := httptest.NewServer(env.Server)
	defer srv.Close()
	pc := webtest.SignedIn(t, srv.URL, admin.Email, testPassword)
	if _, body := pc.Get("/admin"); !strings.Contains(body, `href="/admin/theatre"`) {
		t.Fatal("the admin dashboard has no theatre panel")
	}
	csrf := pc.CSRF("/admin/theatre")
	post := func(path string, form url.Values, want int) string {
		t.Helper()
		form.Set("csrf_token", csrf)
		res, body := pc.Post(path, form)
		if res.StatusCode != want {
			t.Fatalf("POST %s: %d, want %d: %s", path, res.StatusCode, want, body)
		}
		return body
	}
	post("/admin/theatre/venues", url.Values{"name": {"Teatro Romano"}, "address": {"Via del Teatro Romano"}}, http.StatusSeeOther)
	_, body := pc.Get("/admin/theatre")
	venue := regexp.MustCompile(`data-venue="(ven_[a-z0-9]+)"`).FindStringSubmatch(body)
	if venue == nil {
		t.Fatal("the new venue is not listed")
	}
	post("/admin/theatre/venues/"+venue[1]+"/seats", url.Values{"rows": {"Platea A 1 stalls"}}, http.StatusBadRequest)
	post("/admin/theatre/venues/"+venue[1]+"/seats", url.Values{"rows": {"Platea A 1-10 stalls\nPlatea B 1-10 stalls\nGalleria A 1-5 gallery"}}, http.StatusSeeOther)
	post("/admin/theatre/performances", url.Values{"venue_id": {venue[1]}, "title": {"Filumena Marturano"}, "starts_at": {"2099-03-14T20:45"},
		"prices": {"stalls 28,00\ngallery 12"}}, http.StatusSeeOther)
	_, body = pc.Get("/admin/theatre")
	if !strings.Contains(body, "Filumena Marturano") || !strings.Contains(body, "0 / 25") || !strings.Contains(body, "25 posti") {
		t.Fatal("the performance or its seats are not shown")
	}
	perf := regexp.MustCompile(`data-performance="(prf_[a-z0-9]+)"`).FindStringSubmatch(body)
	av, err := env.Deps.Ticketing.Availability(t.Context(), perf[1])
	if err != nil || av.Seats[0].PriceCents != 2800 || av.Seats[24].PriceCents != 1200 {
		t.Fatalf("prices on the seat map: %v", err)
	}
	if p := av.Performance; !p.DoorsOpen.Equal(p.StartsAt.Add(-2*time.Hour)) || !p.EndsAt.Equal(p.StartsAt.Add(3*time.Hour)) {
		t.Fatalf("default door window %v-%v", p.DoorsOpen, p.EndsAt)
	}
	// Doors and end (or a duration) are set on the form, and shown.
	post("/admin/theatre/performances", url.Values{"venue_id": {venue[1]}, "title": {"Questi fantasmi!"}, "starts_at": {"2099-03-21T21:00"},
		"doors_open": {"2099-03-21T20:15"}, "duration_minutes": {"150"}, "prices": {"stalls 20"}}, http.StatusSeeOther)
	post("/admin/theatre/performances", url.Values{"venue_id": {venue[1]}, "title": {"Doors late"}, "starts_at": {"2099-03-22T21:00"},
		"doors_open": {"2099-03-22T21:15"}, "prices": {"stalls 20"}}, http.StatusBadRequest)
	post("/admin/theatre/performances", url.Values{"venue_id": {venue[1]}, "title": {"Never ends"}, "starts_at": {"2099-03-22T21:00"},
		"duration_minutes": {"ninety"}, "prices": {"stalls 20"}}, http.StatusBadRequest)
	_, body = pc.Get("/admin/theatre")
	if !strings.Contains(body, "Porte 21 marzo 2099, 20:15, fine 21 marzo 2099, 23:30") {
		t.Fatalf("the door window is not shown:\n%s", body)
	}
	// A citizen buys; the page shows the sale; cancelling refunds it.
	anna, _ := env.account(t, identity.RoleCitizen)
	if _, err := env.Deps.Wallet.TestTopUp(t.Context(), anna.ID, 10000, "anna-1"); err != nil {
		t.Fatal(err)
	}
	annaC := identity.Caller{AccountID: anna.ID, Grants: []identity.Grant{{Role: identity.RoleCitizen}}}
	o, err := env.Deps.Ticketing.Hold(t.Context(), annaC, perf[1], []string{"Platea/A/5"})
	if err == nil {
		_, err = env.Deps.Ticketing.PayWithWallet(t.Context(), annaC, o.ID)
	}
	if err != nil {
		t.Fatal(err)
	}
	if _, body = pc.Get("/admin/theatre"); !strings.Contains(body, "1 / 25") || !strings.Contains(body, "28,00") {
		t.Fatal("the sale is not in the table")
	}
	// Refunding and cancelling first show what will happen; a post
	// without the confirmation changes nothing.
	post("/admin/theatre/refunds", url.Values{"order_id": {"tord_nope"}}, http.StatusSeeOther)
	if res, body := pc.Get("/admin/theatre/refunds?order_id=tord_nope"); res.StatusCode != http.StatusNotFound ||
		!strings.Contains(body, `data-field-error="order_id"`) || !strings.Contains(body, `value="tord_nope"`) {
		t.Fatalf("unknown order: %d\n%s", res.StatusCode, body)
	}
	// Confirmed without the page that says what the refund does, it goes
	// back to that page.
	post("/admin/theatre/refunds", url.Values{"order_id": {"tord_nope"}, "confirm": {"yes"}}, http.StatusSeeOther)
	post("/admin/theatre/refunds", url.Values{"order_id": {"tord_nope"}, "confirm": {"yes"}, "expect": {"return_money"}}, http.StatusNotFound)
	// A purchase not yet paid is cancelled, not refunded: its page says
	// so and no money moves. A paid order's page names what goes back; once
	// refunded, there is nothing left to refund, and the page says that
	// rather than offer it again.
	bruno, _ := env.account(t, identity.RoleCitizen)
	if _, err := env.Deps.Wallet.TestTopUp(t.Context(), bruno.ID, 10000, "bruno-1"); err != nil {
		t.Fatal(err)
	}
	brunoC := identity.Caller{AccountID: bruno.ID, Grants: []identity.Grant{{Role: identity.RoleCitizen}}}
	hold, err := env.Deps.Ticketing.Hold(t.Context(), brunoC, perf[1], []string{"Platea/A/7"})
	if err != nil {
		t.Fatal(err)
	}
	if res, body := pc.Get("/admin/theatre/refunds?order_id=" + hold.ID); res.StatusCode != http.StatusOK ||
		!strings.Contains(body, "Annullare questo acquisto in corso?") || strings.Contains(body, "tornano al cliente") {
		t.Fatalf("a hold's refund page: %d\n%s", res.StatusCode, body)
	}
	if res, _ := pc.Post("/admin/theatre/refunds", url.Values{"csrf_token": {csrf}, "order_id": {hold.ID}, "confirm": {"yes"}, "expect": {"release_hold"}}); res.StatusCode != http.StatusSeeOther ||
		!strings.Contains(res.Header.Get("Location"), "done=hold_released") {
		t.Fatalf("a hold released: %d to %q", res.StatusCode, res.Header.Get("Location"))
	}
	sold, err := env.Deps.Ticketing.Hold(t.Context(), brunoC, perf[1], []string{"Platea/A/8"})
	if err == nil {
		_, err = env.Deps.Ticketing.PayWithWallet(t.Context(), brunoC, sold.ID)
	}
	if err != nil {
		t.Fatal(err)
	}
	if res, body := pc.Get("/admin/theatre/refunds?order_id=" + sold.ID); res.StatusCode != http.StatusOK || !strings.Contains(body, "28,00") ||
		!strings.Contains(body, "tornano al cliente") || !strings.Contains(body, "Platea, fila A, posto 8") {
		t.Fatalf("a paid order's refund page: %d\n%s", res.StatusCode, body)
	}
	// Confirmed from a page that described the order otherwise (it was a
	// hold then, and has been paid since), the refund is not made: the
	// page is shown again, saying what a refund would do now.
	res, _ := pc.Post("/admin/theatre/refunds", url.Values{"csrf_token": {csrf}, "order_id": {sold.ID}, "confirm": {"yes"}, "expect": {"release_hold"}})
	if loc := res.Header.Get("Location"); res.StatusCode != http.StatusSeeOther || loc != "/admin/theatre/refunds?order_id="+sold.ID {
		t.Fatalf("a refund confirmed for a hold that was paid since: %d to %q", res.StatusCode, loc)
	}
	if a, _ := env.Deps.Wallet.Account(t.Context(), wallet.CitizenAccount(bruno.ID)); a.Balance == 10000 {
		t.Fatal("a refund confirmed from a stale page was made")
	}
	post("/admin/theatre/refunds", url.Values{"order_id": {sold.ID}, "confirm": {"yes"}, "expect": {"return_money"}}, http.StatusSeeOther)
	if a, _ := env.Deps.Wallet.Account(t.Context(), wallet.CitizenAccount(bruno.ID)); a.Balance != 10000 {
		t.Fatalf("credit after the refund %d", a.Balance)
	}
	if res, body := pc.Get("/admin/theatre/refunds?order_id=" + sold.ID); res.StatusCode != http.StatusConflict ||
		!strings.Contains(body, `data-field-error="order_id"`) || !strings.Contains(body, "già rimborsato") || strings.Contains(body, `name="confirm" value="yes"`) {
		t.Fatalf("a refunded order's refund page: %d\n%s", res.StatusCode, body)
	}
	post("/admin/theatre/performances/"+perf[1]+"/cancel", url.Values{}, http.StatusSeeOther)
	if a, _ := env.Deps.Wallet.Account(t.Context(), wallet.CitizenAccount(anna.ID)); a.Balance == 10000 {
		t.Fatal("a cancellation without confirmation refunded")
	}
	if _, body := pc.Get("/admin/theatre/performances/" + perf[1] + "/cancel"); !strings.Contains(body, `name="confirm" value="yes"`) || !strings.Contains(body, "1 / 25") {
		t.Fatalf("cancel confirmation:\n%s", body)
	}
	post("/admin/theatre/performances/"+perf[1]+"/cancel", url.Values{"confirm": {"yes"}}, http.StatusSeeOther)
	if a, _ := env.Deps.Wallet.Account(t.Context(), wallet.CitizenAccount(anna.ID)); a.Balance != 10000 {
		t.Fatalf("credit after the cancellation %d", a.Balance)
	}
	if _, body = pc.Get("/admin/theatre"); !strings.Contains(body, "Annullato") {
		t.Fatal("the performance is not shown as cancelled")
	}
}

// The theatre page lists the performances of the last 30 days and those to
// come; every one, past seasons too, when asked for. The reports page's
// sales are of the same performances.
func TestTheatreAdminPageListsRecentPerformances(t *testing.T) {
	t.Parallel()
	_, env := newTestServer(t, "sqlite", withWallet(true), withTicketing)
	admin, _ := env.account(t, identity.RoleAdmin)
	srv := httptest.NewServer(env.Server)
	defer srv.Close()
	ctx := t.Context()
	caller := identity.Caller{AccountID: admin.ID, Grants: []identity.Grant{{Role: identity.RoleAdmin}}}
	tk := env.Deps.Ticketing
	v, err := tk.CreateVenue(ctx, caller, ticketing.Venue{Name: "Teatro Comunale", Address: "Corso Garibaldi 1"})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := tk.SetSeatMap(ctx, caller, v.ID, ticketing.SeatMap{Sections: []ticketing.Section{{Name: "Platea", Rows: []ticketing.SeatRow{
		{Name: "A", From: 1, To: 2, Category: "stalls"}}}}}); err != nil {
		t.Fatal(err)
	}
	perform := func(title string, starts time.Time) {
		t.Helper()
		// Created the day before it starts, by the service's clock.
		tk.SetClock(func() time.Time { return starts.Add(-24 * time.Hour) })
		if _, err := tk.CreatePerformance(ctx, caller, ticketing.Performance{VenueID: v.ID, Title: title, StartsAt: starts,
			Prices: map[string]int64{"stalls": 1800}}); err != nil {
			t.Fatalf("create %s: %v", title, err)
		}
	}
	perform("Last season", time.Now().AddDate(0, 0, -60))
	perform("Last week", time.Now().AddDate(0, 0, -7))
	perform("Next week", time.Now().AddDate(0, 0, 7))
	// A minute into the first day of each page's period (the city's days):
	// in it, whatever the time of day now.
	firstMinute := func(daysAgo int) time.Time {
		y, m, d := time.Now().In(testZone).AddDate(0, 0, -daysAgo).Date()
		return time.Date(y, m, d, 0, 1, 0, 0, testZone)
	}
	perform("Theatre's first day", firstMinute(30))
	perform("Reports' first day", firstMinute(29))
	tk.SetClock(time.Now)
	pc := webtest.SignedIn(t, srv.URL, admin.Email, testPassword)
	res, body := pc.Get("/admin/theatre")
	if res.StatusCode != http.StatusOK || !strings.Contains(body, "Last week") || !strings.Contains(body, "Next week") || strings.Contains(body, "Last season") ||
		!strings.Contains(body, "Theatre&#39;s first day") || !strings.Contains(body, `href="/admin/theatre?all=1#performances"`) {
		t.Fatalf("the theatre page: %d\n%s", res.StatusCode, body)
	}
	res, body = pc.Get("/admin/theatre?all=1")
	if res.StatusCode != http.StatusOK || !strings.Contains(body, "Last season") || !strings.Contains(body, "Last week") || !strings.Contains(body, "Next week") ||
		!strings.Contains(body, `href="/admin/theatre#performances"`) {
		t.Fatalf("the theatre page with every performance: %d\n%s", res.StatusCode, body)
	}
	// The reports page's sales are those of its 30 days and to come.
	res, body = pc.Get("/admin/reports")
	sales := regexp.MustCompile(`(?s)<section aria-labelledby="sales-heading".*?</section>`).FindString(body)
	if res.StatusCode != http.StatusOK || !strings.Contains(sales, "Last week") || !strings.Contains(sales, "Next week") || strings.Contains(sales, "Last season") ||
		!strings.Contains(sales, "Reports&#39; first day") || strings.Contains(sales, "Theatre&#39;s first day") {
		t.Fatalf("the reports page's sales: %d\n%s", res.StatusCode, sales)
	}
}

// The theatre forms' refusals are in the page's language, each next to its
// field, and name the line, the seat or the category that is wrong: never
// the domain's English, never another area's words for the same reason.
func TestTheatreAdminRefusalsInThePagesLanguage(t *testing.T) {
	t.Parallel()
	_, env := newTestServer(t, "sqlite", withWallet(true), withTicketing, func(env *testEnv, d *Deps) {})
	admin, _ := env.account(t, identity.RoleAdmin)
	srv := httptest.NewServer(env.Server)
	defer srv.Close()
	pc := webtest.SignedIn(t, srv.URL, admin.Email, testPassword)
	csrf := pc.CSRF("/admin/theatre")
	refused := func(path string, form url.Values, field, want string) {
		t.Helper()
		form.Set("csrf_token", csrf)
		res, body := pc.Post(path, form)
		got := regexp.MustCompile(`data-field-error="` + field + `">([^<]*)<`).FindStringSubmatch(body)
		if res.StatusCode != http.StatusBadRequest || got == nil || got[1] != want {
			t.Fatalf("POST %s: %d, %s's error %q, want %q\n%s", path, res.StatusCode, field, got, want, body)
		}
	}
	refused("/admin/theatre/venues", url.Values{"name": {strings.Repeat("Teatro ", 30)}, "address": {"Piazza Castello"}}, "name",
		"Il nome della sala è una riga da 1 a 200 caratteri, senza caratteri di controllo.")
	venue, err := env.Deps.Ticketing.CreateVenue(t.Context(), identity.Caller{AccountID: admin.ID, Grants: []identity.Grant{{Role: identity.RoleAdmin}}},
		ticketing.Venue{Name: "Teatro Massimo", Address: "Piazza Castello"})
	if err != nil {
		t.Fatal(err)
	}
	seats := "/admin/theatre/venues/" + venue.ID + "/seats"
	refused(seats, url.Values{"rows": {"Platea A 1-10 platea\nPlatea B 1 platea"}}, "rows",
		"La riga 2 della mappa deve essere: settore fila da-a categoria (per esempio Platea A 1-20 platea).")
	refused(seats, url.Values{"rows": {"Platea A 1-10 platea\nPlatea A 5-12 platea"}}, "rows", "Il posto Platea/A/5 compare due volte nella mappa.")
	refused(seats, url.Values{"rows": {"Platea A 10-1 platea"}}, "rows",
		"La fila A del settore Platea deve numerare i posti da 1 a 999, dal primo all&#39;ultimo (per esempio 1-20).")
	refused("/admin/theatre/performances", url.Values{"venue_id": {venue.ID}, "title": {"Filumena Marturano"}, "starts_at": {"2099-03-14T20:45"},
		"prices": {"platea 20"}}, "venue_id", "Questa sala non ha ancora una mappa dei posti: aggiungila prima di programmare uno spettacolo.")
	csrfPost := url.Values{"rows": {"Platea A 1-10 platea"}, "csrf_token": {csrf}}
	if res, _ := pc.Post(seats, csrfPost); res.StatusCode != http.StatusSeeOther {
		t.Fatalf("the seat map: %d", res.StatusCode)
	}
	refused("/admin/theatre/performances", url.Values{"venue_id": {venue.ID}, "title": {"Filumena Marturano"}, "starts_at": {"2099-03-14T20:45"},
		"prices": {"loggione 20"}}, "prices", "La sala non ha posti della categoria loggione: usa le categorie della sua mappa dei posti.")
	refused("/admin/theatre/performances", url.Values{"venue_id": {venue.ID}, "title": {"Filumena Marturano"}, "starts_at": {"il 14 marzo"},
		"prices": {"platea 20"}}, "starts_at", "Indica l&#39;inizio come data e ora (per esempio 31/12/2026 20:30), tra gli anni 2000 e 2999.")
	// A start past is said as such, not as a wrong opening of sales.
	refused("/admin/theatre/performances", url.Values{"venue_id": {venue.ID}, "title": {"Filumena Marturano"}, "starts_at": {"14/03/2020 20:45"},
		"prices": {"platea 20"}}, "starts_at", "L&#39;inizio è già passato: scegli una data e un&#39;ora future.")
	refused("/admin/theatre/performances", url.Values{"venue_id": {venue.ID}, "title": {"Filumena Marturano"}, "starts_at": {"2099-03-14T20:45"},
		"sales_open": {"2099-03-15T10:00"}, "prices": {"platea 20"}}, "sales_open",
		"Le vendite aprono prima di chiudere e chiudono entro l&#39;inizio dello spettacolo.")
	// A local time the clocks skip or show twice (Europe/Rome, the
	// spring and autumn changes) is refused next to its field, naming the
	// change, never moved by an hour.
	refused("/admin/theatre/performances", url.Values{"venue_id": {venue.ID}, "title": {"Filumena Marturano"}, "starts_at": {"29/03/2099 02:30"},
		"prices": {"platea 20"}}, "starts_at", "Il 29 marzo 2099 alle 02:30 non esiste: quella notte gli orologi passano dalle 02:00 alle 03:00. Scegli un&#39;ora fuori da quell&#39;intervallo.")
	refused("/admin/theatre/performances", url.Values{"venue_id": {venue.ID}, "title": {"Filumena Marturano"}, "starts_at": {"2099-10-25T03:30"},
		"doors_open": {"2099-10-25T02:45"}, "prices": {"platea 20"}}, "doors_open",
		"Il 25 ottobre 2099 alle 02:45 capita due volte, perché quella notte gli orologi tornano indietro, e questo modulo non sa quale delle due: scegli un&#39;altra ora, oppure programma lo spettacolo dall&#39;API con lo scarto dall&#39;UTC, &#43;02:00 per la prima volta o &#43;01:00 per la seconda.")
}

// The theatre page takes the prices the API takes: up to the domain's
// bound (ticketing.MaxPriceCents), written with "€" or "EUR" before or
// after the number as the other money forms take them; its words for a
// price out of bounds, and for a line it cannot read, name that bound in
// the page's language. It refused 1000,01 with words of a bound of
// 1.000,00 €, and a price of 0 with words of 100.000,00 €.
func TestTheatreAdminPricesTakeTheDomainsBound(t *testing.T) {
	t.Parallel()
	_, env := newTestServer(t, "sqlite", withWallet(true), withTicketing, func(env *testEnv, d *Deps) {})
	admin, _ := env.account(t, identity.RoleAdmin)
	srv := httptest.NewServer(env.Server)
	defer srv.Close()
	pc := webtest.SignedIn(t, srv.URL, admin.Email, testPassword)
	csrf := pc.CSRF("/admin/theatre")
	venue, err := env.Deps.Ticketing.CreateVenue(t.Context(), identity.Caller{AccountID: admin.ID, Grants: []identity.Grant{{Role: identity.RoleAdmin}}},
		ticketing.Venue{Name: "Teatro Massimo", Address: "Piazza Castello"})
	if err != nil {
		t.Fatal(err)
	}
	if res, _ := pc.Post("/admin/theatre/venues/"+venue.ID+"/seats", url.Values{"rows": {"Platea A 1-2 platea\nGalleria A 1-2 galleria"}, "csrf_token": {csrf}}); res.StatusCode != http.StatusSeeOther {
		t.Fatalf("the seat map: %d", res.StatusCode)
	}
	perform := func(title, prices string) (*http.Response, string) {
		return pc.Post("/admin/theatre/performances", url.Values{"venue_id": {venue.ID}, "title": {title}, "starts_at": {"2099-03-14T20:45"},
			"prices": {prices}, "csrf_token": {csrf}})
	}
	for prices, want := range map[string][2]int64{
		"platea 1000,01\ngalleria €15":      {100001, 1500},
		"platea 100.000,00\ngalleria € 7,5": {ticketing.MaxPriceCents, 750},
		"platea 12 €\ngalleria EUR 3":       {1200, 300},
	} {
		title := "Prezzi " + strings.ReplaceAll(prices, "\n", " · ")
		res, body := perform(title, prices)
		if res.StatusCode != http.StatusSeeOther {
			t.Fatalf("prices %q: %d\n%s", prices, res.StatusCode, body)
		}
		_, body = pc.Get("/admin/theatre")
		perf := regexp.MustCompile(`data-performance="(prf_[a-z0-9]+)"`).FindAllStringSubmatch(body, -1)
		found := false
		for _, p := range perf {
			av, err := env.Deps.Ticketing.Availability(t.Context(), p[1])
			if err != nil {
				t.Fatal(err)
			}
			if av.Performance.Title == title {
				found = true
				if got := [2]int64{av.Performance.Prices["platea"], av.Performance.Prices["galleria"]}; got != want {
					t.Errorf("prices %q: %v, want %v", prices, got, want)
				}
			}
		}
		if !found {
			t.Fatalf("prices %q: the performance is not listed", prices)
		}
	}
	fieldError := regexp.MustCompile(`data-field-error="prices">([^<]*)<`)
	for _, tc := range []struct{ lang, prices, want string }{
		{"it", "platea 0", "Il prezzo della categoria platea deve essere più di zero e al massimo 100.000,00\u00a0€."},
		{"it", "platea 100.000,01", "Il prezzo della categoria platea deve essere più di zero e al massimo 100.000,00\u00a0€."},
		{"it", "platea", "Ogni riga: il codice di una delle categorie della sala (elencate sotto) e il prezzo in euro, per esempio 25,00 (al massimo 100.000,00\u00a0€ a posto)."},
		{"it", "platea 12,50\ngalleria 10\nplatea 13", "La riga 3 ridà un prezzo alla categoria platea, che l&#39;ha già alla riga 1: scrivi ogni categoria una volta sola."},
		{"en", "platea 0", "The price of the category platea must be more than zero and at most €100,000.00."},
		{"en", "platea 100000.01", "The price of the category platea must be more than zero and at most €100,000.00."},
		{"en", "platea", "Each line: the code of a category of the venue (listed below) and its price in euros, for example 25.00 (at most €100,000.00 a seat)."},
		{"en", "platea 12.50\nplatea 13", "Line 2 prices the category platea again, which line 1 priced already: write each category once."},
	} {
		if tc.lang == "en" {
			english(pc)
		}
		res, body := perform("Rifiutato", tc.prices)
		got := fieldError.FindStringSubmatch(body)
		if res.StatusCode != http.StatusBadRequest || got == nil || got[1] != tc.want {
			t.Errorf("%s, prices %q: %d, %q; want %q", tc.lang, tc.prices, res.StatusCode, got, tc.want)
		}
	}
}

// The prices hint of the new performance form gives an example line the
// form takes, in each language: its category is one of the chosen venue's
// codes (listed under it, with their names), never a fixed word. It read
// "e.g. stalls 25.00" in English, which a venue whose categories are platea
// and galleria refused.
func TestTheatreAdminPricesHintExampleIsTaken(t *testing.T) {
	t.Parallel()
	_, env := newTestServer(t, "sqlite", withWallet(true), withTicketing, func(env *testEnv, d *Deps) {})
	admin, _ := env.account(t, identity.RoleAdmin)
	srv := httptest.NewServer(env.Server)
	defer srv.Close()
	pc := webtest.SignedIn(t, srv.URL, admin.Email, testPassword)
	csrf := pc.CSRF("/admin/theatre")
	adminC := identity.Caller{AccountID: admin.ID, Grants: []identity.Grant{{Role: identity.RoleAdmin}}}
	var venues []string
	for _, tc := range []struct{ name, rows string }{{"Teatro Massimo", "Platea A 1-2 galleria\nPlatea B 1-2 platea"}, {"Teatro Romano", "Sala A 1-2 prima_fila"}} {
		v, err := env.Deps.Ticketing.CreateVenue(t.Context(), adminC, ticketing.Venue{Name: tc.name, Address: "Piazza Castello"})
		if err != nil {
			t.Fatal(err)
		}
		if res, _ := pc.Post("/admin/theatre/venues/"+v.ID+"/seats", url.Values{"rows": {tc.rows}, "csrf_token": {csrf}}); res.StatusCode != http.StatusSeeOther {
			t.Fatalf("the seat map: %d", res.StatusCode)
		}
		venues = append(venues, v.ID)
	}
	hint := regexp.MustCompile(`id="p-prices-hint">([^<]*)<`)
	for _, tc := range []struct{ lang, want, example, list string }{
		{"it", "Una riga per ogni categoria della sala scelta: il suo codice, come elencato sotto, e il prezzo in euro, es. galleria 25,00", "galleria 25,00",
			"Categorie di Teatro Massimo: galleria, platea"},
		{"en", "One line for each category of the chosen venue: its code, as listed below, and its price in euros, e.g. galleria 25.00", "galleria 25.00",
			"Categories of Teatro Massimo: galleria (Gallery), platea (Stalls)"},
	} {
		if tc.lang == "en" {
			english(pc)
		}
		_, body := pc.Get("/admin/theatre")
		got := hint.FindStringSubmatch(body)
		if got == nil || got[1] != tc.want {
			t.Fatalf("%s hint %q, want %q", tc.lang, got, tc.want)
		}
		if text := readableText(body); !strings.Contains(text, tc.list) {
			t.Fatalf("%s: the form does not list the venue's categories %q:\n%s", tc.lang, tc.list, text)
		}
		// The example, as the hint gives it, schedules a performance.
		if res, body := pc.Post("/admin/theatre/performances", url.Values{"venue_id": {venues[0]}, "title": {"Esempio " + tc.lang},
			"starts_at": {"2099-03-14T20:45"}, "prices": {tc.example}, "csrf_token": {csrf}}); res.StatusCode != http.StatusSeeOther {
			t.Fatalf("%s: the hint's example %q is refused: %d\n%s", tc.lang, tc.example, res.StatusCode, body)
		}
	}
	// A form refused for the other venue gives that venue's code.
	english(pc)
	res, body := pc.Post("/admin/theatre/performances", url.Values{"venue_id": {venues[1]}, "title": {"Rifiutato"},
		"starts_at": {"2099-03-14T20:45"}, "prices": {"stalls 25.00"}, "csrf_token": {csrf}})
	if got := hint.FindStringSubmatch(body); res.StatusCode != http.StatusBadRequest || got == nil || !strings.HasSuffix(got[1], "e.g. prima_fila 25.00") {
		t.Fatalf("refused for the other venue: %d, hint %q", res.StatusCode, got)
	}
}
