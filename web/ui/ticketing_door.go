package ui

import (
	"encoding/json"
	"net/http"
	"time"

	"cityhub/identity"
	"cityhub/ticketing"
	"cityhub/web/httpx"
)

// doorScan is the door's part of the scanner page: the performances the
// door staff may check, the one they chose (shown at the top), and what the
// page's script needs to check QR tokens while the network is down.
type doorScan struct {
	Performances []ticketing.DoorPerformance
	// Selected is the performance the chooser shows selected: the chosen
	// one, else the first whose doors are open, else the first.
	Selected string
	Chosen   *ticketing.DoorPerformance
	// Window is the chosen performance's door window, "18:00–23:00".
	Window  string
	Offline doorOffline
	// Doubles are the chosen performance's double entries: entries doors
	// let in offline whose ticket had been used or cancelled when they
	// reached the hub. MoreDoubles says there are more than listed.
	Doubles     []doorDouble
	MoreDoubles bool
}

// doorDouble is a double entry as the door page lists it.
type doorDouble struct {
	At     time.Time
	Seat   string
	Why    string
	By     string
	Device string
}

// doorOffline is the JSON the scanner script reads to check a token
// offline with the rule the hub applies: signed by one of the hub's QR keys,
// not expired, a ticket of the chosen performance, inside its door window
// by the hub's clock. Times are Unix milliseconds. Messages are in the
// page's language; each other performance carries its own refusal text.
type doorOffline struct {
	Performance string `json:"performance"`
	// Upload is where the page sends the entries it let in offline
	// (OfflineEntriesEndpoint); Zone is the city's time zone, for the
	// times the page shows.
	Upload    string             `json:"upload"`
	Zone      string             `json:"zone"`
	DoorsOpen int64              `json:"doors_open"`
	EndsAt    int64              `json:"ends_at"`
	Now       int64              `json:"now"`
	LeewayMs  int64              `json:"leeway_ms"`
	Tickets   []string           `json:"tickets"`
	Others    []doorOfflineOther `json:"others"`
	Keys      []json.RawMessage  `json:"keys"`
	Messages  map[string]string  `json:"messages"`
}

type doorOfflineOther struct {
	Refusal string   `json:"refusal"`
	Tickets []string `json:"tickets"`
}

// qrKeys are the hub's public keys that sign QR codes, as JWKs.
func (s *theatrePages) qrKeys() []json.RawMessage {
	out := []json.RawMessage{}
	if s.keys == nil {
		return out
	}
	var set struct {
		Keys []json.RawMessage `json:"keys"`
	}
	if err := json.Unmarshal(s.keys.JWKS(), &set); err != nil {
		s.log.Error("read the hub's JWKS", "error", err)
		return out
	}
	for _, k := range set.Keys {
		var head struct {
			Purpose string `json:"purpose"`
		}
		if json.Unmarshal(k, &head) == nil && head.Purpose == "qr" {
			out = append(out, k)
		}
	}
	return out
}

// doorScan prepares the door's part of the scanner page for the
// performance id (chosen in the query, ?performance=, or sent with a typed
// code); empty, none is chosen yet.
func (s *theatrePages) doorScan(r *http.Request, c identity.Caller, id string) (*doorScan, error) {
	ctx, l := r.Context(), s.locale(r)
	ps, err := s.ticketing.DoorPerformances(ctx, c)
	if err != nil {
		return nil, err
	}
	d := &doorScan{Performances: ps}
	if id == "" {
		for _, p := range ps {
			if d.Selected == "" || p.DoorsOpenNow {
				d.Selected = p.ID
			}
			if p.DoorsOpenNow {
				break
			}
		}
		return d, nil
	}
	list, err := s.ticketing.DoorList(ctx, c, id)
	if err != nil {
		return nil, err
	}
	p := list.Performance
	d.Chosen, d.Selected = &p, p.ID
	d.Window = l.Clock(p.DoorsOpen) + "–" + l.Clock(p.EndsAt)
	d.Offline = doorOffline{
		Performance: p.ID, Upload: OfflineEntriesEndpoint, Zone: s.ticketing.Zone().String(),
		DoorsOpen: p.DoorsOpen.UnixMilli(), EndsAt: p.EndsAt.UnixMilli(), Now: list.Now.UnixMilli(),
		LeewayMs: ticketing.TokenLeeway.Milliseconds(), Tickets: list.TicketIDs, Others: []doorOfflineOther{}, Keys: s.qrKeys(),
		Messages: map[string]string{
			"ok_title":          l.T("tickets.scan.offline.ok_title"),
			"ok_message":        l.T("tickets.scan.offline.ok_message", p.Title),
			"refused":           l.T("tickets.scan.offline.refused"),
			"invalid":           l.T("tickets.scan.offline.invalid"),
			"expired":           l.T("tickets.scan.offline.expired"),
			"unknown":           l.T("tickets.scan.offline.unknown"),
			"doors_not_open":    l.T("tickets.scan.error.doors_not_open", l.DateTime(p.DoorsOpen)),
			"performance_ended": l.T("tickets.scan.error.performance_ended", l.DateTime(p.EndsAt)),
			"already_in":        l.T("tickets.scan.offline.already_in"),
			"queue_one":         l.T("tickets.scan.queue.waiting.one"),
			"queue_other":       l.T("tickets.scan.queue.waiting"),
			"queue_done":        l.T("tickets.scan.queue.done"),
			"queue_failed":      l.T("tickets.scan.queue.failed"),
		},
	}
	for _, o := range list.Others {
		d.Offline.Others = append(d.Offline.Others, doorOfflineOther{
			Refusal: l.T("tickets.scan.error.ticket_other_performance", o.Title, l.DateTime(o.StartsAt)), Tickets: o.TicketIDs})
	}
	// The page's script reads the page again every minute for its door
	// list alone, and says so: the double entries, which it leaves as the
	// page opened with them, are not read for it.
	if r.Header.Get(DoorRefreshHeader) != "" {
		return d, nil
	}
	des, err := s.ticketing.DoubleEntries(ctx, c, p.ID)
	if err != nil {
		return nil, err
	}
	d.MoreDoubles, d.Doubles = des.More, doubleRows(l, des.Entries)
	return d, nil
}

// DoorRefreshHeader marks the scanner script's request of its page for the
// door list alone (scanner.js, refreshDoorList).
const DoorRefreshHeader = "X-Door-List-Refresh"

// doubleRows are double entries as the door page and the administrators'
// page list them.
func doubleRows(l *locale, des []ticketing.DoubleEntry) []doorDouble {
	out := make([]doorDouble, 0, len(des))
	for _, e := range des {
		dd := doorDouble{At: e.EnteredAt, Seat: l.T("tickets.scan.doubles.seat_value", ticketing.SectionName(e.Section, l.Lang), e.Row, e.Number),
			Why: l.T("tickets.scan.doubles.ticket_cancelled"), By: e.StaffName, Device: e.Device}
		if e.Reason == "already_checked_in" {
			// To the second, as the entry's own time: two entries of one
			// minute, and which came first must show.
			dd.Why = l.T("tickets.scan.doubles.already_checked_in", l.ClockSeconds(e.FirstCheckedInAt))
		}
		if dd.By == "" {
			dd.By = e.StaffID
		}
		// Device ids are long random names: their start tells one door's
		// device from another's.
		if len(dd.Device) > 8 {
			dd.Device = dd.Device[:8]
		}
		out = append(out, dd)
	}
	return out
}

// writeDoorProblem answers a door endpoint of the scanner page with err
// as problem+json, as the API would, but its detail in the page's language
// (doorRefusal), which the page shows the door staff; the hub's own
// failure is the API's generic answer.
func (s *theatrePages) writeDoorProblem(w http.ResponseWriter, r *http.Request, l *locale, err error) {
	if httpx.StatusFor(err) == http.StatusInternalServerError {
		httpx.WriteError(s.log, w, r, err)
		return
	}
	p := httpx.ProblemOf(err, r.URL.Path)
	p.Detail = doorRefusal(l, err)
	httpx.SetRetryAfter(w, err)
	httpx.WriteProblem(w, p)
}

// OfflineEntriesEndpoint is where the door scanner page uploads the entries
// it let in while it could not reach the hub.
const OfflineEntriesEndpoint = "/staff/tickets/offline-entries"

// offlineEntryAnswer is the page's answer for one uploaded entry: its
// outcome, and for a double entry or a rejected one what the door staff
// are shown, in the page's language.
type offlineEntryAnswer struct {
	ID      string `json:"id"`
	Outcome string `json:"outcome"`
	Message string `json:"message,omitempty"`
}

// handleOfflineEntries records the entries the scanner page let in offline
// (registered with pageAction: session cookie, CSRF header, door_staff
// role). The body is the API's (ticketing.OfflineUpload); the answer lists
// each entry's outcome with a message for those the door staff must see.
// An upload refused whole is problem+json in the page's language, and the
// page keeps its entries.
func (s *theatrePages) handleOfflineEntries(w http.ResponseWriter, r *http.Request, c identity.Caller) {
	l := s.locale(r)
	var in ticketing.OfflineUpload
	err := httpx.DecodeJSON(w, r, &in)
	var rs []ticketing.OfflineEntryResult
	if err == nil {
		rs, err = s.ticketing.RecordOfflineEntries(r.Context(), c, in)
	}
	if err != nil {
		s.writeDoorProblem(w, r, l, err)
		return
	}
	out := make([]offlineEntryAnswer, 0, len(rs))
	for _, res := range rs {
		a := offlineEntryAnswer{ID: res.ID, Outcome: res.Outcome}
		switch {
		case res.Outcome == ticketing.EntryDouble && res.Ticket != nil:
			t := res.Ticket
			if res.Reason == "already_checked_in" {
				a.Message = l.T("tickets.scan.queue.double", t.Title, ticketing.SectionName(t.Section, l.Lang), t.Row, t.Number, l.Clock(res.CheckedInAt))
			} else {
				a.Message = l.T("tickets.scan.queue.cancelled", t.Title, ticketing.SectionName(t.Section, l.Lang), t.Row, t.Number)
			}
		case res.Outcome == ticketing.EntryRejected:
			why := doorRefusal(l, res.Refusal)
			if key := "tickets.scan.queue.reason." + res.Reason; l.Has(key) {
				why = l.T(key)
			}
			a.Message = l.T("tickets.scan.queue.rejected", why)
		}
		out = append(out, a)
	}
	httpx.WriteJSON(w, http.StatusOK, map[string]any{"results": out})
}
