package ui

import (
	"context"
	"fmt"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"
	"unicode"

	"cityhub/apperr"
	"cityhub/identity"
	"cityhub/ids"
	"cityhub/money"
	"cityhub/ticketing"
	"cityhub/web/httpx"
)

// The city administrator's theatre page: venues and their seat maps,
// performances with their sales, cancellations and refunds. Each form comes
// back with its values and the mistake next to its field when refused;
// cancelling a performance and refunding an order first show what will
// happen (ticketing_admin_confirm.go).

type theatreAdminPage struct {
	Venues       []adminVenue
	Performances []adminPerformance
	// From is when the listed performances start at the earliest; zero
	// with ?all=1, which lists every one.
	From time.Time
	// The forms, as typed when a post was refused.
	VenueForm, PerfForm, RefundForm *staffForm
	// SeatForms are the seat map forms by venue id; NameForms, the forms
	// that name its categories.
	SeatForms, NameForms map[string]*staffForm
	// Done names what the last post did, for the message at the top.
	Done string
	// PriceExample is the category code the prices hint shows its example
	// line with: one of the chosen venue's (else the first venue's with
	// seats), so that the example is a line the form takes, where a fixed
	// word ("stalls") was refused at a venue whose codes are others.
	PriceExample string
}

// theatreRecentDays is how far back the theatre page lists performances
// unless asked for all of them.
const theatreRecentDays = 30

type adminVenue struct {
	ticketing.Venue
	Seats int
	// Categories are the seat categories of its map, which a performance
	// there must price (a category left out is not on sale).
	Categories []adminCategory
	// InUse: the venue has performances, so its seat map can no longer
	// change (ticketing.SeatMapInUse) and the page says so for its form.
	InUse bool
}

// adminCategory is a seat category as the prices name it (Code), with
// the name buyers read for it in the page's language when that is more
// than the code in other letters (Name; empty otherwise), and the hub's
// words for the code (DefaultIT, DefaultEN), which buyers read where the
// venue gave no name of its own.
type adminCategory struct {
	Code, Name           string
	DefaultIT, DefaultEN string
}

type adminPerformance struct {
	ticketing.Performance
	Venue string
	Stats ticketing.SalesStats
}

// theatreForms are the page's forms; a nil one is drawn empty.
type theatreForms struct {
	venue, perf, refund *staffForm
	seats, names        map[string]*staffForm
}

func (s *theatrePages) handleTheatreAdminPage(w http.ResponseWriter, r *http.Request, c identity.Caller) {
	s.renderTheatreAdmin(w, r, c, http.StatusOK, theatreForms{})
}

// renderTheatreAdmin draws the page with the forms as given.
func (s *theatrePages) renderTheatreAdmin(w http.ResponseWriter, r *http.Request, c identity.Caller, status int, f theatreForms) {
	// ?all given twice, even alike, chose neither list of performances.
	if err := httpx.Once(r.URL.Query(), "all"); err != nil {
		s.pagingRefused(w, r, err, "/admin/theatre#performances")
		return
	}
	ctx := r.Context()
	vs, err := s.ticketing.Venues(ctx)
	if err != nil {
		s.pageError(w, r, err)
		return
	}
	l := s.locale(r)
	page := theatreAdminPage{VenueForm: f.venue, PerfForm: f.perf, RefundForm: f.refund, SeatForms: f.seats, NameForms: f.names, Done: r.URL.Query().Get("done")}
	for _, p := range []**staffForm{&page.VenueForm, &page.PerfForm, &page.RefundForm} {
		if *p == nil {
			*p = newStaffForm()
		}
	}
	// The forms that create carry a key of their own (formOnce).
	for _, f := range []*staffForm{page.VenueForm, page.PerfForm} {
		if f.Values["key"] == "" {
			f.Values["key"] = ids.Token(12)
		}
	}
	if page.SeatForms == nil {
		page.SeatForms = map[string]*staffForm{}
	}
	if page.NameForms == nil {
		page.NameForms = map[string]*staffForm{}
	}
	names := map[string]string{}
	for _, v := range vs {
		seats, err := s.ticketing.Seats(ctx, v.ID)
		if err != nil {
			s.pageError(w, r, err)
			return
		}
		inUse, err := s.ticketing.SeatMapInUse(ctx, v.ID)
		if err != nil {
			s.pageError(w, r, err)
			return
		}
		cats, err := s.ticketing.VenueCategories(ctx, c, v.ID)
		if err != nil {
			s.pageError(w, r, err)
			return
		}
		av := adminVenue{Venue: v, Seats: len(seats), InUse: inUse}
		// The names form shows the venue's own names, or those typed when
		// it was refused.
		nf := page.NameForms[v.ID]
		if nf == nil {
			nf = newStaffForm()
			page.NameForms[v.ID] = nf
			for _, k := range cats {
				if k.Named {
					nf.Values[categoryField("it", k.Code)], nf.Values[categoryField("en", k.Code)] = k.NameIT, k.NameEN
				}
			}
		}
		for _, k := range cats {
			d := ticketing.CategoryOf(k.Code)
			a := adminCategory{Code: k.Code, Name: k.Name(l.Lang), DefaultIT: d.NameIT, DefaultEN: d.NameEN}
			if strings.EqualFold(a.Name, a.Code) {
				a.Name = ""
			}
			av.Categories = append(av.Categories, a)
		}
		names[v.ID] = v.Name
		if len(av.Categories) > 0 && (page.PriceExample == "" || v.ID == page.PerfForm.Values["venue_id"]) {
			page.PriceExample = av.Categories[0].Code
		}
		page.Venues = append(page.Venues, av)
		if page.SeatForms[v.ID] == nil {
			page.SeatForms[v.ID] = newStaffForm()
		}
	}
	// The recent and coming performances, unless all are asked for: a
	// theatre's past seasons would make the page slower with each one.
	if r.URL.Query().Get("all") == "" {
		// From the start of that day, which the page names.
		y, m, d := time.Now().In(s.zone).AddDate(0, 0, -theatreRecentDays).Date()
		page.From = time.Date(y, m, d, 0, 0, 0, 0, s.zone)
	}
	sales, err := s.ticketing.SalesFrom(ctx, c, page.From)
	if err != nil {
		s.pageError(w, r, err)
		return
	}
	for _, ps := range sales {
		page.Performances = append(page.Performances, adminPerformance{Performance: ps.Performance, Venue: names[ps.Performance.VenueID], Stats: ps.Sales})
	}
	s.render(w, r, status, "ticketing_admin", "admin", page)
}

// SeatForm is a venue's seat map form (for the template).
func (p theatreAdminPage) SeatForm(venueID string) *staffForm { return p.SeatForms[venueID] }

// NameForm is the form that names a venue's categories (for the template).
func (p theatreAdminPage) NameForm(venueID string) *staffForm { return p.NameForms[venueID] }

// categoryField is the names form's field of a category's name in lang
// ("it" or "en"): a field for each code of the seat map, so that a refusal
// stands next to the name it is about.
func categoryField(lang, code string) string { return "name_" + lang + "." + code }

// FieldIT and FieldEN are the names form's fields of the category.
func (a adminCategory) FieldIT() string { return categoryField("it", a.Code) }
func (a adminCategory) FieldEN() string { return categoryField("en", a.Code) }

var venueFieldOf = map[string]string{"invalid_name": "name", "invalid_address": "address"}

func (s *theatrePages) handleTheatreAdminCreateVenue(w http.ResponseWriter, r *http.Request, c identity.Caller) {
	l := s.locale(r)
	f := formFrom(r, "key", "name", "address")
	for _, n := range []string{"name", "address"} {
		if f.Values[n] == "" {
			f.fail(n, l.T("staff.err.required"))
		}
	}
	status := http.StatusBadRequest
	v := ticketing.Venue{Name: f.Values["name"], Address: f.Values["address"]}
	var refusals []error
	if !f.Failed() {
		// Pressed twice, the form makes one venue.
		_, err := s.formOnce(r.Context(), "page.venue_create:"+c.AccountID, f.Values["key"], v, func(ctx context.Context) (string, error) {
			made, err := s.ticketing.CreateVenue(ctx, c, v)
			return made.ID, err
		})
		if err == nil {
			http.Redirect(w, r, "/admin/theatre?done=venue#venues", http.StatusSeeOther)
			return
		}
		refusals, status = append(refusals, err), httpx.StatusFor(err)
	}
	if f.Failed() || len(refusals) > 0 && apperr.Has(refusals[0], apperr.Invalid) {
		// Every other mistake of the fields, as the domain judges them.
		refusals = append(refusals, v.Problems()...)
	}
	for _, err := range refusals {
		if !theatreRefusal(l, f, err, venueFieldOf) {
			s.pageError(w, r, err)
			return
		}
	}
	s.renderTheatreAdmin(w, r, c, status, theatreForms{venue: f})
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
	l := s.locale(r)
	venueID := r.PathValue("id")
	f := newStaffForm()
	// The seat map keeps its lines as typed, spaces included.
	f.Values["rows"] = r.PostFormValue("rows")
	m, err := parseSeatLines(f.Values["rows"])
	if err == nil {
		_, err = s.ticketing.SetSeatMap(r.Context(), c, venueID, m)
	}
	if err == nil {
		http.Redirect(w, r, "/admin/theatre?done=seats#venues", http.StatusSeeOther)
		return
	}
	if !theatreRefusal(l, f, err, map[string]string{"seat_line": "rows", "invalid_seat_map": "rows", "invalid_seat_numbers": "rows",
		"too_many_seats": "rows", "duplicate_seat": "rows", "seat_map_in_use": "rows", "invalid_section": "rows", "invalid_row": "rows", "invalid_category": "rows"}) {
		s.pageError(w, r, err)
		return
	}
	s.renderTheatreAdmin(w, r, c, httpx.StatusFor(err), theatreForms{seats: map[string]*staffForm{venueID: f}})
}

// parseTicketPrices reads "category price" lines with prices in euros as
// the other money forms take them (money.Parse): "stalls 25", "balcony
// 15,50", "box 1.000,00", "stalls €15", "stalls 15 €". The category is
// the line's first word and the price all the rest, so a "€" apart from
// the number is the price's, not a third word. A price money.Parse
// refuses keeps its reason; any other wrong line is price_line. The
// bounds of a price are the domain's (ticketing.MaxPriceCents), checked
// when the performance is: the page keeps none of its own, so that it
// takes what the API takes and its words name the one bound.
func parseTicketPrices(text string) (map[string]int64, error) {
	out := map[string]int64{}
	lineOf := map[string]int{}
	for i, line := range strings.Split(strings.ReplaceAll(text, "\r", ""), "\n") {
		line = strings.TrimSpace(line)
		if line == "" {
			continue
		}
		cut := strings.IndexFunc(line, unicode.IsSpace)
		if cut < 0 {
			return nil, apperr.R(apperr.Invalid, "price_line", "Line %d must read: a category code of the venue and its price in euros (e.g. 25,00).", i+1)
		}
		cat := line[:cut]
		cents, err := money.Parse(line[cut:])
		if err != nil {
			return nil, fmt.Errorf("prices, line %d: %w", i+1, err)
		}
		if first, twice := lineOf[cat]; twice {
			// The later line would win silently, and the seats sell at a
			// price the administrator may not have meant.
			return nil, apperr.R(apperr.Invalid, "price_category_twice", "Line %d prices the category %s again, which line %d priced already.", i+1, cat, first)
		}
		out[cat], lineOf[cat] = int64(cents), i+1
	}
	return out, nil
}

var perfFields = []string{"key", "venue_id", "title", "starts_at", "doors_open", "ends_at", "duration_minutes", "sales_open", "prices", "self_cancel_hours"}

var perfFieldOf = map[string]string{
	"invalid_venue": "venue_id", "invalid_title": "title", "invalid_starts_at": "starts_at", "starts_in_past": "starts_at", "invalid_prices": "prices",
	"invalid_price": "prices", "price_line": "prices", "price_category_twice": "prices", "invalid_sales_window": "sales_open", "invalid_sales_open": "sales_open",
	"invalid_doors_open": "doors_open", "invalid_ends_at": "ends_at", "invalid_duration": "duration_minutes",
	"amount_format": "prices", "amount_fraction": "prices", "amount_negative": "prices", "amount_ambiguous": "prices", "amount_too_large": "prices",
	"performance_venue": "venue_id", "invalid_self_cancel_hours": "self_cancel_hours",
	"unknown_venue": "venue_id", "venue_without_seats": "venue_id", "unknown_category": "prices", "invalid_category": "prices",
}

// theatreRefusal is refusalOnForm in the theatre office's words
// ("theatre.reason.<reason>"), which name the line, the seat or the
// category the domain's refusal names.
func theatreRefusal(l *locale, f *staffForm, err error, fieldOf map[string]string) bool {
	return refusalOnForm(l, f, err, fieldOf, "theatre.reason.")
}

// handleTheatreAdminCreatePerformance schedules a performance from the
// form. Prices are "category price" lines with prices as people type them
// ("platea 25", "galleria 1.000,00"); times come from datetime-local inputs
// or typed the Italian way (31/12/2026 20:30).
func (s *theatrePages) handleTheatreAdminCreatePerformance(w http.ResponseWriter, r *http.Request, c identity.Caller) {
	l := s.locale(r)
	f := formFrom(r, perfFields...)
	f.Values["prices"] = strings.TrimSpace(strings.ReplaceAll(r.PostFormValue("prices"), "\r", ""))
	prices, err := parseTicketPrices(f.Values["prices"])
	if err != nil {
		f.fail("prices", priceLineText(l, err))
	}
	// Blank: the default end (CreatePerformance).
	var minutes *int
	if d := f.Values["duration_minutes"]; d != "" {
		if n, err := strconv.Atoi(d); err != nil || n < 1 {
			f.fail("duration_minutes", l.T("staff.err.duration"))
		} else {
			minutes = &n
		}
	}
	// Blank: buyers cannot cancel on their own, only an administrator refunds.
	var selfCancel *int
	if h := f.Values["self_cancel_hours"]; h != "" {
		if n, err := strconv.Atoi(h); err != nil {
			f.fail("self_cancel_hours", l.T("staff.err.whole_number"))
		} else {
			selfCancel = &n
		}
	}
	if f.Values["title"] == "" {
		f.fail("title", l.T("staff.err.required"))
	}
	if f.Values["starts_at"] == "" {
		f.fail("starts_at", l.T("staff.err.required"))
	}
	status := http.StatusBadRequest
	req := ticketing.PerformanceRequest{VenueID: f.Values["venue_id"], Title: f.Values["title"], StartsAt: isoLocalTime(f.Values["starts_at"]),
		DoorsOpen: isoLocalTime(f.Values["doors_open"]), EndsAt: isoLocalTime(f.Values["ends_at"]), DurationMinutes: minutes,
		Prices: prices, SalesOpen: isoLocalTime(f.Values["sales_open"]), SelfCancelHours: selfCancel}
	var refusals []error
	if !f.Failed() {
		p, err := req.Performance("", s.zone)
		if err == nil {
			// Pressed twice, the form schedules one performance.
			_, err = s.formOnce(r.Context(), "page.performance_create:"+c.AccountID, f.Values["key"], p, func(ctx context.Context) (string, error) {
				made, err := s.ticketing.CreatePerformance(ctx, c, p)
				return made.ID, err
			})
		}
		if err == nil {
			http.Redirect(w, r, "/admin/theatre?done=performance#performances", http.StatusSeeOther)
			return
		}
		refusals, status = append(refusals, err), httpx.StatusFor(err)
	}
	if f.Failed() || len(refusals) > 0 && apperr.Has(refusals[0], apperr.Invalid) {
		// Every other mistake of the fields, as the domain judges them,
		// so that one sending corrects them all.
		refusals = append(refusals, s.ticketing.PerformanceProblems(req)...)
	}
	for _, err := range refusals {
		fieldOf := perfFieldOf
		if field := ticketing.TimeFieldOf(err); field != "" {
			// A local time at a clock change: any of the form's times.
			fieldOf = map[string]string{apperr.ReasonOf(err): field}
		}
		if !theatreRefusal(l, f, err, fieldOf) {
			s.pageError(w, r, err)
			return
		}
	}
	s.renderTheatreAdmin(w, r, c, status, theatreForms{perf: f})
}

// priceLineText is a wrong prices line in the reader's language: an amount
// money.Parse refused gets the words for its reason, with the line number;
// a category priced twice, words naming it and both its lines.
func priceLineText(l *locale, err error) string {
	if strings.HasPrefix(apperr.ReasonOf(err), "amount_") {
		return l.T("staff.err.prices_amount", l.ErrorText(err))
	}
	if apperr.ReasonOf(err) == "price_category_twice" {
		return refusalText(l, err, "theatre.reason.")
	}
	return l.T("staff.err.prices_line", l.Money(ticketing.MaxPriceCents))
}

// theatreAdminBack is where the theatre page's actions return to.
func theatreAdminBack(done, anchor string) string {
	return "/admin/theatre?done=" + url.QueryEscape(done) + "#" + anchor
}
