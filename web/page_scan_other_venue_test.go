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
	"cityhub/web/ui"
	"cityhub/web/webtest"
)

// A ticket for another venue scanned at a door is a refusal of the ticket,
// as a ticket for another performance is: "Ingresso negato" with the
// reason, not "Codice non controllato", which is for refusals of the
// person or the pace (docs/door.md). The page without script said "Codice
// non controllato".
func TestTicketScanOtherVenueRefusesEntry(t *testing.T) {
	t.Parallel()
	f := newDoorFixture(t)
	env, v := f.env, f.venue
	ctx, svc := context.Background(), env.Deps.Ticketing
	tonight := f.performance(t, "Sei personaggi", cityTime(time.November, 30, 21), 1800)
	// The other venue's performance, and Anna's ticket for it.
	other, err := svc.CreateVenue(ctx, doorAdmin, ticketing.Venue{Name: "Teatro Romano", Address: "Via Port'Arsa"})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := svc.SetSeatMap(ctx, doorAdmin, other.ID, ticketing.SeatMap{Sections: []ticketing.Section{{Name: "Cavea",
		Rows: []ticketing.SeatRow{{Name: "A", From: 1, To: 2, Category: "stalls"}}}}}); err != nil {
		t.Fatal(err)
	}
	f.venue = other
	elsewhere := f.performance(t, "Medea", cityTime(time.November, 30, 21), 1500)
	ticket := f.buy(t, elsewhere, "Cavea/A/1")
	f.clock.Set(cityTime(time.November, 30, 20))

	srv := httptest.NewServer(env.Server)
	defer srv.Close()
	staff, _ := env.account(t, identity.RoleDoor, v.ID)
	pc := webtest.SignedIn(t, srv.URL, staff.Email, testPassword)
	_, page := pc.Get("/staff/scan?performance=" + tonight.ID)
	csrf := webtest.CSRFInForm.FindStringSubmatch(page)[1]
	form := url.Values{"csrf_token": {csrf}, "code": {strings.ToLower(ticket.TypedCode)}, "performance_id": {tonight.ID}}
	res, page := pc.Post(ui.TicketScanEndpoint, form)
	kind, text := answerOf(t, page)
	if res.StatusCode != http.StatusForbidden || kind != "error" || !strings.Contains(text, "Ingresso negato") ||
		!strings.Contains(text, "altro teatro") || strings.Contains(text, "non controllato") {
		t.Errorf("another venue's ticket, without script: %d %s %q", res.StatusCode, kind, text)
	}
	// The script's answer is the API's refusal, which it shows as refused.
	res, out := pc.PostJSON(ui.TicketScanEndpoint, pc.CSRF("/staff/scan"), `{"code":"`+ticket.TypedCode+`","performance_id":"`+tonight.ID+`"}`)
	if res.StatusCode != http.StatusForbidden || out["reason"] != "not_your_venue" {
		t.Errorf("another venue's ticket, by the script: %d %v", res.StatusCode, out)
	}
}
