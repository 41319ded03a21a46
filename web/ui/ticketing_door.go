package ui

import (
	"encoding/json"
	"net/http"

	"cityhub/identity"
	"cityhub/ticketing"
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
}

// doorOffline is the JSON the scanner script reads to check a token
// offline with the rule the hub applies: signed by one of the hub's QR keys,
// not expired, a ticket of the chosen performance, inside its door window
// by the hub's clock. Times are Unix milliseconds. Messages are in the
// page's language; each other performance carries its own refusal text.
type doorOffline struct {
	Performance string             `json:"performance"`
	DoorsOpen   int64              `json:"doors_open"`
	EndsAt      int64              `json:"ends_at"`
	Now         int64              `json:"now"`
	LeewayMs    int64              `json:"leeway_ms"`
	Tickets     []string           `json:"tickets"`
	Others      []doorOfflineOther `json:"others"`
	Keys        []json.RawMessage  `json:"keys"`
	Messages    map[string]string  `json:"messages"`
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
		Performance: p.ID, DoorsOpen: p.DoorsOpen.UnixMilli(), EndsAt: p.EndsAt.UnixMilli(), Now: list.Now.UnixMilli(),
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
		},
	}
	for _, o := range list.Others {
		d.Offline.Others = append(d.Offline.Others, doorOfflineOther{
			Refusal: l.T("tickets.scan.error.ticket_other_performance", o.Title, l.DateTime(o.StartsAt)), Tickets: o.TicketIDs})
	}
	return d, nil
}
