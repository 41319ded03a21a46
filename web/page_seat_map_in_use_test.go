package web

import (
	"context"
	"net/http"
	"net/http/httptest"
	"net/url"
	"regexp"
	"strings"
	"testing"
	"time"

	"cityhub/identity"
	"cityhub/ticketing"
	"cityhub/web/webtest"
)

// The theatre page offers no seat map form for a venue that has
// performances, and says why, where it offered one every change of which
// was refused (409 seat_map_in_use); a venue without performances keeps
// its form. A change posted anyway is still refused, with the lines typed.
func TestTheatreAdminOffersNoSeatMapChangeInUse(t *testing.T) {
	t.Parallel()
	_, env := newTestServer(t, "sqlite", withTicketing)
	ctx := context.Background()
	svc := env.Deps.Ticketing
	system := identity.Caller{AccountID: "acc_admin", Grants: []identity.Grant{{Role: identity.RoleAdmin}}}
	used := stallsVenue(t, svc)
	if _, err := svc.CreatePerformance(ctx, system, ticketing.Performance{VenueID: used.ID, Title: "Natale in casa Cupiello",
		StartsAt: time.Now().Add(72 * time.Hour), Prices: map[string]int64{"stalls": 2500}, SalesOpen: time.Now().Add(-2 * time.Hour)}); err != nil {
		t.Fatal(err)
	}
	free, err := svc.CreateVenue(ctx, system, ticketing.Venue{Name: "Auditorium", Address: "Via Roma 2"})
	if err != nil {
		t.Fatal(err)
	}
	admin, _ := env.account(t, identity.RoleAdmin)
	srv := httptest.NewServer(env.Server)
	defer srv.Close()
	pc := webtest.SignedIn(t, srv.URL, admin.Email, testPassword)
	card := func(body, venue string) string {
		m := regexp.MustCompile(`(?s)<li class="card staff-card item" data-venue="` + venue + `">(.*?)</li>`).FindStringSubmatch(body)
		if m == nil {
			t.Fatalf("no card of venue %s:\n%s", venue, body)
		}
		return m[1]
	}
	_, body := pc.Get("/admin/theatre")
	// Its categories' names still change (the names form), not its seats.
	if c := card(body, used.ID); strings.Contains(c, `/seats#venue-`) || !strings.Contains(c, `action="/admin/theatre/venues/`+used.ID+`/categories#names-`+used.ID+`"`) || !strings.Contains(c, `data-testid="seat-map-in-use"`) || !strings.Contains(c, "non si può più cambiare") {
		t.Errorf("the venue with a performance:\n%s", c)
	}
	if c := card(body, free.ID); !strings.Contains(c, `action="/admin/theatre/venues/`+free.ID+`/seats#venue-`+free.ID+`"`) || strings.Contains(c, "seat-map-in-use") {
		t.Errorf("the venue without performances:\n%s", c)
	}
	rows := "Platea A 1-30 stalls"
	res, body := pc.Post("/admin/theatre/venues/"+used.ID+"/seats", url.Values{"csrf_token": {webtest.CSRFInForm.FindStringSubmatch(body)[1]}, "rows": {rows}})
	if res.StatusCode != http.StatusConflict {
		t.Fatalf("a seat map posted anyway: %d", res.StatusCode)
	}
	if c := card(body, used.ID); !strings.Contains(c, `data-field-error="rows"`) || !strings.Contains(c, ">"+rows+"</textarea>") {
		t.Errorf("the refused form lacks its error or the lines typed:\n%s", c)
	}
	if seats, err := svc.Seats(ctx, used.ID); err != nil || len(seats) != 3 {
		t.Fatalf("the seats after the refusal: %d %v", len(seats), err)
	}
}
