package ticketing

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"strings"
	"time"

	"cityhub/apperr"
	"cityhub/identity"
	"cityhub/qrtoken"
)

// Entries a door let in while it could not reach the hub (docs/door.md,
// "Offline"). The device checked each QR token itself and keeps the
// entries it let in; once the hub answers again it uploads them, and the
// hub records each one, once, however often it is sent: a ticket not yet
// used is checked in at the time the door let it in, and a ticket already
// used (online, or by another door's upload) or cancelled is recorded as a
// double entry for an operator to see, never dropped.

const (
	// MaxOfflineEntries bounds one upload; a device with more sends them
	// in turns. A hundred entries of the longest tokens fit well inside
	// the API's 64 KiB body.
	MaxOfflineEntries = 100
	// OfflineClockSkew is how far the time a device says it let a ticket
	// in may stray from the hub's clock: the device keeps the hub's clock
	// by the offset it read with the door list, and drifts a little while
	// offline.
	OfflineClockSkew = 2 * time.Minute
	// MaxDoubleEntriesListed bounds the double entries listed for one
	// performance.
	MaxDoubleEntriesListed = 500
	// maxEntryIDLen bounds a device's id and its entries' ids.
	maxEntryIDLen = 64
)

// Outcomes of an uploaded entry.
const (
	// EntryCheckedIn: the ticket was checked in at the time the door let
	// it in.
	EntryCheckedIn = "checked_in"
	// EntryDouble: the ticket was already used (reason
	// already_checked_in) or cancelled (ticket_cancelled) when the entry
	// reached the hub; the entry is recorded for an operator.
	EntryDouble = "double_entry"
	// EntryRejected: the entry does not hold up (a token that does not
	// verify, a ticket of another performance, a time outside the door
	// window); nothing is recorded.
	EntryRejected = "rejected"
)

// OfflineEntry is one entry a door let in offline: the device's own id for
// it (unique on the device), the QR token it checked, and when it let the
// person in, by the hub's clock as the device kept it.
type OfflineEntry struct {
	ID   string    `json:"id"`
	Code string    `json:"code"`
	At   time.Time `json:"at"`
}

// OfflineUpload is what a door device sends once the hub answers again:
// the entries it let in offline at one performance's door.
type OfflineUpload struct {
	PerformanceID string `json:"performance_id"`
	// Device is the device's own id; with an entry's id it names the entry
	// for good, so an upload sent again records nothing twice.
	Device  string         `json:"device"`
	Entries []OfflineEntry `json:"entries"`
}

// OfflineEntryResult is the hub's answer for one uploaded entry.
type OfflineEntryResult struct {
	ID      string `json:"id"`
	Outcome string `json:"outcome"`
	// Reason and Detail say why for a double entry or a rejected one.
	Reason string `json:"reason,omitempty"`
	Detail string `json:"detail,omitempty"`
	// Ticket is the ticket, as the door sees it, unless rejected.
	Ticket *DoorTicket `json:"ticket,omitempty"`
	// CheckedInAt is when the ticket was checked in: at this entry
	// (checked_in), or before it (a double entry, already_checked_in).
	CheckedInAt time.Time `json:"checked_in_at,omitzero"`
	// Replayed says the entry had been recorded by an earlier upload; the
	// answer is that upload's.
	Replayed bool `json:"replayed,omitempty"`
	// Refusal is the error behind a double entry or a rejection, for a
	// page to word in its own language.
	Refusal error `json:"-"`
}

// DoorEntry is an uploaded entry as the hub recorded it.
type DoorEntry struct {
	Device        string
	EntryID       string
	PerformanceID string
	TicketID      string
	// StaffID is the door staff account that uploaded it.
	StaffID    string
	EnteredAt  time.Time
	RecordedAt time.Time
	Outcome    string
	// Reason is already_checked_in or ticket_cancelled for a double entry,
	// empty otherwise.
	Reason string
	// FirstCheckedInAt is when the ticket had been checked in, for a
	// double entry of reason already_checked_in.
	FirstCheckedInAt time.Time
}

// DoubleEntryRow is a double entry as stored, with what its list shows
// beside it, read with it: the ticket's seat, and the name of the door
// staff account that uploaded it (its e-mail address when it has no name;
// empty once the account is gone).
type DoubleEntryRow struct {
	DoorEntry
	SeatID, StaffName string
}

// DoubleEntry is a double entry as an operator sees it: the ticket and its
// seat, why, when the door let the person in, and who uploaded it from
// which device.
type DoubleEntry struct {
	TicketID string `json:"ticket_id"`
	// Section is as the seat's id names it; SectionNameIT and
	// SectionNameEN as people read it (SectionName).
	Section       string `json:"section"`
	SectionNameIT string `json:"section_name_it"`
	SectionNameEN string `json:"section_name_en"`
	Row           string `json:"row"`
	Number        int    `json:"number"`
	// Reason is already_checked_in or ticket_cancelled.
	Reason    string    `json:"reason"`
	EnteredAt time.Time `json:"entered_at"`
	// FirstCheckedInAt is when the ticket had been checked in before.
	FirstCheckedInAt time.Time `json:"first_checked_in_at,omitzero"`
	StaffID          string    `json:"staff_id"`
	StaffName        string    `json:"staff_name"`
	Device           string    `json:"device"`
	EntryID          string    `json:"entry_id"`
	RecordedAt       time.Time `json:"recorded_at"`
}

// errEntryRaced: another upload of the same entry recorded it while this
// one was deciding; this one is rolled back and answered from that one.
var errEntryRaced = errors.New("the entry was recorded meanwhile")

// entryID reports whether id may name a device or an entry: 1 to 64
// letters, digits, '-', '_', '.' or ':' (a UUID, say).
func entryID(id string) bool {
	if id == "" || len(id) > maxEntryIDLen {
		return false
	}
	for _, r := range id {
		switch {
		case r >= 'a' && r <= 'z', r >= 'A' && r <= 'Z', r >= '0' && r <= '9', r == '-', r == '_', r == '.', r == ':':
		default:
			return false
		}
	}
	return true
}

// validate judges the upload's shape, before anything is read: what no
// device built by docs/door.md sends is refused whole, naming the entry.
func (u OfflineUpload) validate() error {
	if strings.TrimSpace(u.PerformanceID) == "" {
		return apperr.R(apperr.Invalid, "performance_missing", "Choose the performance you are checking tickets for.")
	}
	if !entryID(u.Device) {
		return apperr.R(apperr.Invalid, "invalid_device", "device must be 1 to %d letters, digits, '-', '_', '.' or ':'.", maxEntryIDLen)
	}
	if len(u.Entries) == 0 {
		return apperr.R(apperr.Invalid, "entries_missing", "Send at least one entry.")
	}
	if len(u.Entries) > MaxOfflineEntries {
		return apperr.R(apperr.Invalid, "too_many_entries", "Send at most %d entries at a time.", MaxOfflineEntries)
	}
	for i, e := range u.Entries {
		switch {
		case !entryID(e.ID):
			return apperr.R(apperr.Invalid, "invalid_entry", "entries[%d].id must be 1 to %d letters, digits, '-', '_', '.' or ':'.", i, maxEntryIDLen)
		case strings.TrimSpace(e.Code) == "" || len(e.Code) > qrtoken.MaxTextLen+8:
			return apperr.R(apperr.Invalid, "invalid_entry", "entries[%d].code must be the QR token the door checked.", i)
		case e.At.IsZero():
			return apperr.R(apperr.Invalid, "invalid_entry", "entries[%d].at must be the time the door let the ticket in.", i)
		}
	}
	return nil
}

// RecordOfflineEntries records the entries a door let in while offline at
// the chosen performance, each in its own transaction, and answers each
// one's outcome in the order sent (checked_in, double_entry or rejected).
//
// The hub checks again what the device checked, except the token's expiry
// against its own clock: the token must verify (signature, a ticket
// token) and have been valid when the door let the person in (its expiry
// and its issue, RotatingTTL before, with OfflineClockSkew either side),
// the ticket must be of this performance at a venue of the caller's, and
// the time must lie inside the performance's door window, with
// OfflineClockSkew either side, and not after the hub's now plus the skew.
// An entry that fails is rejected and nothing is recorded for it.
//
// An entry that holds up is recorded under (device, entry id): sent again,
// it is answered as first recorded (Replayed) and changes nothing; the
// same ids for another ticket or time are rejected (entry_id_reused). A
// valid ticket is checked in at the entry's time, by the caller, with the
// online check-in's audit entry; of two doors uploading one ticket at once
// exactly one checks it in, as online. A ticket already checked in, or
// cancelled, makes the entry a double entry, recorded and audited for an
// operator (DoubleEntries).
//
// Forbidden unless door staff of the performance's venue; Invalid for an
// upload no device sends (no performance, a malformed device or entry id,
// no entries or more than MaxOfflineEntries, an entry without its token or
// time); NotFound for an unknown performance.
func (s *Service) RecordOfflineEntries(ctx context.Context, c identity.Caller, u OfflineUpload) ([]OfflineEntryResult, error) {
	if err := requireDoor(c); err != nil {
		return nil, err
	}
	if err := u.validate(); err != nil {
		return nil, err
	}
	var p DoorPerformance
	err := s.store.View(ctx, func(tx Tx) error {
		var err error
		p, err = doorPerformance(ctx, tx, c, u.PerformanceID)
		return err
	})
	if err != nil {
		return nil, err
	}
	now := s.now()
	out := make([]OfflineEntryResult, 0, len(u.Entries))
	for _, e := range u.Entries {
		r, err := s.recordOfflineEntry(ctx, c, p.ID, u.Device, e, now)
		if err != nil {
			// The entries before it are recorded; the device sends the
			// whole upload again and is answered them as recorded.
			return nil, fmt.Errorf("record offline entry %s of device %s: %w", e.ID, u.Device, err)
		}
		out = append(out, r)
	}
	return out, nil
}

// recordOfflineEntry records one entry (see RecordOfflineEntries). An
// error is the hub's failure; refusals are answered in the result.
func (s *Service) recordOfflineEntry(ctx context.Context, c identity.Caller, performanceID, device string, e OfflineEntry, now time.Time) (OfflineEntryResult, error) {
	at := e.At.UTC().Truncate(time.Microsecond)
	reject := func(cause error) OfflineEntryResult {
		s.log.WarnContext(ctx, "offline door entry rejected", slog.String("performance", performanceID), slog.String("device", device),
			slog.String("entry", e.ID), slog.String("staff", c.AccountID), slog.Time("at", at), slog.String("reason", apperr.ReasonOf(cause)))
		return OfflineEntryResult{ID: e.ID, Outcome: EntryRejected, Reason: apperr.ReasonOf(cause), Detail: apperr.MessageOf(cause), Refusal: cause}
	}
	// The token is judged at the time the door read it: it was not expired
	// then, give or take the device's drift, and had been issued.
	claims, err := qrtoken.Verify(s.keys, strings.TrimSpace(e.Code), qrtoken.KindTicket, at, TokenLeeway+OfflineClockSkew)
	if err != nil {
		if code := apperr.CodeOf(err); code == apperr.Invalid || code == apperr.Conflict {
			return reject(err), nil
		}
		return OfflineEntryResult{}, err
	}
	if at.Before(claims.ExpiresAt.Add(-qrtoken.RotatingTTL - OfflineClockSkew)) {
		return reject(apperr.R(apperr.Invalid, "entry_time_invalid", "The entry is earlier than its QR code was shown.")), nil
	}
	if at.After(now.Add(OfflineClockSkew)) {
		return reject(apperr.R(apperr.Invalid, "entry_time_invalid", "The entry is later than the hub's clock.")), nil
	}
	for attempt := 0; ; attempt++ {
		var out OfflineEntryResult
		err := s.store.InTx(ctx, func(tx Tx) error {
			var err error
			out, err = s.recordOfflineEntryTx(ctx, tx, c, performanceID, device, e.ID, claims.ObjectID, at, now)
			return err
		})
		if errors.Is(err, errEntryRaced) && attempt == 0 {
			// The other upload committed: this time the entry is found.
			continue
		}
		if err != nil {
			return OfflineEntryResult{}, err
		}
		if out.Outcome == EntryRejected {
			return reject(out.Refusal), nil
		}
		return out, nil
	}
}

func (s *Service) recordOfflineEntryTx(ctx context.Context, tx Tx, c identity.Caller, performanceID, device, id, ticketID string, at, now time.Time) (OfflineEntryResult, error) {
	rejected := func(cause error) (OfflineEntryResult, error) {
		return OfflineEntryResult{ID: id, Outcome: EntryRejected, Refusal: cause}, nil
	}
	prev, err := tx.DoorEntry(ctx, device, id)
	switch {
	case err == nil:
		if prev.TicketID != ticketID || !prev.EnteredAt.Equal(at) || prev.PerformanceID != performanceID {
			return rejected(apperr.R(apperr.Conflict, "entry_id_reused", "This device already sent another entry under this id."))
		}
		return s.recordedEntry(ctx, tx, prev)
	case !apperr.Has(err, apperr.NotFound):
		return OfflineEntryResult{}, fmt.Errorf("read door entry: %w", err)
	}
	t, err := tx.Ticket(ctx, ticketID)
	if apperr.Has(err, apperr.NotFound) {
		return rejected(apperr.R(apperr.NotFound, "ticket_not_found", "No such ticket."))
	}
	if err != nil {
		return OfflineEntryResult{}, fmt.Errorf("read ticket: %w", err)
	}
	perfs := map[string]Performance{}
	tv, err := s.view(ctx, tx, t, false, perfs, map[string]Venue{})
	if err != nil {
		return OfflineEntryResult{}, err
	}
	p := perfs[tv.PerformanceID]
	switch {
	case !c.HasIn(identity.RoleDoor, tv.VenueID):
		return rejected(apperr.R(apperr.Forbidden, ReasonNotYourVenue, "This ticket is for another venue."))
	case tv.PerformanceID != performanceID:
		return rejected(otherPerformance(tv, s.zone))
	case at.Before(p.DoorsOpen.Add(-OfflineClockSkew)):
		return rejected(doorsNotOpen(p, s.zone))
	case !at.Before(p.EndsAt.Add(OfflineClockSkew)):
		return rejected(performanceEnded(p, s.zone))
	}
	entry := DoorEntry{Device: device, EntryID: id, PerformanceID: performanceID, TicketID: tv.ID, StaffID: c.AccountID,
		EnteredAt: at, RecordedAt: now, Outcome: EntryCheckedIn}
	switch tv.Status {
	case TicketValid:
		ok, err := tx.CheckIn(ctx, tv.ID, at, c.AccountID)
		if err != nil {
			return OfflineEntryResult{}, fmt.Errorf("check in: %w", err)
		}
		if ok {
			tv.Status, tv.CheckedInAt = TicketCheckedIn, at
			break
		}
		// Another door won between the read and the write.
		cur, err := tx.Ticket(ctx, tv.ID)
		if err != nil {
			return OfflineEntryResult{}, fmt.Errorf("read ticket: %w", err)
		}
		tv.Status, tv.CheckedInAt = cur.Status, cur.CheckedInAt
		entry.Outcome, entry.Reason, entry.FirstCheckedInAt = doubleOf(cur.Status, cur.CheckedInAt)
	default:
		entry.Outcome, entry.Reason, entry.FirstCheckedInAt = doubleOf(tv.Status, tv.CheckedInAt)
	}
	inserted, err := tx.InsertDoorEntry(ctx, entry)
	if err != nil {
		return OfflineEntryResult{}, fmt.Errorf("record door entry: %w", err)
	}
	if !inserted {
		return OfflineEntryResult{}, errEntryRaced
	}
	detail := map[string]any{"venue_id": tv.VenueID, "performance_id": tv.PerformanceID, "offline": true, "device": device,
		"entry_id": id, "entered_at": at}
	action := "ticket.check_in"
	if entry.Outcome == EntryDouble {
		action, detail["reason"] = "ticket.double_entry", entry.Reason
		if !entry.FirstCheckedInAt.IsZero() {
			detail["first_checked_in_at"] = entry.FirstCheckedInAt
		}
	}
	if err := s.audit(ctx, tx, c, action, "ticket", tv.ID, detail); err != nil {
		return OfflineEntryResult{}, err
	}
	return s.entryResult(entry, doorTicket(tv), false), nil
}

// doubleOf is the outcome of an entry of a ticket that was not valid.
func doubleOf(status string, checkedInAt time.Time) (outcome, reason string, first time.Time) {
	if status == TicketCheckedIn {
		return EntryDouble, "already_checked_in", checkedInAt.UTC()
	}
	return EntryDouble, "ticket_cancelled", time.Time{}
}

// recordedEntry answers an entry recorded by an earlier upload.
func (s *Service) recordedEntry(ctx context.Context, tx Tx, e DoorEntry) (OfflineEntryResult, error) {
	t, err := tx.Ticket(ctx, e.TicketID)
	if err != nil {
		return OfflineEntryResult{}, fmt.Errorf("read ticket: %w", err)
	}
	tv, err := s.view(ctx, tx, t, false, map[string]Performance{}, map[string]Venue{})
	if err != nil {
		return OfflineEntryResult{}, err
	}
	return s.entryResult(e, doorTicket(tv), true), nil
}

func (s *Service) entryResult(e DoorEntry, t DoorTicket, replayed bool) OfflineEntryResult {
	r := OfflineEntryResult{ID: e.EntryID, Outcome: e.Outcome, Ticket: &t, CheckedInAt: e.EnteredAt, Replayed: replayed}
	if e.Outcome == EntryDouble {
		r.CheckedInAt = e.FirstCheckedInAt
		r.Refusal = ticketCancelled()
		if e.Reason == "already_checked_in" {
			r.Refusal = alreadyIn(e.FirstCheckedInAt, s.zone)
		}
		r.Reason, r.Detail = apperr.ReasonOf(r.Refusal), apperr.MessageOf(r.Refusal)
	}
	return r
}

// DoubleEntryList is a performance's double entries, as DoubleEntries
// lists them.
type DoubleEntryList struct {
	// Performance is the performance they are of, read with them, and
	// VenueName its venue's name.
	Performance Performance
	VenueName   string
	Entries     []DoubleEntry
	// More says there are others after the entries listed.
	More bool
}

// DoubleEntries lists the double entries recorded for a performance (see
// RecordOfflineEntries), in the order the doors let them in, at most
// MaxDoubleEntriesListed, with the performance, for a page that names it.
// Administrators see every performance's, door staff those of their
// venues' (Forbidden otherwise); NotFound for an unknown performance.
func (s *Service) DoubleEntries(ctx context.Context, c identity.Caller, performanceID string) (DoubleEntryList, error) {
	admin := c.Has(identity.RoleAdmin)
	if !admin {
		if err := requireDoor(c); err != nil {
			return DoubleEntryList{}, err
		}
	}
	out := DoubleEntryList{Entries: []DoubleEntry{}}
	err := s.store.View(ctx, func(tx Tx) error {
		if admin {
			p, err := tx.Performance(ctx, performanceID)
			if err != nil {
				return notFound("performance", err)
			}
			v, err := tx.Venue(ctx, p.VenueID)
			if err != nil {
				return fmt.Errorf("read venue: %w", err)
			}
			out.Performance, out.VenueName = p, v.Name
		} else {
			p, err := doorPerformance(ctx, tx, c, performanceID)
			if err != nil {
				return err
			}
			out.Performance, out.VenueName = p.Performance, p.VenueName
		}
		rows, err := tx.DoubleEntries(ctx, performanceID, MaxDoubleEntriesListed+1)
		if err != nil {
			return err
		}
		if len(rows) > MaxDoubleEntriesListed {
			rows, out.More = rows[:MaxDoubleEntriesListed], true
		}
		// The seats and names come with the rows, in the one statement:
		// every door device's page reads this list when it opens.
		for _, e := range rows {
			d := DoubleEntry{TicketID: e.TicketID, Reason: e.Reason, EnteredAt: e.EnteredAt, FirstCheckedInAt: e.FirstCheckedInAt,
				StaffID: e.StaffID, StaffName: e.StaffName, Device: e.Device, EntryID: e.EntryID, RecordedAt: e.RecordedAt}
			d.Section, d.Row, d.Number = seatParts(e.SeatID)
			d.SectionNameIT, d.SectionNameEN = SectionName(d.Section, "it"), SectionName(d.Section, "en")
			out.Entries = append(out.Entries, d)
		}
		return nil
	})
	if err != nil {
		return DoubleEntryList{}, err
	}
	return out, nil
}
