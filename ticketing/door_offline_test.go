package ticketing_test

import (
	"context"
	"fmt"
	"slices"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"cityhub/apperr"
	"cityhub/audit"
	"cityhub/identity"
	"cityhub/qrtoken"
	"cityhub/store"
	"cityhub/store/storetest"
	"cityhub/ticketing"
)

// tokenAt is a QR token for a ticket as the wallet showed it at t, signed
// as the wallet signs it (however the ticket is now: the door read it
// then).
func (e *doorEvenings) tokenAt(ticketID string, t time.Time) string {
	e.t.Helper()
	tok, err := qrtoken.IssueRotating(e.keys, qrtoken.KindTicket, ticketID, t)
	if err != nil {
		e.t.Fatal(err)
	}
	return tok.Token
}

// upload sends entries let in offline at tonight's door from device.
func (e *doorEvenings) upload(c identity.Caller, device string, entries ...ticketing.OfflineEntry) []ticketing.OfflineEntryResult {
	e.t.Helper()
	rs, err := e.svc.RecordOfflineEntries(e.ctx, c, ticketing.OfflineUpload{PerformanceID: e.tonight.ID, Device: device, Entries: entries})
	if err != nil {
		e.t.Fatalf("upload from %s: %v", device, err)
	}
	if len(rs) != len(entries) {
		e.t.Fatalf("%d answers to %d entries: %+v", len(rs), len(entries), rs)
	}
	for i, r := range rs {
		if r.ID != entries[i].ID {
			e.t.Fatalf("answer %d is for entry %q, want %q", i, r.ID, entries[i].ID)
		}
	}
	return rs
}

func (e *doorEvenings) ticket(id string) ticketing.Ticket {
	e.t.Helper()
	var t ticketing.Ticket
	err := e.db.Ticketing().View(e.ctx, func(tx ticketing.Tx) error {
		var err error
		t, err = tx.Ticket(e.ctx, id)
		return err
	})
	if err != nil {
		e.t.Fatal(err)
	}
	return t
}

func (e *doorEvenings) audits(action, ticketID string) []audit.Entry {
	e.t.Helper()
	var es []audit.Entry
	err := e.db.Ticketing().View(e.ctx, func(tx ticketing.Tx) error {
		var err error
		es, err = tx.ListAudit(e.ctx, audit.Filter{Action: action, ObjectType: "ticket", ObjectID: ticketID})
		return err
	})
	if err != nil {
		e.t.Fatal(err)
	}
	return es
}

// The gap: a ticket let in while the door was offline stayed unused at
// the hub and could enter again. Now the door's upload checks it in at the
// time it was let in (tokens long expired by the upload), with the online
// check-in's audit entry; the upload sent again records nothing twice; the
// ticket no longer enters online; another offline door's entry of it is a
// double entry, answered and listed for an operator with who, when and
// which device.
func TestOfflineEntriesAreRecordedOnce(t *testing.T) {
	t.Parallel()
	storetest.Each(t, func(t *testing.T, db store.DB) {
		e := newDoorEvenings(t, db)
		staff := door(e.venue.ID)
		a, b := e.tonightTickets[0], e.tonightTickets[1]
		in1, in2 := rome(time.November, 30, 19, 0), rome(time.November, 30, 19, 5)
		entries := []ticketing.OfflineEntry{
			{ID: "e-0001", Code: e.tokenAt(a.ID, in1.Add(-20*time.Second)), At: in1},
			{ID: "e-0002", Code: e.tokenAt(b.ID, in2.Add(-50*time.Second)), At: in2},
		}
		// The network comes back half an hour later.
		e.clock.Set(rome(time.November, 30, 19, 35))
		rs := e.upload(staff, "door-left", entries...)
		for i, r := range rs {
			if r.Outcome != ticketing.EntryCheckedIn || r.Replayed || r.Ticket == nil || r.Ticket.Status != ticketing.TicketCheckedIn ||
				!r.CheckedInAt.Equal(entries[i].At) || r.Ticket.Row != "A" {
				t.Fatalf("entry %d: %+v", i, r)
			}
		}
		for i, tv := range []ticketing.TicketView{a, b} {
			got := e.ticket(tv.ID)
			if got.Status != ticketing.TicketCheckedIn || !got.CheckedInAt.Equal(entries[i].At) || got.CheckedInBy != staff.AccountID {
				t.Fatalf("ticket %s after the upload: %+v", tv.ID, got)
			}
			es := e.audits("ticket.check_in", tv.ID)
			if len(es) != 1 || es[0].ActorID != staff.AccountID || es[0].Detail["offline"] != true || es[0].Detail["device"] != "door-left" ||
				es[0].Detail["performance_id"] != e.tonight.ID {
				t.Fatalf("audit of %s: %+v", tv.ID, es)
			}
		}
		// The answer was lost: the same upload again is answered the same,
		// and changes nothing.
		e.clock.Set(rome(time.November, 30, 19, 40))
		again := e.upload(staff, "door-left", entries...)
		for i, r := range again {
			if r.Outcome != ticketing.EntryCheckedIn || !r.Replayed || !r.CheckedInAt.Equal(entries[i].At) {
				t.Fatalf("entry %d sent again: %+v", i, r)
			}
		}
		if es := e.audits("ticket.check_in", a.ID); len(es) != 1 {
			t.Fatalf("%d check-ins audited after the upload was sent again", len(es))
		}
		st, err := e.svc.Stats(e.ctx, admin, e.tonight.ID)
		if err != nil || st.CheckedIn != 2 {
			t.Fatalf("stats: %+v %v", st, err)
		}
		// The ticket let in offline no longer enters, online...
		if _, err := e.svc.CheckIn(e.ctx, staff, e.tonight.ID, a.TypedCode); apperr.ReasonOf(err) != "already_checked_in" {
			t.Fatalf("online check-in of a ticket let in offline: %v", err)
		}
		// ...and another door that let it in offline too records a double
		// entry, answered as such, with the time of the first.
		in3 := rome(time.November, 30, 19, 20)
		other := identity.Caller{AccountID: "acc_door_right", Grants: staff.Grants}
		dup := e.upload(other, "door-right", ticketing.OfflineEntry{ID: "e-0001", Code: e.tokenAt(a.ID, in3.Add(-10*time.Second)), At: in3})[0]
		if dup.Outcome != ticketing.EntryDouble || dup.Reason != "already_checked_in" || !dup.CheckedInAt.Equal(in1) ||
			dup.Ticket == nil || dup.Ticket.ID != a.ID || dup.Detail != "Already checked in at 19:00." {
			t.Fatalf("the second door's entry: %+v", dup)
		}
		if at, ok := ticketing.CheckedInAt(dup.Refusal); !ok || !at.Equal(in1) {
			t.Fatalf("the double entry's refusal: %v", dup.Refusal)
		}
		if got := e.ticket(a.ID); !got.CheckedInAt.Equal(in1) || got.CheckedInBy != staff.AccountID {
			t.Fatalf("the double entry changed the ticket: %+v", got)
		}
		if es := e.audits("ticket.double_entry", a.ID); len(es) != 1 || es[0].ActorID != other.AccountID || es[0].Detail["reason"] != "already_checked_in" {
			t.Fatalf("double entry audit: %+v", es)
		}
		// Sent again, it is the same double entry, not a second one.
		if r := e.upload(other, "door-right", ticketing.OfflineEntry{ID: "e-0001", Code: e.tokenAt(a.ID, in3.Add(-10*time.Second)), At: in3})[0]; r.Outcome != ticketing.EntryDouble || !r.Replayed {
			t.Fatalf("the double entry sent again: %+v", r)
		}
		// A device's entry id names one entry: another ticket under it is refused.
		reused := e.upload(staff, "door-left", ticketing.OfflineEntry{ID: "e-0001", Code: e.tokenAt(b.ID, in3), At: in3.Add(time.Second)})[0]
		if reused.Outcome != ticketing.EntryRejected || reused.Reason != "entry_id_reused" {
			t.Fatalf("an entry id used again for another ticket: %+v", reused)
		}
		// An operator sees the double entry: the door's staff and the
		// city's administrators.
		for _, who := range []identity.Caller{staff, admin} {
			list, err := e.svc.DoubleEntries(e.ctx, who, e.tonight.ID)
			if err != nil || list.More || len(list.Entries) != 1 || list.Performance.ID != e.tonight.ID || list.Performance.Title != e.tonight.Title ||
				list.VenueName != e.venue.Name {
				t.Fatalf("double entries for %s: %+v %v", who.AccountID, list, err)
			}
			d := list.Entries[0]
			if d.TicketID != a.ID || d.Reason != "already_checked_in" || !d.EnteredAt.Equal(in3) || !d.FirstCheckedInAt.Equal(in1) ||
				d.StaffID != other.AccountID || d.Device != "door-right" || d.EntryID != "e-0001" || d.Section != "Platea" || d.Row != "A" || d.Number != a.Number {
				t.Fatalf("the double entry listed: %+v", d)
			}
		}
		if _, err := e.svc.DoubleEntries(e.ctx, door("ven_other"), e.tonight.ID); apperr.ReasonOf(err) != "not_your_performance" {
			t.Fatalf("double entries for another venue's door: %v", err)
		}
		if _, err := e.svc.DoubleEntries(e.ctx, e.buyer, e.tonight.ID); !apperr.Has(err, apperr.Forbidden) {
			t.Fatalf("double entries for a citizen: %v", err)
		}
		if _, err := e.svc.DoubleEntries(e.ctx, admin, "prf_nope"); !apperr.Has(err, apperr.NotFound) {
			t.Fatalf("double entries of no performance: %v", err)
		}
	})
}

// A ticket refunded while the door was offline, and let in meanwhile, is
// a double entry of reason ticket_cancelled: recorded for an operator,
// the ticket left cancelled.
func TestOfflineEntryOfACancelledTicket(t *testing.T) {
	t.Parallel()
	storetest.Each(t, func(t *testing.T, db store.DB) {
		e := newDoorEvenings(t, db)
		staff := door(e.venue.ID)
		in := rome(time.November, 30, 19, 0)
		code := e.tokenAt(e.tonightTickets[0].ID, in)
		if _, err := e.svc.RefundOrder(e.ctx, admin, e.tonightTickets[0].OrderID); err != nil {
			t.Fatal(err)
		}
		e.clock.Set(in.Add(10 * time.Minute))
		r := e.upload(staff, "door-1", ticketing.OfflineEntry{ID: "x1", Code: code, At: in})[0]
		if r.Outcome != ticketing.EntryDouble || r.Reason != "ticket_cancelled" || !r.CheckedInAt.IsZero() || r.Ticket.Status != ticketing.TicketCancelled {
			t.Fatalf("a cancelled ticket's entry: %+v", r)
		}
		if got := e.ticket(e.tonightTickets[0].ID); got.Status != ticketing.TicketCancelled {
			t.Fatalf("ticket after the entry: %+v", got)
		}
		list, err := e.svc.DoubleEntries(e.ctx, admin, e.tonight.ID)
		des := list.Entries
		if err != nil || len(des) != 1 || des[0].Reason != "ticket_cancelled" || !des[0].FirstCheckedInAt.IsZero() {
			t.Fatalf("double entries: %+v %v", des, err)
		}
	})
}

// The hub checks an uploaded entry again, except the token's expiry by its
// own clock: what does not hold up is answered rejected, with its reason,
// and records nothing; an upload no device sends is refused whole.
func TestOfflineEntryRejections(t *testing.T) {
	t.Parallel()
	storetest.Each(t, func(t *testing.T, db store.DB) {
		e := newDoorEvenings(t, db)
		staff := door(e.venue.ID)
		tv := e.tonightTickets[0]
		in := rome(time.November, 30, 19, 0)
		good := e.tokenAt(tv.ID, in)
		forged := []byte(good)
		forged[len(forged)-3] ^= 'A' ^ 'B'
		strangers := qrtoken.NewMemKeys()
		strangers.Generate("qr-test", qrtoken.Purpose)
		foreign, _ := qrtoken.Sign(strangers, qrtoken.KindTicket, tv.ID, in.Add(time.Minute))
		voucher, _ := qrtoken.Sign(e.keys, qrtoken.KindVoucher, tv.ID, in.Add(time.Minute))
		early := rome(time.November, 30, 17, 0)
		// A ticket of another venue, whose door the staff do not keep.
		elsewhere := e.fixture.venue("Teatro Romano", 2)
		next, err := e.svc.CreatePerformance(e.ctx, admin, ticketing.Performance{VenueID: elsewhere.ID, Title: "Medea",
			StartsAt: rome(time.December, 10, 21, 0), Prices: map[string]int64{"stalls": 2000}})
		if err != nil {
			t.Fatal(err)
		}
		_, ts := e.buy(e.buyer, next.ID, "Platea/A/1")
		var theirs ticketing.TicketView
		for _, x := range ts {
			if x.PerformanceID == next.ID {
				theirs = x
			}
		}
		e.clock.Set(in.Add(30 * time.Minute))
		cases := []struct {
			name, reason string
			entry        ticketing.OfflineEntry
		}{
			{"a forged token", "qr_invalid", ticketing.OfflineEntry{Code: string(forged), At: in}},
			{"a token of keys the hub does not know", "qr_invalid", ticketing.OfflineEntry{Code: foreign, At: in}},
			{"a voucher's token", "qr_invalid", ticketing.OfflineEntry{Code: voucher, At: in}},
			{"a typed code", "qr_invalid", ticketing.OfflineEntry{Code: tv.TypedCode, At: in}},
			{"a token expired when the door read it", "qr_expired", ticketing.OfflineEntry{Code: good, At: in.Add(qrtoken.RotatingTTL + ticketing.TokenLeeway + ticketing.OfflineClockSkew + time.Second)}},
			{"an entry before its token was shown", "entry_time_invalid", ticketing.OfflineEntry{Code: good, At: in.Add(-ticketing.OfflineClockSkew - time.Second)}},
			{"an entry later than the hub's clock", "entry_time_invalid", ticketing.OfflineEntry{Code: e.tokenAt(tv.ID, in.Add(40*time.Minute)), At: in.Add(40 * time.Minute)}},
			{"an entry before the doors opened", "doors_not_open", ticketing.OfflineEntry{Code: e.tokenAt(tv.ID, early), At: early}},
			{"a ticket for another performance", "ticket_other_performance", ticketing.OfflineEntry{Code: e.tokenAt(e.dec7Ticket.ID, in), At: in}},
			{"a ticket of another venue", "not_your_venue", ticketing.OfflineEntry{Code: e.tokenAt(theirs.ID, in), At: in}},
		}
		for i, c := range cases {
			c.entry.ID = fmt.Sprintf("r%d", i)
			r := e.upload(staff, "door-1", c.entry)[0]
			if r.Outcome != ticketing.EntryRejected || r.Reason != c.reason || r.Detail == "" || r.Ticket != nil || apperr.ReasonOf(r.Refusal) != c.reason {
				t.Errorf("%s: %+v, want rejected %s", c.name, r, c.reason)
			}
		}
		// Two minutes of a device's drift either side are allowed: at the
		// edge of them the entry holds up.
		edge := e.upload(staff, "door-1", ticketing.OfflineEntry{ID: "edge", Code: good, At: in.Add(qrtoken.RotatingTTL + ticketing.TokenLeeway + ticketing.OfflineClockSkew)})[0]
		if edge.Outcome != ticketing.EntryCheckedIn {
			t.Fatalf("an entry within the drift allowed: %+v", edge)
		}
		for _, other := range []ticketing.TicketView{e.tonightTickets[1], e.dec7Ticket} {
			if got := e.ticket(other.ID); got.Status != ticketing.TicketValid {
				t.Fatalf("ticket %s after the rejected entries: %+v", other.ID, got)
			}
		}
		if list, _ := e.svc.DoubleEntries(e.ctx, admin, e.tonight.ID); len(list.Entries) != 0 {
			t.Fatalf("rejected entries listed as double entries: %+v", list)
		}

		entry := ticketing.OfflineEntry{ID: "w1", Code: e.tokenAt(e.tonightTickets[1].ID, in), At: in}
		whole := []struct {
			name   string
			c      identity.Caller
			u      ticketing.OfflineUpload
			code   apperr.Code
			reason string
		}{
			{"a citizen", e.buyer, ticketing.OfflineUpload{PerformanceID: e.tonight.ID, Device: "d", Entries: []ticketing.OfflineEntry{entry}}, apperr.Forbidden, "not_door_staff"},
			{"another venue's door", door("ven_other"), ticketing.OfflineUpload{PerformanceID: e.tonight.ID, Device: "d", Entries: []ticketing.OfflineEntry{entry}}, apperr.Forbidden, "not_your_performance"},
			{"no performance", staff, ticketing.OfflineUpload{Device: "d", Entries: []ticketing.OfflineEntry{entry}}, apperr.Invalid, "performance_missing"},
			{"an unknown performance", staff, ticketing.OfflineUpload{PerformanceID: "prf_nope", Device: "d", Entries: []ticketing.OfflineEntry{entry}}, apperr.NotFound, "performance_not_found"},
			{"no device", staff, ticketing.OfflineUpload{PerformanceID: e.tonight.ID, Entries: []ticketing.OfflineEntry{entry}}, apperr.Invalid, "invalid_device"},
			{"a device id with a space", staff, ticketing.OfflineUpload{PerformanceID: e.tonight.ID, Device: "door 1", Entries: []ticketing.OfflineEntry{entry}}, apperr.Invalid, "invalid_device"},
			{"no entries", staff, ticketing.OfflineUpload{PerformanceID: e.tonight.ID, Device: "d"}, apperr.Invalid, "entries_missing"},
			{"too many entries", staff, ticketing.OfflineUpload{PerformanceID: e.tonight.ID, Device: "d", Entries: slices.Repeat([]ticketing.OfflineEntry{entry}, ticketing.MaxOfflineEntries+1)}, apperr.Invalid, "too_many_entries"},
			{"an entry without id", staff, ticketing.OfflineUpload{PerformanceID: e.tonight.ID, Device: "d", Entries: []ticketing.OfflineEntry{{Code: entry.Code, At: in}}}, apperr.Invalid, "invalid_entry"},
			{"an entry without code", staff, ticketing.OfflineUpload{PerformanceID: e.tonight.ID, Device: "d", Entries: []ticketing.OfflineEntry{{ID: "x", At: in}}}, apperr.Invalid, "invalid_entry"},
			{"an entry without time", staff, ticketing.OfflineUpload{PerformanceID: e.tonight.ID, Device: "d", Entries: []ticketing.OfflineEntry{{ID: "x", Code: entry.Code}}}, apperr.Invalid, "invalid_entry"},
		}
		for _, w := range whole {
			rs, err := e.svc.RecordOfflineEntries(e.ctx, w.c, w.u)
			if !apperr.Has(err, w.code) || apperr.ReasonOf(err) != w.reason || rs != nil {
				t.Errorf("%s: %v %+v, want %s %s", w.name, err, rs, w.code, w.reason)
			}
		}
		if got := e.ticket(e.tonightTickets[1].ID); got.Status != ticketing.TicketValid {
			t.Fatalf("a refused upload checked a ticket in: %+v", got)
		}
		if r := e.upload(staff, "d2", entry)[0]; r.Outcome != ticketing.EntryCheckedIn {
			t.Fatalf("the same entry from the venue's door: %+v", r)
		}
	})
}

// Two doors upload the same ticket let in offline at once: exactly one
// checks it in, the other is a double entry; and one door's upload sent
// twice at once (a retry while the first is still running) records one
// entry, both answered as checked in. On PostgreSQL the uploads are held
// until each has read the entry unknown and the ticket valid, so that
// they really meet at the write (SQLite's one writer orders them whole,
// which the plain race checks).
func TestOfflineUploadsRace(t *testing.T) {
	t.Parallel()
	run := func(t *testing.T, db store.DB, meet bool) {
		e := newDoorEvenings(t, db)
		staff := door(e.venue.ID)
		in := rome(time.November, 30, 19, 0)
		a, b := e.tonightTickets[0], e.tonightTickets[1]
		codeA, codeB := e.tokenAt(a.ID, in), e.tokenAt(b.ID, in)
		e.clock.Set(in.Add(20 * time.Minute))
		const doors = 4
		for _, c := range []struct {
			name   string
			ticket ticketing.TicketView
			entry  func(i int) (device string, en ticketing.OfflineEntry)
		}{
			{"four doors, one ticket", a, func(i int) (string, ticketing.OfflineEntry) {
				return fmt.Sprintf("door-%d", i), ticketing.OfflineEntry{ID: "e1", Code: codeA, At: in.Add(time.Duration(i) * time.Second)}
			}},
			{"one entry sent four times", b, func(int) (string, ticketing.OfflineEntry) {
				return "door-x", ticketing.OfflineEntry{ID: "e9", Code: codeB, At: in}
			}},
		} {
			svc := e.svc
			var gate *meetingStore
			if meet {
				gate = &meetingStore{Store: db.Ticketing(), n: doors, all: make(chan struct{})}
				svc = ticketing.NewService(gate, e.keys, storetest.Logger(t))
				svc.SetClock(e.clock.Now)
			}
			var checkedIn, doubles, replays atomic.Int64
			var mu sync.Mutex
			var errs []error
			race(doors, doors, func(i int) {
				device, en := c.entry(i)
				rs, err := svc.RecordOfflineEntries(e.ctx, staff, ticketing.OfflineUpload{PerformanceID: e.tonight.ID, Device: device, Entries: []ticketing.OfflineEntry{en}})
				if err != nil {
					mu.Lock()
					errs = append(errs, err)
					mu.Unlock()
					return
				}
				switch rs[0].Outcome {
				case ticketing.EntryCheckedIn:
					checkedIn.Add(1)
					if rs[0].Replayed {
						replays.Add(1)
					}
				case ticketing.EntryDouble:
					doubles.Add(1)
				}
			})
			if len(errs) > 0 {
				t.Fatalf("%s: %v", c.name, errs)
			}
			if meet && gate.met.Load() < doors {
				t.Fatalf("%s: only %d uploads met before writing", c.name, gate.met.Load())
			}
			if es := e.audits("ticket.check_in", c.ticket.ID); len(es) != 1 {
				t.Fatalf("%s: %d check-ins audited", c.name, len(es))
			}
			list, err := e.svc.DoubleEntries(e.ctx, admin, e.tonight.ID)
			if err != nil {
				t.Fatal(err)
			}
			n := 0
			for _, d := range list.Entries {
				if d.TicketID == c.ticket.ID {
					n++
				}
			}
			switch c.ticket.ID {
			case a.ID:
				if checkedIn.Load() != 1 || doubles.Load() != doors-1 || n != doors-1 {
					t.Fatalf("%s: %d checked in, %d double entries answered, %d listed; want 1, %d, %d", c.name, checkedIn.Load(), doubles.Load(), n, doors-1, doors-1)
				}
			case b.ID:
				if checkedIn.Load() != doors || replays.Load() != doors-1 || n != 0 {
					t.Fatalf("%s: %d answered checked in (%d replayed), %d double entries listed; want %d (%d), 0", c.name, checkedIn.Load(), replays.Load(), n, doors, doors-1)
				}
			}
		}
	}
	t.Run("postgres", func(t *testing.T) { run(t, storetest.OpenPostgres(t), true) })
	t.Run("sqlite", func(t *testing.T) { run(t, storetest.OpenSQLite(t), false) })
}

// meetingStore holds every upload's transaction that finds its entry
// unknown until n of them have, so that they all decide on the same
// state and meet at the write.
type meetingStore struct {
	ticketing.Store
	n   int
	met atomic.Int64
	all chan struct{}
}

func (s *meetingStore) InTx(ctx context.Context, fn func(ticketing.Tx) error) error {
	return s.Store.InTx(ctx, func(tx ticketing.Tx) error { return fn(meetingTx{tx, s}) })
}

type meetingTx struct {
	ticketing.Tx
	s *meetingStore
}

func (m meetingTx) Ticket(ctx context.Context, id string) (ticketing.Ticket, error) {
	t, err := m.Tx.Ticket(ctx, id)
	if err == nil && t.Status == ticketing.TicketValid {
		if m.s.met.Add(1) == int64(m.s.n) {
			close(m.s.all)
		}
		select {
		case <-m.s.all:
		case <-time.After(10 * time.Second):
		case <-ctx.Done():
		}
	}
	return t, err
}
