package ui

import (
	"net/http"
	"net/url"

	"cityhub/identity"
	"cityhub/mail"
	"cityhub/outbox"
	"cityhub/web/httpx"
)

// outboxPageData is what the outbox page shows: one page of messages in
// the chosen state, and the counts that say where the outbox stands.
type outboxPageData struct {
	State    string
	States   []string
	Messages []mail.Message
	Counts   map[string]int
	// Next is the URL of the following page ("" on the last).
	Next string
}

// handleOutboxPage is the administrators' outbox: every e-mail the hub
// wrote, whether it left, how many attempts it took and why it failed.
// With no SMTP server configured, this is where e-mails are read.
func (s *outboxPages) handleOutboxPage(w http.ResponseWriter, r *http.Request, c identity.Caller) {
	// A link giving two states chose none: the error page, with the link
	// to the whole outbox, as the API refuses it.
	if err := httpx.Once(r.URL.Query(), "state"); err != nil {
		s.pagingRefused(w, r, err, "/admin/outbox")
		return
	}
	d := outboxPageData{State: r.URL.Query().Get("state"), States: mail.States}
	first := "/admin/outbox"
	if d.State != "" {
		first += "?" + url.Values{"state": {d.State}}.Encode()
	}
	cursor, limit, err := httpx.PageQuery(r, 50, outbox.MaxPage)
	if err != nil {
		s.pagingRefused(w, r, err, first)
		return
	}
	p, err := s.outbox.List(r.Context(), c, d.State, cursor, limit)
	if err != nil {
		s.pagingRefused(w, r, err, first)
		return
	}
	d.Messages, d.Counts = p.Messages, p.Counts
	if p.Next != "" {
		q := url.Values{"cursor": {p.Next}}
		if d.State != "" {
			q.Set("state", d.State)
		}
		d.Next = "/admin/outbox?" + q.Encode()
	}
	s.render(w, r, http.StatusOK, "admin_outbox", "admin", d)
}

// handleOutboxMessagePage shows one e-mail as it was written: its text
// body, and its HTML source as text (never rendered: the page's content
// security policy stays whole).
func (s *outboxPages) handleOutboxMessagePage(w http.ResponseWriter, r *http.Request, c identity.Caller) {
	m, err := s.outbox.Get(r.Context(), c, r.PathValue("id"))
	if err != nil {
		s.pageError(w, r, err)
		return
	}
	s.render(w, r, http.StatusOK, "admin_outbox_message", "admin", m)
}

// handleOutboxRetryPage sends a failed e-mail again.
func (s *outboxPages) handleOutboxRetryPage(w http.ResponseWriter, r *http.Request, c identity.Caller) {
	if _, err := s.outbox.Retry(r.Context(), c, r.PathValue("id")); err != nil {
		s.pageError(w, r, err)
		return
	}
	http.Redirect(w, r, "/admin/outbox?state="+mail.StatePending, http.StatusSeeOther)
}
