package web

import (
	"context"
	"net/http"
	"slices"
	"testing"
	"time"

	"cityhub/identity"
	"cityhub/ticketing"
)

// An order's seats come back in the order people read them, row then seat
// number (A/2 before A/10), from the hold, the order and the list of
// orders. They came back in their text order: A/1, A/10, A/2.
func TestOrderSeatsInReadingOrder(t *testing.T) {
	t.Parallel()
	_, env := newTestServer(t, "sqlite", withWallet(true), withTicketing)
	ctx := context.Background()
	svc := env.Deps.Ticketing
	admin := identity.Caller{AccountID: "acc_admin", Grants: []identity.Grant{{Role: identity.RoleAdmin}}}
	v, err := svc.CreateVenue(ctx, admin, ticketing.Venue{Name: "Teatro Comunale", Address: "Corso Garibaldi 1"})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := svc.SetSeatMap(ctx, admin, v.ID, ticketing.SeatMap{Sections: []ticketing.Section{{Name: "Platea", Rows: []ticketing.SeatRow{
		{Name: "A", From: 1, To: 12, Category: "stalls"}, {Name: "B", From: 1, To: 2, Category: "stalls"}}}}}); err != nil {
		t.Fatal(err)
	}
	p, err := svc.CreatePerformance(ctx, admin, ticketing.Performance{VenueID: v.ID, Title: "Il giuoco delle parti",
		StartsAt: time.Now().Add(48 * time.Hour), Prices: map[string]int64{"stalls": 1000}})
	if err != nil {
		t.Fatal(err)
	}
	citizen := env.login(t, identity.RoleCitizen)
	seatIDs := func(o ticketing.Order) []string {
		var ids []string
		for _, s := range o.Seats {
			ids = append(ids, s.SeatID)
		}
		return ids
	}
	want := []string{"Platea/A/1", "Platea/A/2", "Platea/A/10", "Platea/B/1"}
	var held ticketing.Order
	decodeInto(t, mustStatus(t, env.do(t, "POST", "/api/v1/performances/"+p.ID+"/holds", citizen,
		`{"seats":["Platea/B/1","Platea/A/10","Platea/A/2","Platea/A/1"]}`), http.StatusCreated), &held)
	if got := seatIDs(held); !slices.Equal(got, want) {
		t.Errorf("the hold's seats: %v, want %v", got, want)
	}
	var again ticketing.Order
	decodeInto(t, mustStatus(t, env.do(t, "GET", "/api/v1/ticket-orders/"+held.ID, citizen, ""), http.StatusOK), &again)
	if got := seatIDs(again); !slices.Equal(got, want) {
		t.Errorf("the order's seats: %v, want %v", got, want)
	}
	var list struct{ Orders []ticketing.Order }
	decodeInto(t, mustStatus(t, env.do(t, "GET", "/api/v1/ticket-orders", citizen, ""), http.StatusOK), &list)
	if len(list.Orders) != 1 || !slices.Equal(seatIDs(list.Orders[0]), want) {
		t.Errorf("the list's orders: %+v", list.Orders)
	}
}
