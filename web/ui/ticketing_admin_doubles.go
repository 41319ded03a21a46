package ui

import (
	"net/http"

	"cityhub/identity"
	"cityhub/ticketing"
)

// The administrators' page of a performance's double entries: entries
// doors let in while offline whose ticket had been used already or was
// cancelled when the entry reached the hub (docs/door.md). The door page
// lists them to its staff; this one to the theatre's administrators, from
// the performances' table, where their count stands.

type theatreDoublesPage struct {
	Performance ticketing.Performance
	Venue       string
	Doubles     []doorDouble
	// More says there are more double entries than listed.
	More bool
}

func (s *theatrePages) handleTheatreAdminDoubles(w http.ResponseWriter, r *http.Request, c identity.Caller) {
	des, err := s.ticketing.DoubleEntries(r.Context(), c, r.PathValue("id"))
	if err != nil {
		s.pageError(w, r, err)
		return
	}
	page := theatreDoublesPage{Performance: des.Performance, Venue: des.VenueName, More: des.More, Doubles: doubleRows(s.locale(r), des.Entries)}
	s.render(w, r, http.StatusOK, "ticketing_admin_doubles", "admin", page)
}
