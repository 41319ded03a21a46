package ui

import (
	"cityhub/apperr"
	"cityhub/identity"
	"cityhub/ticketing"
	"cityhub/web/httpx"
	"errors"
	"net/http"
	"strings"
)

// TicketScanEndpoint is the door scanner page's ScanTarget: it checks in
// the scanned or typed ticket.
const TicketScanEndpoint = "/staff/tickets/check-in"

// doorRefusal is what the scanner page shows for a refused ticket, in the
// page's language, naming what the refusal is about (the time of the first
// scan, the ticket's own performance, when the doors open).
func doorRefusal(l *locale, err error) string {
	reason := apperr.ReasonOf(err)
	if !l.Has("tickets.scan.error." + reason) {
		return l.ErrorText(err)
	}
	var other ticketing.OtherPerformanceError
	var closed ticketing.DoorClosedError
	switch {
	case errors.As(err, &other):
		return l.T("tickets.scan.error.ticket_other_performance", other.Title, l.DateTime(other.StartsAt))
	case errors.As(err, &closed):
		return l.T("tickets.scan.error."+reason, l.DateTime(closed.At))
	}
	if at, ok := ticketing.CheckedInAt(err); ok {
		return l.T("tickets.scan.error.already_checked_in", l.Clock(at))
	}
	return l.T("tickets.scan.error." + reason)
}

// notJudged says whether a refused check-in was no verdict on the ticket:
// a refusal of the person (403, such as a role taken away) or of the pace
// (429). A ticket for another venue is refused as a ticket, though 403:
// the door must turn it away, as one for another performance (scanner.js
// tells them apart the same way).
func notJudged(err error) bool {
	switch httpx.StatusFor(err) {
	case http.StatusForbidden:
		return apperr.ReasonOf(err) != ticketing.ReasonNotYourVenue
	case http.StatusTooManyRequests:
		return true
	}
	return false
}

// handleTicketScan checks a ticket in from the scanner page (registered
// with pageAction: session cookie, CSRF header, door_staff role). It
// answers the scanner's JSON (title, message, outcome) or problem+json in
// the page's language; a second scan names the time of the first.
func (s *theatrePages) handleTicketScan(w http.ResponseWriter, r *http.Request, c identity.Caller) {
	if isFormPost(r) {
		s.ticketScanForm(w, r, c)
		return
	}
	l := s.locale(r)
	fail := func(err error) { s.writeDoorProblem(w, r, l, err) }
	var in struct {
		Code          string `json:"code"`
		PerformanceID string `json:"performance_id"`
	}
	if err := httpx.DecodeJSON(w, r, &in); err != nil {
		fail(err)
		return
	}
	res, err := s.ticketing.CheckIn(r.Context(), c, in.PerformanceID, in.Code)
	if err != nil {
		fail(err)
		return
	}
	t := res.Ticket
	httpx.WriteJSON(w, http.StatusOK, map[string]string{
		"title":     l.T("tickets.scan.ok.title"),
		"message":   l.T("tickets.scan.ok.message", t.Title, ticketing.SectionName(t.Section, l.Lang), t.Row, t.Number),
		"outcome":   "ok",
		"ticket_id": t.ID,
	})
}

// ticketScanForm is handleTicketScan for the page's plain form (no
// script): the scanner page again, for the performance the form names, with
// the answer where the script would show it. A refusal answers its status
// and keeps the typed code in its field.
func (s *theatrePages) ticketScanForm(w http.ResponseWriter, r *http.Request, c identity.Caller) {
	l := s.locale(r)
	code, performance := strings.TrimSpace(r.PostFormValue("code")), r.PostFormValue("performance_id")
	res, err := s.ticketing.CheckIn(r.Context(), c, performance, code)
	if err != nil {
		status := httpx.StatusFor(err)
		if status == http.StatusInternalServerError {
			s.pageError(w, r, err)
			return
		}
		// A refusal of the person or of the pace is no verdict on the
		// ticket: "not checked", as the page's script says it.
		title := l.T("door.refused")
		if notJudged(err) {
			title = l.T("scan.result.not_checked")
			httpx.SetRetryAfter(w, err)
		}
		s.scanPage(w, r, c, status, performance, &scanResult{Kind: "error", Title: title, Detail: doorRefusal(l, err), Code: code})
		return
	}
	t := res.Ticket
	s.scanPage(w, r, c, http.StatusOK, performance, &scanResult{Kind: "ok", Title: l.T("tickets.scan.ok.title"),
		Detail: l.T("tickets.scan.ok.message", t.Title, ticketing.SectionName(t.Section, l.Lang), t.Row, t.Number)})
}
