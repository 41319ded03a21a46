package ui

import (
	"context"
	"errors"
	"net/http"

	"cityhub/apperr"
	"cityhub/identity"
	"cityhub/ids"
	"cityhub/money"
	"cityhub/ticketing"
	"cityhub/web/httpx"
)

// The theatre pages: the programme and a performance's hall with its
// prices are everyone's, signed in or not, as a city's programme is; a
// citizen also sees their tickets and buys the chosen seats with wallet
// credit, a visitor is asked to sign in for that and brought back; short
// credit leads to the order page (ticketing_orders.go), which offers a
// top-up and the card. The tickets' QR codes are on the wallet page
// (QRSource).

type theatrePage struct {
	Performances []ticketing.Performance
	Tickets      []ticketing.TicketView
	// Buyer says the caller buys tickets (a citizen): they see theirs. A
	// visitor is asked to sign in, another account told tickets are
	// bought with a citizen's account.
	Buyer bool
	// Card: the hub takes card payments, so the page may offer the card
	// beside credit; without them it speaks of credit only.
	Card bool
	// Seats are each performance's free and held seats, by id: one with
	// none free is not offered to choose seats in.
	Seats map[string]ticketing.SeatCount
}

// buysTickets reports whether c buys tickets, as the routes of holding
// seats and of orders let only citizens through.
func buysTickets(c identity.Caller) bool { return c.Has(identity.RoleCitizen) }

// handleTheatrePage lists the programme, open to everyone, and a citizen's
// tickets.
func (s *theatrePages) handleTheatrePage(w http.ResponseWriter, r *http.Request, c identity.Caller) {
	ctx := r.Context()
	ps, err := s.ticketing.Performances(ctx)
	if err != nil {
		s.pageError(w, r, err)
		return
	}
	page := theatrePage{Performances: ps, Buyer: buysTickets(c), Card: s.pay.cardEnabled()}
	if page.Seats, err = s.ticketing.SeatCounts(ctx, ps); err != nil {
		s.pageError(w, r, err)
		return
	}
	if page.Buyer {
		if page.Tickets, err = s.ticketing.MyTickets(ctx, c); err != nil {
			s.pageError(w, r, err)
			return
		}
	}
	s.render(w, r, http.StatusOK, "tickets", "theatre", page)
}

// seatPickerPage is a performance's hall: sections of rows of seats, each
// free seat a checkbox.
type seatPickerPage struct {
	ticketing.Availability
	Sections []pickerSection
	// Categories are the price categories on sale, with their prices.
	Categories []pickerCategory
	// Key makes a double press of the buy button one hold.
	Key string
	// EmailsTickets: the tickets will also be e-mailed (emailsTickets).
	EmailsTickets bool
	// Problem says why the seats chosen were not held (a seat taken
	// meanwhile); the others chosen stay ticked.
	Problem string
	// Buyer says the caller may hold seats (a citizen); anyone else sees
	// the hall and its prices without the form.
	Buyer bool
	// Card: the hub takes card payments (theatrePage.Card).
	Card bool
}

type pickerSection struct {
	// ID is the section as the seat map names it; Name as people read
	// it in the page's language (ticketing.SectionName).
	ID   string
	Name string
	Rows []pickerRow
}

type pickerRow struct {
	Name  string
	Seats []pickerSeat
}

// pickerSeat is a seat with what a screen reader says for it.
type pickerSeat struct {
	ticketing.SeatState
	Label string
	// Chosen: ticked in the form sent before, and still free.
	Chosen bool
}

type pickerCategory struct {
	Name  string
	Cents int64
}

// emailsTickets reports whether c's paid orders get their receipt with the
// tickets by e-mail: the ticketing service enqueues it (mail on, an address
// to write to) and an SMTP server sends what is enqueued.
func (s *theatrePages) emailsTickets(ctx context.Context, c identity.Caller) (bool, error) {
	if !s.emailsSent {
		return false, nil
	}
	return s.ticketing.EmailsReceipts(ctx, c.AccountID)
}

// handleSeatPickerPage shows the hall with free, held and sold seats and
// the prices, to anyone; a citizen may choose seats.
func (s *theatrePages) handleSeatPickerPage(w http.ResponseWriter, r *http.Request, c identity.Caller) {
	s.showSeatPicker(w, r, c, http.StatusOK, nil, "")
}

// showSeatPicker shows the hall, with the seats of chosen that are still
// free ticked and problem said above them (a hold refused).
func (s *theatrePages) showSeatPicker(w http.ResponseWriter, r *http.Request, c identity.Caller, status int, chosen []string, problem string) {
	av, err := s.ticketing.Availability(r.Context(), r.PathValue("id"))
	if err != nil {
		s.pageError(w, r, err)
		return
	}
	l := s.locale(r)
	page := seatPickerPage{Availability: av, Problem: problem, Buyer: buysTickets(c), Card: s.pay.cardEnabled()}
	ticked := map[string]bool{}
	for _, id := range chosen {
		ticked[id] = true
	}
	if page.Buyer {
		page.Key = ids.New("hld")
		if page.EmailsTickets, err = s.emailsTickets(r.Context(), c); err != nil {
			s.pageError(w, r, err)
			return
		}
	}
	// Seats and prices name their category as people read it, never by
	// its code.
	names := map[string]string{}
	for _, k := range av.Categories {
		names[k.Code] = k.Name(l.Lang)
		if k.PriceCents > 0 {
			page.Categories = append(page.Categories, pickerCategory{Name: k.Name(l.Lang), Cents: k.PriceCents})
		}
	}
	// A row with no seat priced for this performance is not shown: a
	// performance priced only for the stalls must not show the gallery as
	// taken seats (they are not on sale, not sold).
	priced := map[string]bool{}
	for _, st := range av.Seats {
		if st.State != ticketing.SeatNotOnSale {
			priced[st.Section+"\x00"+st.Row] = true
		}
	}
	for _, st := range av.Seats {
		if !priced[st.Section+"\x00"+st.Row] {
			continue
		}
		n := len(page.Sections)
		if n == 0 || page.Sections[n-1].ID != st.Section {
			page.Sections = append(page.Sections, pickerSection{ID: st.Section, Name: ticketing.SectionName(st.Section, l.Lang)})
			n++
		}
		sec := &page.Sections[n-1]
		m := len(sec.Rows)
		if m == 0 || sec.Rows[m-1].Name != st.Row {
			sec.Rows = append(sec.Rows, pickerRow{Name: st.Row})
			m++
		}
		sec.Rows[m-1].Seats = append(sec.Rows[m-1].Seats, pickerSeat{SeatState: st, Label: seatLabel(l, names[st.Category], st),
			Chosen: ticked[st.ID] && st.State == ticketing.SeatFree})
	}
	s.render(w, r, status, "ticket_seats", "theatre", page)
}

// handleBuySeatsPage holds the chosen seats and pays them with credit in
// one press. When the credit is short the hold is kept and the order page
// offers a top-up or the card; any other failure releases the hold at once,
// so the seats are not kept from others for nothing. Success shows the
// paid order's page, which links to the wallet, where the tickets' QR
// codes are.
func (s *theatrePages) handleBuySeatsPage(w http.ResponseWriter, r *http.Request, c identity.Caller) {
	if err := r.ParseForm(); err != nil {
		s.pageError(w, r, apperr.R(apperr.Invalid, "malformed_form", "The form could not be read."))
		return
	}
	seats := r.PostForm["seat"]
	if len(seats) == 0 {
		err := apperr.R(apperr.Invalid, "invalid_seats", "Choose 1 to %d seats.", ticketing.MaxSeatsPerOrder)
		s.showSeatPicker(w, r, c, http.StatusBadRequest, nil, s.locale(r).ErrorText(err))
		return
	}
	ctx := r.Context()
	// The form's key makes a double press one hold (and one payment).
	o, _, err := s.ticketing.HoldWithKey(ctx, c, r.PathValue("id"), seats, r.PostFormValue("key"))
	if err != nil {
		// A seat taken meanwhile, or a choice the hall refuses: the hall
		// again, as it is now, with the reason and the other seats chosen
		// still ticked, so the person picks again from there.
		if code := apperr.CodeOf(err); code == apperr.Conflict || code == apperr.Invalid {
			s.showSeatPicker(w, r, c, httpx.StatusFor(err), seats, s.locale(r).ErrorText(err))
			return
		}
		s.pageError(w, r, err)
		return
	}
	if _, err := s.ticketing.PayWithWallet(ctx, c, o.ID); err != nil {
		if apperr.Has(err, apperr.InsufficientFunds) {
			// Short of credit: the seats stay held while the order page
			// offers a top-up or the card, and says until when.
			http.Redirect(w, r, orderPath(o.ID), http.StatusSeeOther)
			return
		}
		if _, rerr := s.ticketing.ReleaseHold(ctx, c, o.ID); rerr != nil {
			err = errors.Join(err, rerr)
		}
		s.pageError(w, r, err)
		return
	}
	// The order page confirms the purchase: its number, the seats, and
	// the way to the tickets' QR codes in the wallet.
	http.Redirect(w, r, orderPath(o.ID), http.StatusSeeOther)
}

// seatLabel is what a screen reader says for a seat (and a pointer shows
// over it), category the name of its category.
func seatLabel(l *locale, category string, st ticketing.SeatState) string {
	if st.State == ticketing.SeatFree {
		return l.T("theatre.seat.label_free", st.Row, st.Number, category, money.Cents(st.PriceCents).Format(l.Lang))
	}
	return l.T("theatre.seat.label_taken", st.Row, st.Number, l.T("theatre.seat."+st.State))
}
