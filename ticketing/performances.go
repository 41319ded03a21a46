package ticketing

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"time"

	"cityhub/apperr"
	"cityhub/identity"
	"cityhub/ids"
)

// ---- Venues and performances ----------------------------------------------

// CreateVenue registers a venue. Invalid for bad fields; Forbidden unless
// the caller is a city administrator.
func (s *Service) CreateVenue(ctx context.Context, c identity.Caller, v Venue) (Venue, error) {
	if err := requireAdmin(c); err != nil {
		return Venue{}, err
	}
	v.Name, v.Address = strings.TrimSpace(v.Name), strings.TrimSpace(v.Address)
	if err := v.Validate(); err != nil {
		return Venue{}, err
	}
	v.ID, v.CreatedAt = ids.New("ven"), s.now()
	err := s.store.InTx(ctx, func(tx Tx) error {
		if err := tx.InsertVenue(ctx, v); err != nil {
			return fmt.Errorf("insert venue: %w", err)
		}
		return s.audit(ctx, tx, c, "venue.create", "venue", v.ID, nil)
	})
	return v, err
}

// Venues lists every venue.
func (s *Service) Venues(ctx context.Context) ([]Venue, error) {
	var out []Venue
	err := s.store.View(ctx, func(tx Tx) error {
		var err error
		out, err = tx.ListVenues(ctx)
		return err
	})
	return out, err
}

// SeatMapInUse reports whether venueID's seat map can no longer change:
// the venue has performances, whose seats sold must not move, so
// SetSeatMap refuses (seat_map_in_use). The administrator's page offers no
// seat map form for such a venue. NotFound for an unknown venue.
func (s *Service) SeatMapInUse(ctx context.Context, venueID string) (bool, error) {
	var n int
	err := s.store.View(ctx, func(tx Tx) error {
		if _, err := tx.Venue(ctx, venueID); err != nil {
			return notFound("venue", err)
		}
		var err error
		n, err = tx.CountPerformances(ctx, venueID)
		return err
	})
	return n > 0, err
}

// SetSeatMap replaces a venue's seats. Forbidden unless admin; NotFound for
// an unknown venue; Invalid for a bad map; Conflict (seat_map_in_use) once
// the venue has performances, whose sold seats must not move.
func (s *Service) SetSeatMap(ctx context.Context, c identity.Caller, venueID string, m SeatMap) ([]Seat, error) {
	if err := requireAdmin(c); err != nil {
		return nil, err
	}
	seats, err := m.Seats()
	if err != nil {
		return nil, err
	}
	err = s.store.InTx(ctx, func(tx Tx) error {
		// Locked, as a performance's scheduling locks it: one scheduled
		// meanwhile is counted, or reads the new seats.
		if _, err := tx.LockVenue(ctx, venueID); err != nil {
			return notFound("venue", err)
		}
		n, err := tx.CountPerformances(ctx, venueID)
		if err != nil {
			return err
		}
		if n > 0 {
			return apperr.R(apperr.Conflict, "seat_map_in_use", "This venue already has performances; its seat map cannot change.")
		}
		if err := tx.ReplaceSeats(ctx, venueID, seats); err != nil {
			return fmt.Errorf("replace seats: %w", err)
		}
		return s.audit(ctx, tx, c, "venue.seat_map", "venue", venueID, map[string]any{"seats": len(seats)})
	})
	return seats, err
}

// Seats lists a venue's seats. NotFound for an unknown venue.
func (s *Service) Seats(ctx context.Context, venueID string) ([]Seat, error) {
	var out []Seat
	err := s.store.View(ctx, func(tx Tx) error {
		if _, err := tx.Venue(ctx, venueID); err != nil {
			return notFound("venue", err)
		}
		var err error
		out, err = tx.Seats(ctx, venueID)
		return err
	})
	return out, err
}

// normalise tidies a performance as an administrator gave it: its title
// trimmed, its schedule in UTC to the second (typed to the minute on the
// pages). The times the hub chooses itself, a creation and sales opened at
// it, keep the microsecond of every record's time.
func normalise(p *Performance) {
	p.Title = strings.TrimSpace(p.Title)
	p.StartsAt = p.StartsAt.UTC().Truncate(time.Second)
	p.SalesOpen = p.SalesOpen.UTC().Truncate(time.Second)
	p.SalesClose = p.SalesClose.UTC().Truncate(time.Second)
	p.DoorsOpen = p.DoorsOpen.UTC().Truncate(time.Second)
	p.EndsAt = p.EndsAt.UTC().Truncate(time.Second)
}

// CreatePerformance schedules a performance. An empty sales window opens
// sales now and closes them at the start; doors open DefaultDoorsOpenBefore
// the start unless DoorsOpen says otherwise, and a performance without an
// end lasts DefaultDuration. Forbidden unless admin; Invalid
// for bad fields, an unknown venue, a venue without seats, or a price for a
// category the venue does not have.
func (s *Service) CreatePerformance(ctx context.Context, c identity.Caller, p Performance) (Performance, error) {
	if err := requireAdmin(c); err != nil {
		return Performance{}, err
	}
	now := s.now()
	normalise(&p)
	if err := startsAhead(p.StartsAt, now); err != nil {
		return Performance{}, err
	}
	withDefaults(&p, now)
	if err := p.Validate(); err != nil {
		return Performance{}, err
	}
	p.ID, p.CreatedAt = ids.New("prf"), now
	err := s.store.InTx(ctx, func(tx Tx) error {
		if err := checkCategories(ctx, tx, p); err != nil {
			return err
		}
		if err := tx.InsertPerformance(ctx, p); err != nil {
			return fmt.Errorf("insert performance: %w", err)
		}
		return s.audit(ctx, tx, c, "performance.create", "performance", p.ID, map[string]any{"venue_id": p.VenueID})
	})
	return p, err
}

// withDefaults fills in what CreatePerformance takes as said when p leaves
// it out: sales open now and close at the start, the doors open
// DefaultDoorsOpenBefore the start, the performance lasts DefaultDuration.
func withDefaults(p *Performance, now time.Time) {
	if p.SalesOpen.IsZero() {
		p.SalesOpen = now
	}
	if p.SalesClose.IsZero() {
		p.SalesClose = p.StartsAt
	}
	if p.DoorsOpen.IsZero() && !p.StartsAt.IsZero() {
		p.DoorsOpen = p.StartsAt.Add(-DefaultDoorsOpenBefore)
	}
	if p.EndsAt.IsZero() && !p.StartsAt.IsZero() {
		p.EndsAt = p.StartsAt.Add(DefaultDuration)
	}
	p.Status = PerformanceScheduled
}

// PerformanceProblems is every mistake CreatePerformance would find in the
// fields of the performance in, as sent in a request (times not yet read):
// each time that does not read, and what Validate says of the rest, the
// start in the past included, at most one a field, so that a form shows
// them all at once. It reads no venue (which CreatePerformance checks when
// the fields are right) and changes nothing.
func (s *Service) PerformanceProblems(in PerformanceRequest) []error {
	p, out := in.read("", s.zone)
	normalise(&p)
	if err := startsAhead(p.StartsAt, s.now()); err != nil {
		out = append(out, err)
		// Its one mistake: the sales, closing at the start by default,
		// would be blamed for it too.
		p.StartsAt = time.Time{}
	}
	withDefaults(&p, s.now())
	said := map[string]bool{}
	for _, err := range out {
		said[problemField(err)] = true
	}
	for _, err := range p.Problems() {
		if !said[problemField(err)] {
			out = append(out, err)
		}
	}
	return out
}

// problemField is the request field a refusal of a performance is about,
// so that one field is not refused twice (a start that does not read, and
// then is missing).
func problemField(err error) string {
	if f := TimeFieldOf(err); f != "" {
		return f
	}
	switch r := apperr.ReasonOf(err); r {
	case "starts_in_past":
		return "starts_at"
	case "invalid_price", "invalid_prices", "invalid_category":
		return "prices"
	default:
		return strings.TrimPrefix(r, "invalid_")
	}
}

// startsAhead refuses a start at or before now (starts_in_past), naming
// it: left alone, the sales would close at the start, before they open
// (by default, now), and the refusal would blame the opening of sales,
// which the administrator may not even have typed. A start outside the
// years Validate takes is left to it.
func startsAhead(start, now time.Time) error {
	if y := start.Year(); y < 2000 || y > 2999 || start.After(now) {
		return nil
	}
	return apperr.R(apperr.Invalid, "starts_in_past", "The performance would start in the past, at %s: give a start after now.", start.UTC().Format(time.RFC3339))
}

func checkCategories(ctx context.Context, tx Tx, p Performance) error {
	if _, err := tx.LockVenue(ctx, p.VenueID); err != nil {
		if apperr.Has(err, apperr.NotFound) {
			return apperr.R(apperr.Invalid, "unknown_venue", "No such venue.")
		}
		return err
	}
	seats, err := tx.Seats(ctx, p.VenueID)
	if err != nil {
		return err
	}
	if len(seats) == 0 {
		return apperr.R(apperr.Invalid, "venue_without_seats", "The venue has no seat map yet.")
	}
	for cat := range p.Prices {
		if !slices.ContainsFunc(seats, func(st Seat) bool { return st.Category == cat }) {
			return apperr.R(apperr.Invalid, "unknown_category", "The venue has no seats of category %s.", cat)
		}
	}
	return nil
}

// UpdatePerformance changes a performance's title, start, doors, end,
// prices and sales window (orders keep the prices they were held at).
// Doors and end left empty keep their distance from the start, so moving
// a performance moves its door window with it. Forbidden unless
// admin; NotFound; Invalid; Conflict once it is cancelled.
func (s *Service) UpdatePerformance(ctx context.Context, c identity.Caller, p Performance) (Performance, error) {
	if err := requireAdmin(c); err != nil {
		return Performance{}, err
	}
	normalise(&p)
	var out Performance
	err := s.store.InTx(ctx, func(tx Tx) error {
		// Locked: a cancellation committed while this read would otherwise
		// be overwritten by the status read here, putting a cancelled and
		// refunded performance back on sale.
		cur, err := tx.LockPerformance(ctx, p.ID)
		if err != nil {
			return notFound("performance", err)
		}
		if cur.Status == PerformanceCancelled {
			return apperr.R(apperr.Conflict, "performance_cancelled", "This performance is cancelled.")
		}
		if !p.StartsAt.Equal(cur.StartsAt) {
			// A performance already begun may keep its start (its title
			// corrected, say); it is not moved into the past.
			if err := startsAhead(p.StartsAt, s.now()); err != nil {
				return err
			}
		}
		p.VenueID, p.Status, p.CreatedAt = cur.VenueID, cur.Status, cur.CreatedAt
		if p.SalesOpen.IsZero() {
			p.SalesOpen = cur.SalesOpen
		}
		if p.SalesClose.IsZero() {
			p.SalesClose = p.StartsAt
		}
		if p.DoorsOpen.IsZero() && !p.StartsAt.IsZero() {
			p.DoorsOpen = p.StartsAt.Add(cur.DoorsOpen.Sub(cur.StartsAt))
		}
		if p.EndsAt.IsZero() && !p.StartsAt.IsZero() {
			p.EndsAt = p.StartsAt.Add(cur.EndsAt.Sub(cur.StartsAt))
		}
		if err := p.Validate(); err != nil {
			return err
		}
		if err := checkCategories(ctx, tx, p); err != nil {
			return err
		}
		if err := tx.UpdatePerformance(ctx, p); err != nil {
			return fmt.Errorf("update performance: %w", err)
		}
		out = p
		return s.audit(ctx, tx, c, "performance.update", "performance", p.ID, nil)
	})
	return out, err
}

// CancelPerformance cancels a performance and, in the same transaction,
// refunds every paid order (as RefundOrder, tickets already checked in
// included) but those whose card payment is disputed, open or lost, whose
// tickets it cancels and whose money it leaves to the dispute
// (voidDisputed), and releases every hold. Cancelling again changes nothing.
// Forbidden; NotFound.
func (s *Service) CancelPerformance(ctx context.Context, c identity.Caller, id string) (Performance, error) {
	if err := requireAdmin(c); err != nil {
		return Performance{}, err
	}
	var out Performance
	err := s.store.InTx(ctx, func(tx Tx) error {
		p, err := tx.LockPerformance(ctx, id)
		if err != nil {
			return notFound("performance", err)
		}
		if p.Status == PerformanceCancelled {
			out = p
			return nil
		}
		p.Status = PerformanceCancelled
		if err := tx.UpdatePerformance(ctx, p); err != nil {
			return fmt.Errorf("cancel performance: %w", err)
		}
		orders, err := tx.PerformanceOrders(ctx, p.ID, []string{OrderHeld, OrderPaid})
		if err != nil {
			return err
		}
		// Every order first, in id order, then the ledger: a payment in
		// flight holds its order before the theatre's account, so taking
		// orders and accounts interleaved could deadlock with it.
		for _, id := range orders {
			if _, err := tx.LockOrder(ctx, id); err != nil {
				return err
			}
		}
		for _, id := range orders {
			// The note tells the buyer's pages, and the staff's, why the
			// order was refunded: an administrator's refund has none.
			if _, err := s.refundNoted(ctx, tx, c, id, true, "", NotePerformanceCancelled); err != nil {
				return fmt.Errorf("refund order %s: %w", id, err)
			}
		}
		out = p
		return s.audit(ctx, tx, c, "performance.cancel", "performance", p.ID, map[string]any{"orders": len(orders)})
	})
	return out, err
}

// SeatCount is how many seats of a performance are free and how many
// held (seats not on sale are neither).
type SeatCount struct {
	Free int
	Held int
}

// SeatCounts counts the free and held seats of each of ps, by id, as
// Availability counts them, so that the programme can tell a sold-out
// performance from one with seats to choose. One view: each venue's seats
// are read once, and the claims of all of ps in one read.
func (s *Service) SeatCounts(ctx context.Context, ps []Performance) (map[string]SeatCount, error) {
	now := s.now()
	out := make(map[string]SeatCount, len(ps))
	if len(ps) == 0 {
		return out, nil
	}
	err := s.store.View(ctx, func(tx Tx) error {
		ids := make([]string, len(ps))
		for i, p := range ps {
			ids[i] = p.ID
		}
		all, err := tx.ClaimsOf(ctx, ids)
		if err != nil {
			return err
		}
		claimsOf := map[string][]Claim{}
		for _, c := range all {
			claimsOf[c.PerformanceID] = append(claimsOf[c.PerformanceID], c)
		}
		venues := map[string][]Seat{}
		for _, p := range ps {
			seats, ok := venues[p.VenueID]
			if !ok {
				var err error
				if seats, err = tx.Seats(ctx, p.VenueID); err != nil {
					return err
				}
				venues[p.VenueID] = seats
			}
			taken := map[string]string{}
			for _, c := range claimsOf[p.ID] {
				if c.Live(now) {
					taken[c.SeatID] = c.State
				}
			}
			var n SeatCount
			for _, st := range seats {
				switch {
				case taken[st.ID] == ClaimHeld:
					n.Held++
				case taken[st.ID] == ClaimSold, p.Prices[st.Category] == 0:
				default:
					n.Free++
				}
			}
			out[p.ID] = n
		}
		return nil
	})
	return out, err
}

// Performances lists scheduled performances that have not started,
// soonest first.
func (s *Service) Performances(ctx context.Context) ([]Performance, error) {
	var out []Performance
	err := s.store.View(ctx, func(tx Tx) error {
		var err error
		out, err = tx.ListPerformances(ctx, s.now(), false)
		return err
	})
	return out, err
}

// AllPerformances lists every performance, past and cancelled ones too
// (administrators). Forbidden unless admin.
func (s *Service) AllPerformances(ctx context.Context, c identity.Caller) ([]Performance, error) {
	if err := requireAdmin(c); err != nil {
		return nil, err
	}
	var out []Performance
	err := s.store.View(ctx, func(tx Tx) error {
		var err error
		out, err = tx.ListPerformances(ctx, time.Time{}, true)
		return err
	})
	return out, err
}

// Performance returns one performance. NotFound.
func (s *Service) Performance(ctx context.Context, id string) (Performance, error) {
	var out Performance
	err := s.store.View(ctx, func(tx Tx) error {
		var err error
		out, err = tx.Performance(ctx, id)
		return notFound("performance", err)
	})
	return out, err
}

// Seat availability.
const (
	SeatFree      = "free"
	SeatHeld      = "held"
	SeatSold      = "sold"
	SeatNotOnSale = "not_on_sale"
)

// SeatState is a seat of a performance and whether it can be bought.
type SeatState struct {
	Seat
	PriceCents int64  `json:"price_cents,omitempty"`
	State      string `json:"state"`
}

// Availability is a performance's seat map with each seat's state.
type Availability struct {
	Performance Performance `json:"performance"`
	Venue       Venue       `json:"venue"`
	OnSale      bool        `json:"on_sale"`
	Free        int         `json:"free"`
	Seats       []SeatState `json:"seats"`
	// Categories are the hall's seat categories, in the order of its seat
	// map, each named (by the venue's own names where it gave them) and
	// with its price at the performance: what a seat's category code
	// stands for.
	Categories []Category `json:"categories"`
	// Sections are the hall's sections, in the order of its seat map,
	// each as its seats' section names it and as people read it in each
	// language (SectionName).
	Sections []SectionNames `json:"sections"`
}

// SectionNames is a section of a hall, as a seat's section names it, and
// as people read it in Italian and in English.
type SectionNames struct {
	Section string `json:"section"`
	NameIT  string `json:"name_it"`
	NameEN  string `json:"name_en"`
}

// Availability shows which seats of a performance are free. NotFound.
func (s *Service) Availability(ctx context.Context, performanceID string) (Availability, error) {
	now := s.now()
	var out Availability
	err := s.store.View(ctx, func(tx Tx) error {
		p, err := tx.Performance(ctx, performanceID)
		if err != nil {
			return notFound("performance", err)
		}
		v, err := tx.Venue(ctx, p.VenueID)
		if err != nil {
			return err
		}
		seats, err := tx.Seats(ctx, p.VenueID)
		if err != nil {
			return err
		}
		own, err := tx.CategoryNames(ctx, p.VenueID)
		if err != nil {
			return err
		}
		claims, err := tx.Claims(ctx, p.ID)
		if err != nil {
			return err
		}
		taken := map[string]string{}
		for _, c := range claims {
			if c.Live(now) {
				taken[c.SeatID] = c.State
			}
		}
		out = Availability{Performance: p, Venue: v, OnSale: p.OnSale(now), Seats: make([]SeatState, 0, len(seats)), Categories: categoriesOf(seats, own)}
		for i, k := range out.Categories {
			out.Categories[i].PriceCents = p.Prices[k.Code]
		}
		out.Sections = []SectionNames{}
		for _, st := range seats {
			if n := len(out.Sections); n == 0 || out.Sections[n-1].Section != st.Section {
				out.Sections = append(out.Sections, SectionNames{Section: st.Section, NameIT: SectionName(st.Section, "it"), NameEN: SectionName(st.Section, "en")})
			}
			ss := SeatState{Seat: st, PriceCents: p.Prices[st.Category], State: SeatFree}
			// A seat sold or held stays so when its category loses its price
			// afterwards: the seat is taken, whatever is on sale now.
			switch {
			case taken[st.ID] == ClaimSold:
				ss.State = SeatSold
			case taken[st.ID] == ClaimHeld:
				ss.State = SeatHeld
			case ss.PriceCents == 0:
				ss.State = SeatNotOnSale
			default:
				out.Free++
			}
			out.Seats = append(out.Seats, ss)
		}
		return nil
	})
	return out, err
}
