package web

import (
	"net/http"
	"net/http/httptest"
	"regexp"
	"strings"
	"testing"
	"time"

	"cityhub/identity"
	"cityhub/ticketing"
	"cityhub/web/webtest"
)

// The reports page's tickets sold mark a cancelled performance as such, in
// both languages, and count none of its seats as not sold: it showed
// "Non venduti: 5" for it like for one on sale.
func TestReportsMarkACancelledPerformance(t *testing.T) {
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
		{Name: "A", From: 1, To: 5, Category: "stalls"}}}}}); err != nil {
		t.Fatal(err)
	}
	var ids []string
	for _, title := range []string{"Anfitrione", "Mandragola"} {
		p, err := tk.CreatePerformance(ctx, caller, ticketing.Performance{VenueID: v.ID, Title: title, StartsAt: time.Now().AddDate(0, 0, 7),
			Prices: map[string]int64{"stalls": 1800}})
		if err != nil {
			t.Fatal(err)
		}
		ids = append(ids, p.ID)
	}
	if _, err := tk.CancelPerformance(ctx, caller, ids[0]); err != nil {
		t.Fatal(err)
	}
	pc := webtest.SignedIn(t, srv.URL, admin.Email, testPassword)
	section := regexp.MustCompile(`(?s)<section aria-labelledby="sales-heading".*?</section>`)
	for _, c := range []struct{ lang, cancelled, unsold, row string }{
		{"it", "Anfitrione (annullato)", "Non venduti", "Annullato"},
		{"en", "Anfitrione (cancelled)", "Not sold", "Cancelled"},
	} {
		if c.lang == "en" {
			english(pc)
		}
		res, body := pc.Get("/admin/reports")
		sales := section.FindString(body)
		if res.StatusCode != http.StatusOK || !strings.Contains(sales, ">"+c.cancelled+"<") || strings.Contains(sales, "Anfitrione, "+c.unsold) ||
			!strings.Contains(sales, "Mandragola, "+c.unsold+": 5") {
			t.Fatalf("%s: the chart of tickets sold: %d\n%s", c.lang, res.StatusCode, sales)
		}
		row := regexp.MustCompile(`(?s)<tr><td>Anfitrione<.*?</tr>`).FindString(sales)
		if !strings.Contains(row, c.row) || strings.Contains(row, "/ 5") {
			t.Errorf("%s: the cancelled performance's row: %s", c.lang, row)
		}
	}
}
