package ticketing_test

import (
	"errors"
	"slices"
	"strings"
	"testing"
	"time"

	"cityhub/apperr"
	"cityhub/identity"
	"cityhub/store"
	"cityhub/store/storetest"
	"cityhub/ticketing"
)

// romeZone is the zone of a service not told the city's, which the
// fixtures' services are.
var romeZone = func() *time.Location {
	loc, err := time.LoadLocation("Europe/Rome")
	if err != nil {
		panic(err)
	}
	return loc
}()

func rome(month time.Month, day, hour, min int) time.Time {
	return time.Date(2026, month, day, hour, min, 0, 0, romeZone)
}

// doorEvenings is a venue with two performances a week apart, as in the
// report: tonight's (30 November, default door window) and 7 December's
// (doors half an hour before, an explicit end). A buyer holds tickets for
// both.
type doorEvenings struct {
	*fixture
	venue          ticketing.Venue
	tonight, dec7  ticketing.Performance
	buyer          identity.Caller
	tonightTickets []ticketing.TicketView
	dec7Ticket     ticketing.TicketView
}

func newDoorEvenings(t *testing.T, db store.DB) *doorEvenings {
	f := newFixture(t, db)
	f.clock.Set(rome(time.November, 30, 10, 0))
	e := &doorEvenings{fixture: f, venue: f.venue("Teatro Comunale", 4), buyer: citizen(1)}
	var err error
	e.tonight, err = f.svc.CreatePerformance(f.ctx, admin, ticketing.Performance{VenueID: e.venue.ID, Title: "Filumena Marturano",
		StartsAt: rome(time.November, 30, 20, 0), Prices: map[string]int64{"stalls": 2500}})
	if err != nil {
		t.Fatal(err)
	}
	e.dec7, err = f.svc.CreatePerformance(f.ctx, admin, ticketing.Performance{VenueID: e.venue.ID, Title: "Le nozze di Figaro",
		StartsAt: rome(time.December, 7, 21, 0), DoorsOpen: rome(time.December, 7, 20, 30), EndsAt: rome(time.December, 7, 23, 45),
		Prices: map[string]int64{"stalls": 3000}})
	if err != nil {
		t.Fatal(err)
	}
	f.credit(200_00, e.buyer)
	_, ts := f.buy(e.buyer, e.dec7.ID, "Platea/A/1")
	e.dec7Ticket = ts[0]
	_, ts = f.buy(e.buyer, e.tonight.ID, "Platea/A/2", "Platea/A/3")
	for _, tv := range ts {
		if tv.PerformanceID == e.tonight.ID {
			e.tonightTickets = append(e.tonightTickets, tv)
		}
	}
	if len(e.tonightTickets) != 2 {
		t.Fatalf("tonight's tickets: %+v", e.tonightTickets)
	}
	return e
}

// token is a freshly signed QR token for the buyer's ticket, at the
// clock's now.
func (e *doorEvenings) token(ticketID string) string {
	e.t.Helper()
	tok, err := e.svc.FreshToken(e.ctx, e.buyer, ticketID)
	if err != nil {
		e.t.Fatalf("fresh token: %v", err)
	}
	return tok.Token
}

// The report: a ticket for 7 December welcomed on 30 November. Now it is
// refused, by token and by typed code, naming its own performance and
// date; nothing is checked in.
func TestDoorRefusesATicketForAnotherPerformance(t *testing.T) {
	t.Parallel()
	storetest.Each(t, func(t *testing.T, db store.DB) {
		e := newDoorEvenings(t, db)
		e.clock.Set(rome(time.November, 30, 19, 30))
		staff := door(e.venue.ID)
		for _, code := range []string{e.token(e.dec7Ticket.ID), e.dec7Ticket.TypedCode} {
			_, err := e.svc.CheckIn(e.ctx, staff, e.tonight.ID, code)
			if apperr.ReasonOf(err) != "ticket_other_performance" || !apperr.Has(err, apperr.Conflict) {
				t.Fatalf("7 December's ticket on 30 November: %v", err)
			}
			want := `This ticket is for "Le nozze di Figaro" on 7 December 2026 at 21:00, not for this performance.`
			if apperr.MessageOf(err) != want {
				t.Fatalf("refusal says %q, want %q", apperr.MessageOf(err), want)
			}
			var other ticketing.OtherPerformanceError
			if !errors.As(err, &other) || other.PerformanceID != e.dec7.ID || other.Title != "Le nozze di Figaro" || !other.StartsAt.Equal(e.dec7.StartsAt) {
				t.Fatalf("refusal's cause: %+v", other)
			}
			if _, err := e.svc.VerifyTicket(e.ctx, staff, e.tonight.ID, code); apperr.ReasonOf(err) != "ticket_other_performance" {
				t.Fatalf("verify: %v", err)
			}
		}
		st, err := e.svc.Stats(e.ctx, admin, e.dec7.ID)
		if err != nil || st.CheckedIn != 0 {
			t.Fatalf("7 December after the refusals: %+v %v", st, err)
		}
		// Tonight's own ticket enters.
		if _, err := e.svc.CheckIn(e.ctx, staff, e.tonight.ID, e.token(e.tonightTickets[0].ID)); err != nil {
			t.Fatalf("tonight's ticket: %v", err)
		}
	})
}

// A ticket enters from the doors opening (2 hours before the start by
// default, or the performance's own setting) until the end, once.
func TestDoorWindow(t *testing.T) {
	t.Parallel()
	storetest.Each(t, func(t *testing.T, db store.DB) {
		e := newDoorEvenings(t, db)
		if want := rome(time.November, 30, 18, 0); !e.tonight.DoorsOpen.Equal(want) {
			t.Fatalf("default doors open %v, want %v", e.tonight.DoorsOpen, want)
		}
		if want := rome(time.November, 30, 23, 0); !e.tonight.EndsAt.Equal(want) {
			t.Fatalf("default end %v, want %v", e.tonight.EndsAt, want)
		}
		staff := door(e.venue.ID)
		first, second := e.tonightTickets[0], e.tonightTickets[1]

		// A second before the doors open.
		e.clock.Set(e.tonight.DoorsOpen.Add(-time.Second))
		_, err := e.svc.CheckIn(e.ctx, staff, e.tonight.ID, e.token(first.ID))
		var closed ticketing.DoorClosedError
		if apperr.ReasonOf(err) != "doors_not_open" || !errors.As(err, &closed) || !closed.At.Equal(e.tonight.DoorsOpen) {
			t.Fatalf("before the doors open: %v", err)
		}
		if want := "The doors open on 30 November 2026 at 18:00."; apperr.MessageOf(err) != want {
			t.Fatalf("refusal says %q, want %q", apperr.MessageOf(err), want)
		}
		// As they open: welcomed once, then refused as already used.
		e.clock.Set(e.tonight.DoorsOpen)
		res, err := e.svc.CheckIn(e.ctx, staff, e.tonight.ID, e.token(first.ID))
		if err != nil || res.Ticket.Status != ticketing.TicketCheckedIn || !res.CheckedInAt.Equal(e.tonight.DoorsOpen) {
			t.Fatalf("as the doors open: %+v %v", res, err)
		}
		if _, err := e.svc.CheckIn(e.ctx, staff, e.tonight.ID, first.TypedCode); apperr.ReasonOf(err) != "already_checked_in" {
			t.Fatalf("second scan: %v", err)
		}
		// At the end nobody enters any more.
		e.clock.Set(e.tonight.EndsAt)
		_, err = e.svc.CheckIn(e.ctx, staff, e.tonight.ID, e.token(second.ID))
		if apperr.ReasonOf(err) != "performance_ended" || !errors.As(err, &closed) || !closed.At.Equal(e.tonight.EndsAt) {
			t.Fatalf("after the end: %v", err)
		}
		if _, err := e.svc.VerifyTicket(e.ctx, staff, e.tonight.ID, second.TypedCode); apperr.ReasonOf(err) != "performance_ended" {
			t.Fatalf("verify after the end: %v", err)
		}
		// 7 December's own doors open at 20:30, not two hours early.
		e.clock.Set(rome(time.December, 7, 20, 29))
		if _, err := e.svc.CheckIn(e.ctx, staff, e.dec7.ID, e.token(e.dec7Ticket.ID)); apperr.ReasonOf(err) != "doors_not_open" {
			t.Fatalf("7 December at 20:29: %v", err)
		}
		e.clock.Set(rome(time.December, 7, 20, 30))
		if _, err := e.svc.CheckIn(e.ctx, staff, e.dec7.ID, e.token(e.dec7Ticket.ID)); err != nil {
			t.Fatalf("7 December at 20:30: %v", err)
		}
		st, err := e.svc.Stats(e.ctx, admin, e.tonight.ID)
		if err != nil || st.CheckedIn != 1 {
			t.Fatalf("tonight's check-ins: %+v %v", st, err)
		}
	})
}

// The door chooses among its own venues' performances that have not ended,
// and gets each one's list for offline checks: its tickets, and the
// other performances' tickets so a wrong evening is named offline too.
func TestDoorPerformancesAndList(t *testing.T) {
	t.Parallel()
	storetest.Each(t, func(t *testing.T, db store.DB) {
		e := newDoorEvenings(t, db)
		elsewhere := e.fixture.venue("Teatro San Marco", 1)
		staff := door(e.venue.ID)
		e.clock.Set(rome(time.November, 30, 19, 0))
		ps, err := e.svc.DoorPerformances(e.ctx, staff)
		if err != nil || len(ps) != 2 || ps[0].ID != e.tonight.ID || ps[1].ID != e.dec7.ID || ps[0].VenueName != "Teatro Comunale" {
			t.Fatalf("door performances: %+v %v", ps, err)
		}
		if _, err := e.svc.DoorPerformances(e.ctx, e.buyer); !apperr.Has(err, apperr.Forbidden) {
			t.Fatalf("a citizen's door performances: %v", err)
		}
		if ps, err := e.svc.DoorPerformances(e.ctx, door(elsewhere.ID)); err != nil || len(ps) != 0 {
			t.Fatalf("another venue's door: %+v %v", ps, err)
		}
		list, err := e.svc.DoorList(e.ctx, staff, e.tonight.ID)
		if err != nil {
			t.Fatal(err)
		}
		want := []string{e.tonightTickets[0].ID, e.tonightTickets[1].ID}
		slices.Sort(want)
		if list.Performance.ID != e.tonight.ID || !slices.Equal(list.TicketIDs, want) || !list.Now.Equal(e.clock.Now()) {
			t.Fatalf("door list: %+v", list)
		}
		if len(list.Others) != 1 || list.Others[0].ID != e.dec7.ID || !slices.Equal(list.Others[0].TicketIDs, []string{e.dec7Ticket.ID}) ||
			list.Others[0].Title != "Le nozze di Figaro" {
			t.Fatalf("door list's other performances: %+v", list.Others)
		}
		if _, err := e.svc.DoorList(e.ctx, door(elsewhere.ID), e.tonight.ID); apperr.ReasonOf(err) != "not_your_performance" {
			t.Fatalf("another venue's door list: %v", err)
		}
		for _, id := range []string{"prf_\x00", "prf_\xff", strings.Repeat("p", 101)} {
			if _, err := e.svc.DoorList(e.ctx, staff, id); apperr.ReasonOf(err) != "performance_not_found" {
				t.Fatalf("door list of %q: %v", id, err)
			}
			if _, err := e.svc.CheckIn(e.ctx, staff, id, e.tonightTickets[0].TypedCode); apperr.ReasonOf(err) != "performance_not_found" {
				t.Fatalf("check-in for %q: %v", id, err)
			}
		}
		if !list.Performance.DoorsOpenNow {
			t.Fatalf("tonight's doors are closed at %s: %+v", e.clock.Now(), list.Performance)
		}
		// Once tonight's performance ended, the door chooses 7 December only.
		e.clock.Set(e.tonight.EndsAt)
		if ps, err := e.svc.DoorPerformances(e.ctx, staff); err != nil || len(ps) != 1 || ps[0].ID != e.dec7.ID {
			t.Fatalf("door performances after tonight: %+v %v", ps, err)
		}
		// A cancelled performance's doors do not open: its tickets are
		// turned away.
		e.clock.Set(e.dec7.DoorsOpen)
		if _, err := e.svc.CancelPerformance(e.ctx, admin, e.dec7.ID); err != nil {
			t.Fatal(err)
		}
		if list, err := e.svc.DoorList(e.ctx, staff, e.dec7.ID); err != nil || list.Performance.DoorsOpenNow {
			t.Fatalf("a cancelled performance's door list: %+v %v", list.Performance, err)
		}
		if ps, err := e.svc.DoorPerformances(e.ctx, staff); err != nil || len(ps) > 0 && ps[0].DoorsOpenNow {
			t.Fatalf("door performances once 7 December is cancelled: %+v %v", ps, err)
		}
	})
}

// Moving a performance moves its door window with it; an administrator
// can set doors and end, within bounds.
func TestPerformanceDoorSettings(t *testing.T) {
	t.Parallel()
	storetest.Each(t, func(t *testing.T, db store.DB) {
		e := newDoorEvenings(t, db)
		p := e.dec7
		p.StartsAt, p.DoorsOpen, p.EndsAt, p.SalesOpen, p.SalesClose = rome(time.December, 8, 21, 0), time.Time{}, time.Time{}, time.Time{}, time.Time{}
		moved, err := e.svc.UpdatePerformance(e.ctx, admin, p)
		if err != nil {
			t.Fatal(err)
		}
		if !moved.DoorsOpen.Equal(rome(time.December, 8, 20, 30)) || !moved.EndsAt.Equal(rome(time.December, 8, 23, 45)) {
			t.Fatalf("moved performance: doors %v, end %v", moved.DoorsOpen, moved.EndsAt)
		}
		got, err := e.svc.Performance(e.ctx, p.ID)
		if err != nil || !got.DoorsOpen.Equal(moved.DoorsOpen) || !got.EndsAt.Equal(moved.EndsAt) {
			t.Fatalf("stored: %+v %v", got, err)
		}
		p = moved
		p.DoorsOpen = p.StartsAt.Add(time.Minute)
		if _, err := e.svc.UpdatePerformance(e.ctx, admin, p); apperr.ReasonOf(err) != "invalid_doors_open" {
			t.Fatalf("doors after the start: %v", err)
		}
		_, err = e.svc.CreatePerformance(e.ctx, admin, ticketing.Performance{VenueID: e.venue.ID, Title: "Senza fine",
			StartsAt: rome(time.December, 9, 21, 0), EndsAt: rome(time.December, 9, 20, 0), Prices: map[string]int64{"stalls": 1000}})
		if apperr.ReasonOf(err) != "invalid_ends_at" {
			t.Fatalf("an end before the start: %v", err)
		}
	})
}
