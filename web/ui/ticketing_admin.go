package ui

import (
	"fmt"
	"net/http"
	"strconv"
	"strings"

	"cityhub/apperr"
	"cityhub/identity"
	"cityhub/money"
	"cityhub/ticketing"
	"cityhub/web/api"
)

// The city administrator's theatre page: venues and their seat maps,
// performances with their sales, cancellations and refunds.

type theatreAdminPage struct {
	Venues       []adminVenue
	Performances []adminPerformance
}

type adminVenue struct {
	ticketing.Venue
	Seats int
}

type adminPerformance struct {
	ticketing.Performance
	Venue string
	Stats ticketing.SalesStats
}

func (s *theatrePages) handleTheatreAdminPage(w http.ResponseWriter, r *http.Request, c identity.Caller) {
	ctx := r.Context()
	vs, err := s.ticketing.Venues(ctx)
	if err != nil {
		s.pageError(w, r, err)
		return
	}
	page := theatreAdminPage{}
	names := map[string]string{}
	for _, v := range vs {
		seats, err := s.ticketing.Seats(ctx, v.ID)
		if err != nil {
			s.pageError(w, r, err)
			return
		}
		names[v.ID] = v.Name
		page.Venues = append(page.Venues, adminVenue{Venue: v, Seats: len(seats)})
	}
	ps, err := s.ticketing.AllPerformances(ctx, c)
	if err != nil {
		s.pageError(w, r, err)
		return
	}
	for _, p := range ps {
		st, err := s.ticketing.Stats(ctx, c, p.ID)
		if err != nil {
			s.pageError(w, r, err)
			return
		}
		page.Performances = append(page.Performances, adminPerformance{Performance: p, Venue: names[p.VenueID], Stats: st})
	}
	s.render(w, r, http.StatusOK, "ticketing_admin", "admin", page)
}

func (s *theatrePages) handleTheatreAdminCreateVenue(w http.ResponseWriter, r *http.Request, c identity.Caller) {
	if _, err := s.ticketing.CreateVenue(r.Context(), c, ticketing.Venue{Name: r.PostFormValue("name"), Address: r.PostFormValue("address")}); err != nil {
		s.pageError(w, r, err)
		return
	}
	http.Redirect(w, r, "/admin/theatre", http.StatusSeeOther)
}

// parseSeatLines reads a seat map written one row per line:
// "<section> <row> <from>-<to> <category>", e.g. "Platea A 1-20 stalls".
func parseSeatLines(text string) (ticketing.SeatMap, error) {
	var m ticketing.SeatMap
	for i, line := range strings.Split(strings.ReplaceAll(text, "\r", ""), "\n") {
		f := strings.Fields(line)
		if len(f) == 0 {
			continue
		}
		bad := apperr.R(apperr.Invalid, "seat_line", "Line %d must read: section row from-to category (e.g. Platea A 1-20 stalls).", i+1)
		if len(f) != 4 {
			return m, bad
		}
		a, b, ok := strings.Cut(f[2], "-")
		from, err1 := strconv.Atoi(a)
		to, err2 := strconv.Atoi(b)
		if !ok || err1 != nil || err2 != nil {
			return m, bad
		}
		if n := len(m.Sections); n == 0 || m.Sections[n-1].Name != f[0] {
			m.Sections = append(m.Sections, ticketing.Section{Name: f[0]})
		}
		sec := &m.Sections[len(m.Sections)-1]
		sec.Rows = append(sec.Rows, ticketing.SeatRow{Name: f[1], From: from, To: to, Category: f[3]})
	}
	return m, nil
}

func (s *theatrePages) handleTheatreAdminSeatMap(w http.ResponseWriter, r *http.Request, c identity.Caller) {
	m, err := parseSeatLines(r.PostFormValue("rows"))
	if err == nil {
		_, err = s.ticketing.SetSeatMap(r.Context(), c, r.PathValue("id"), m)
	}
	if err != nil {
		s.pageError(w, r, err)
		return
	}
	http.Redirect(w, r, "/admin/theatre", http.StatusSeeOther)
}

// maxTicketPrice bounds a seat's price on the form (1.000,00 €), well
// below what the domain would take, to catch a slip of the finger.
const maxTicketPrice = money.Cents(100_000_00)

// parseTicketPrices reads "category price" lines with prices in euros
// ("stalls 25", "balcony 15,50", "box 1.000,00"). A price money.Parse
// refuses keeps its reason; any other wrong line is price_line.
func parseTicketPrices(text string) (map[string]int64, error) {
	out := map[string]int64{}
	for i, line := range strings.Split(strings.ReplaceAll(text, "\r", ""), "\n") {
		f := strings.Fields(line)
		if len(f) == 0 {
			continue
		}
		if len(f) != 2 {
			return nil, apperr.R(apperr.Invalid, "price_line", "Line %d must read: category price in euros (e.g. stalls 25,00).", i+1)
		}
		cents, err := money.Parse(f[1])
		if err != nil {
			return nil, fmt.Errorf("prices, line %d: %w", i+1, err)
		}
		if cents > maxTicketPrice {
			return nil, apperr.R(apperr.Invalid, "price_line", "Line %d: a seat costs at most %s.", i+1, maxTicketPrice)
		}
		out[f[0]] = int64(cents)
	}
	return out, nil
}

func (s *theatrePages) handleTheatreAdminCreatePerformance(w http.ResponseWriter, r *http.Request, c identity.Caller) {
	prices, err := parseTicketPrices(r.PostFormValue("prices"))
	if err != nil {
		s.pageError(w, r, err)
		return
	}
	minutes := 0
	if d := strings.TrimSpace(r.PostFormValue("duration_minutes")); d != "" {
		if minutes, err = strconv.Atoi(d); err != nil || minutes < 1 {
			s.pageError(w, r, apperr.R(apperr.Invalid, "invalid_duration", "The duration is a number of minutes."))
			return
		}
	}
	p, err := api.PerformanceRequest{VenueID: r.PostFormValue("venue_id"), Title: r.PostFormValue("title"), StartsAt: r.PostFormValue("starts_at"),
		DoorsOpen: r.PostFormValue("doors_open"), EndsAt: r.PostFormValue("ends_at"), DurationMinutes: minutes,
		Prices: prices, SalesOpen: r.PostFormValue("sales_open")}.Performance("", s.zone)
	if err == nil {
		_, err = s.ticketing.CreatePerformance(r.Context(), c, p)
	}
	if err != nil {
		s.pageError(w, r, err)
		return
	}
	http.Redirect(w, r, "/admin/theatre", http.StatusSeeOther)
}

func (s *theatrePages) handleTheatreAdminCancel(w http.ResponseWriter, r *http.Request, c identity.Caller) {
	if _, err := s.ticketing.CancelPerformance(r.Context(), c, r.PathValue("id")); err != nil {
		s.pageError(w, r, err)
		return
	}
	http.Redirect(w, r, "/admin/theatre", http.StatusSeeOther)
}

func (s *theatrePages) handleTheatreAdminRefund(w http.ResponseWriter, r *http.Request, c identity.Caller) {
	if _, err := s.ticketing.RefundOrder(r.Context(), c, strings.TrimSpace(r.PostFormValue("order_id"))); err != nil {
		s.pageError(w, r, err)
		return
	}
	http.Redirect(w, r, "/admin/theatre", http.StatusSeeOther)
}
