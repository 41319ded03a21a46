package ticketing

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"strings"
	"time"
	"unicode/utf8"

	"cityhub/apperr"
	"cityhub/audit"
	"cityhub/identity"
	"cityhub/qrtoken"
)

// The door: door staff choose the performance they are checking tickets
// for, and a ticket enters only for its own performance, from the doors
// opening until the end, once.

// MaxDoorPerformances bounds the performances a door chooses from (and the
// other performances whose tickets an offline scanner can name).
const MaxDoorPerformances = 8

// ReasonNotYourVenue refuses a ticket for a venue the door staff do not
// check: a refusal of the ticket (the door turns it away), though 403.
const ReasonNotYourVenue = "not_your_venue"

// DoorPerformance is a performance as the door sees it.
type DoorPerformance struct {
	Performance
	VenueName string `json:"venue_name"`
	// DoorsOpenNow says whether its tickets enter now, by the hub's clock.
	DoorsOpenNow bool `json:"doors_open_now"`
}

// DoorList is what a door scanner needs to check one performance's tickets
// while the network is down: the performance with its door window, the ids
// of its tickets, the venue's other performances that have not ended with
// theirs (so a ticket for another evening is named), and the hub's clock.
// State (already checked in) is not in it: only the hub decides that.
type DoorList struct {
	Performance DoorPerformance `json:"performance"`
	TicketIDs   []string        `json:"ticket_ids"`
	Others      []DoorListOther `json:"others"`
	Now         time.Time       `json:"now"`
}

// DoorListOther is another performance of the venue and its tickets.
type DoorListOther struct {
	ID        string    `json:"id"`
	Title     string    `json:"title"`
	StartsAt  time.Time `json:"starts_at"`
	TicketIDs []string  `json:"ticket_ids"`
}

// CheckInResult is what the door's scanner shows.
type CheckInResult struct {
	Ticket      DoorTicket `json:"ticket"`
	CheckedInAt time.Time  `json:"checked_in_at"`
}

// DoorTicket is a ticket as the door sees it: the seat and performance it
// admits to and its state, not who bought it (no account, no order, no
// price): the door staff need nothing more to let a person in.
type DoorTicket struct {
	ID            string    `json:"id"`
	PerformanceID string    `json:"performance_id"`
	VenueID       string    `json:"venue_id"`
	SeatID        string    `json:"seat_id"`
	Status        string    `json:"status"`
	CheckedInAt   time.Time `json:"checked_in_at,omitzero"`
	Title         string    `json:"title"`
	StartsAt      time.Time `json:"starts_at"`
	VenueName     string    `json:"venue_name"`
	Section       string    `json:"section"`
	SectionNameIT string    `json:"section_name_it"`
	SectionNameEN string    `json:"section_name_en"`
	Row           string    `json:"row"`
	Number        int       `json:"number"`
}

func doorTicket(tv TicketView) DoorTicket {
	return DoorTicket{ID: tv.ID, PerformanceID: tv.PerformanceID, VenueID: tv.VenueID, SeatID: tv.SeatID, Status: tv.Status,
		CheckedInAt: tv.CheckedInAt, Title: tv.Title, StartsAt: tv.StartsAt, VenueName: tv.VenueName, Section: tv.Section,
		SectionNameIT: tv.SectionNameIT, SectionNameEN: tv.SectionNameEN, Row: tv.Row, Number: tv.Number}
}

func requireDoor(c identity.Caller) error {
	if c.AccountID == "" || !c.Has(identity.RoleDoor) {
		return apperr.R(apperr.Forbidden, "not_door_staff", "Only door staff may check tickets in.")
	}
	return nil
}

// doorPerformance reads the performance the door chose. Invalid when none
// was chosen; NotFound for an unknown one; Forbidden when it is at a venue
// the caller does not work at.
func doorPerformance(ctx context.Context, tx Tx, c identity.Caller, id string) (DoorPerformance, error) {
	if strings.TrimSpace(id) == "" {
		return DoorPerformance{}, apperr.R(apperr.Invalid, "performance_missing", "Choose the performance you are checking tickets for.")
	}
	if len(id) > 100 || !utf8.ValidString(id) || strings.ContainsRune(id, 0) {
		// No performance has such an id; the database is not asked.
		return DoorPerformance{}, apperr.R(apperr.NotFound, "performance_not_found", "No such performance.")
	}
	p, err := tx.Performance(ctx, id)
	if err != nil {
		return DoorPerformance{}, notFound("performance", err)
	}
	if !c.HasIn(identity.RoleDoor, p.VenueID) {
		return DoorPerformance{}, apperr.R(apperr.Forbidden, "not_your_performance", "You check tickets only for the performances of your venue.")
	}
	v, err := tx.Venue(ctx, p.VenueID)
	if err != nil {
		return DoorPerformance{}, fmt.Errorf("read venue: %w", err)
	}
	return DoorPerformance{Performance: p, VenueName: v.Name}, nil
}

// DoorPerformances lists the performances the caller may check tickets in
// for: those of the caller's venues that have not ended, soonest first, at
// most MaxDoorPerformances. Forbidden unless door staff.
func (s *Service) DoorPerformances(ctx context.Context, c identity.Caller) ([]DoorPerformance, error) {
	if err := requireDoor(c); err != nil {
		return nil, err
	}
	out := []DoorPerformance{}
	venues := c.Scopes(identity.RoleDoor)
	if len(venues) == 0 {
		return out, nil
	}
	now := s.now()
	err := s.store.View(ctx, func(tx Tx) error {
		ps, err := tx.VenuePerformances(ctx, venues, now, MaxDoorPerformances)
		if err != nil {
			return err
		}
		names := map[string]string{}
		for _, p := range ps {
			if _, ok := names[p.VenueID]; !ok {
				v, err := tx.Venue(ctx, p.VenueID)
				if err != nil {
					return fmt.Errorf("read venue: %w", err)
				}
				names[p.VenueID] = v.Name
			}
			out = append(out, DoorPerformance{Performance: p, VenueName: names[p.VenueID], DoorsOpenNow: p.DoorsOpenAt(now)})
		}
		return nil
	})
	return out, err
}

// DoorList gives the door what it needs to check a performance's tickets
// offline (see DoorList). Forbidden unless door staff of its venue;
// Invalid without a performance; NotFound for an unknown one.
func (s *Service) DoorList(ctx context.Context, c identity.Caller, performanceID string) (DoorList, error) {
	if err := requireDoor(c); err != nil {
		return DoorList{}, err
	}
	now := s.now()
	var out DoorList
	err := s.store.View(ctx, func(tx Tx) error {
		p, err := doorPerformance(ctx, tx, c, performanceID)
		if err != nil {
			return err
		}
		if out.TicketIDs, err = tx.PerformanceTicketIDs(ctx, p.ID); err != nil {
			return err
		}
		p.DoorsOpenNow = p.DoorsOpenAt(now)
		out.Performance, out.Now, out.Others = p, now, []DoorListOther{}
		others, err := tx.VenuePerformances(ctx, []string{p.VenueID}, now, MaxDoorPerformances+1)
		if err != nil {
			return err
		}
		for _, o := range others {
			if o.ID == p.ID || len(out.Others) == MaxDoorPerformances {
				continue
			}
			ids, err := tx.PerformanceTicketIDs(ctx, o.ID)
			if err != nil {
				return err
			}
			out.Others = append(out.Others, DoorListOther{ID: o.ID, Title: o.Title, StartsAt: o.StartsAt, TicketIDs: ids})
		}
		return nil
	})
	return out, err
}

// identify turns what the door read (a QR token or a typed code) into a
// ticket id. Tokens are verified before anything is read. Typed codes are
// looked up by hash, and failures count against the staff account and the
// caller's address (in the database, so every replica limits guessing
// alike); every failure of a typed code answers alike.
func (s *Service) identify(ctx context.Context, c identity.Caller, presented string, now time.Time) (string, error) {
	presented = strings.TrimSpace(presented)
	if presented == "" {
		return "", apperr.R(apperr.Invalid, "code_missing", "Scan or type the ticket's code.")
	}
	if qrtoken.LooksLikeToken(presented) {
		claims, err := qrtoken.Verify(s.keys, presented, qrtoken.KindTicket, now, TokenLeeway)
		if err != nil {
			return "", err
		}
		return claims.ObjectID, nil
	}
	ip := audit.OriginFrom(ctx).IP
	staffKey, ipKey := "staff:"+c.AccountID, "ip:"+ip
	keys := []string{staffKey}
	if ip != "" {
		keys = append(keys, ipKey)
	}
	var fails map[string]int
	err := s.store.View(ctx, func(tx Tx) error {
		var err error
		fails, err = tx.TicketCodeFailures(ctx, keys, now.Add(-CodeFailureWindow))
		return err
	})
	if err != nil {
		return "", fmt.Errorf("count failed codes: %w", err)
	}
	if fails[staffKey] >= MaxCodeFailures || (ip != "" && fails[ipKey] >= MaxCodeFailures) {
		// While refused no failure is counted, so after the whole window
		// every counted one has expired.
		return "", apperr.Throttled(apperr.R(apperr.RateLimited, "too_many_failed_codes", "Too many wrong codes; wait a few minutes and try again."), CodeFailureWindow)
	}
	fail := func(cause error) error {
		err := s.store.InTx(ctx, func(tx Tx) error {
			return tx.RecordTicketCodeFailures(ctx, keys, now, now.Add(-2*CodeFailureWindow))
		})
		if err != nil {
			s.log.ErrorContext(ctx, "record failed ticket code", slog.Any("error", err))
		}
		s.log.WarnContext(ctx, "typed ticket code not found", slog.String("staff", c.AccountID), slog.String("ip", ip))
		return cause
	}
	hash, err := qrtoken.ParseCode(presented)
	if err != nil {
		return "", fail(err)
	}
	var id string
	err = s.store.View(ctx, func(tx Tx) error {
		t, err := tx.TicketByCodeHash(ctx, hash)
		id = t.ID
		return err
	})
	if apperr.Has(err, apperr.NotFound) {
		return "", fail(apperr.R(apperr.NotFound, "code_unknown", "No ticket has this code."))
	}
	return id, err
}

// OtherPerformanceError is the cause of a ticket refused because it is for
// another performance than the one the door is checking: which one.
type OtherPerformanceError struct {
	PerformanceID string
	Title         string
	StartsAt      time.Time
}

func (e OtherPerformanceError) Error() string {
	return fmt.Sprintf("ticket for performance %s (%q at %s)", e.PerformanceID, e.Title, e.StartsAt.Format(time.RFC3339))
}

// DoorClosedError is the cause of a ticket refused because its
// performance's door is closed: Reason doors_not_open (At is when the doors
// open) or performance_ended (At is when it ended).
type DoorClosedError struct {
	Reason string
	At     time.Time
}

func (e DoorClosedError) Error() string { return e.Reason + " at " + e.At.Format(time.RFC3339) }

// AlreadyCheckedInError is the cause of a check-in refused because the
// ticket was already checked in; At is when.
type AlreadyCheckedInError struct{ At time.Time }

func (e AlreadyCheckedInError) Error() string {
	return "ticket already checked in at " + e.At.Format(time.RFC3339)
}

// CheckedInAt is when the ticket of an already_checked_in refusal was
// checked in; ok is false for any other error.
func CheckedInAt(err error) (at time.Time, ok bool) {
	var e AlreadyCheckedInError
	if errors.As(err, &e) {
		return e.At, true
	}
	return time.Time{}, false
}

func alreadyIn(at time.Time, zone *time.Location) error {
	e := apperr.Wrap(AlreadyCheckedInError{At: at}, apperr.Conflict, "Already checked in at %s.", at.In(zone).Format("15:04"))
	e.Reason = "already_checked_in"
	return e
}

// cityDateTime is how refusals name a moment: "7 December 2026 at 21:00"
// in the city's zone.
func cityDateTime(t time.Time, zone *time.Location) string {
	return t.In(zone).Format("2 January 2006 at 15:04")
}

// admissible refuses a ticket that cannot enter p at now, most useful
// reason first: another venue, another performance (named), a cancelled
// ticket, a closed door, a ticket already used.
func admissible(t TicketView, p Performance, c identity.Caller, now time.Time, zone *time.Location) error {
	if !c.HasIn(identity.RoleDoor, t.VenueID) {
		return apperr.R(apperr.Forbidden, ReasonNotYourVenue, "This ticket is for another venue.")
	}
	if t.PerformanceID != p.ID {
		return otherPerformance(t, zone)
	}
	if t.Status == TicketCancelled {
		return ticketCancelled()
	}
	if now.Before(p.DoorsOpen) {
		return doorsNotOpen(p, zone)
	}
	if !now.Before(p.EndsAt) {
		return performanceEnded(p, zone)
	}
	if t.Status == TicketCheckedIn {
		return alreadyIn(t.CheckedInAt, zone)
	}
	return nil
}

// otherPerformance refuses t at the door of another performance, naming
// its own.
func otherPerformance(t TicketView, zone *time.Location) error {
	e := apperr.Wrap(OtherPerformanceError{PerformanceID: t.PerformanceID, Title: t.Title, StartsAt: t.StartsAt}, apperr.Conflict,
		"This ticket is for %q on %s, not for this performance.", t.Title, cityDateTime(t.StartsAt, zone))
	e.Reason = "ticket_other_performance"
	return e
}

func ticketCancelled() error {
	return apperr.R(apperr.Conflict, "ticket_cancelled", "This ticket was cancelled.")
}

func doorsNotOpen(p Performance, zone *time.Location) error {
	e := apperr.Wrap(DoorClosedError{Reason: "doors_not_open", At: p.DoorsOpen}, apperr.Conflict,
		"The doors open on %s.", cityDateTime(p.DoorsOpen, zone))
	e.Reason = "doors_not_open"
	return e
}

func performanceEnded(p Performance, zone *time.Location) error {
	e := apperr.Wrap(DoorClosedError{Reason: "performance_ended", At: p.EndsAt}, apperr.Conflict,
		"This performance ended on %s.", cityDateTime(p.EndsAt, zone))
	e.Reason = "performance_ended"
	return e
}

// VerifyTicket shows door staff what a scanned or typed code is for the
// performance they are checking, without checking it in; the rules are
// CheckIn's.
func (s *Service) VerifyTicket(ctx context.Context, c identity.Caller, performanceID, presented string) (DoorTicket, error) {
	var out DoorTicket
	err := s.atTheDoor(ctx, c, performanceID, presented, false, func(tx Tx, tv TicketView, _ time.Time) error {
		out = doorTicket(tv)
		return nil
	})
	return out, err
}

// CheckIn admits a ticket at the door of the performance the door staff
// chose, at the service clock's now: the first scan wins, atomically,
// however many scanners read it at once; a later one is Conflict (reason
// already_checked_in, "already checked in at HH:MM" in the city's zone).
// Forbidden unless the caller is door staff of the ticket's venue and of the
// performance's (not_your_venue, not_your_performance); Invalid for no
// performance, a forged or malformed code; NotFound for an unknown
// performance or code; Conflict for an expired token, a cancelled ticket,
// a ticket for another performance (ticket_other_performance, naming it),
// before the doors open (doors_not_open, with the time) and from the end
// of the performance on (performance_ended).
func (s *Service) CheckIn(ctx context.Context, c identity.Caller, performanceID, presented string) (CheckInResult, error) {
	var out CheckInResult
	err := s.atTheDoor(ctx, c, performanceID, presented, true, func(tx Tx, tv TicketView, now time.Time) error {
		ok, err := tx.CheckIn(ctx, tv.ID, now, c.AccountID)
		if err != nil {
			return fmt.Errorf("check in: %w", err)
		}
		if !ok {
			// Another scanner won between the read and the write.
			cur, err := tx.Ticket(ctx, tv.ID)
			if err != nil {
				return err
			}
			if cur.Status == TicketCheckedIn {
				return alreadyIn(cur.CheckedInAt, s.zone)
			}
			return ticketCancelled()
		}
		tv.Status, tv.CheckedInAt = TicketCheckedIn, now
		out = CheckInResult{Ticket: doorTicket(tv), CheckedInAt: now}
		return s.audit(ctx, tx, c, "ticket.check_in", "ticket", tv.ID, map[string]any{"venue_id": tv.VenueID, "performance_id": tv.PerformanceID})
	})
	return out, err
}

// atTheDoor identifies the presented code and runs admit on the ticket if
// it may enter the chosen performance now, in a write transaction when
// write is set. One clock reading decides the token's expiry and the door
// window.
func (s *Service) atTheDoor(ctx context.Context, c identity.Caller, performanceID, presented string, write bool, admit func(Tx, TicketView, time.Time) error) error {
	if err := requireDoor(c); err != nil {
		return err
	}
	now := s.now()
	var p DoorPerformance
	err := s.store.View(ctx, func(tx Tx) error {
		var err error
		p, err = doorPerformance(ctx, tx, c, performanceID)
		return err
	})
	if err != nil {
		return err
	}
	id, err := s.identify(ctx, c, presented, now)
	if err != nil {
		return err
	}
	run := s.store.View
	if write {
		run = s.store.InTx
	}
	return run(ctx, func(tx Tx) error {
		t, err := tx.Ticket(ctx, id)
		if err != nil {
			return notFound("ticket", err)
		}
		perfs := map[string]Performance{}
		tv, err := s.view(ctx, tx, t, false, perfs, map[string]Venue{})
		if err != nil {
			return err
		}
		chosen := p.Performance
		if cur, ok := perfs[chosen.ID]; ok {
			// The ticket's own performance, read in this transaction.
			chosen = cur
		}
		if err := admissible(tv, chosen, c, now, s.zone); err != nil {
			return err
		}
		return admit(tx, tv, now)
	})
}
