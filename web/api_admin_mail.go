package web

import (
	"net/http"
	"strconv"
	"time"

	"cityhub/apperr"
	"cityhub/identity"
	"cityhub/mail"
	"cityhub/outbox"
	"cityhub/web/httpx"
)

// outboxRoutes mounts the administrators' view of the e-mail outbox: the
// JSON API and the "outbox" page.
func (s *Server) outboxRoutes(mux *http.ServeMux) {
	mux.HandleFunc("GET /api/v1/admin/mail", s.handleAPIAdminMailList)
	mux.HandleFunc("GET /api/v1/admin/mail/{id}", s.handleAPIAdminMail)
	mux.HandleFunc("POST /api/v1/admin/mail/{id}/retry", s.handleAPIAdminMailRetry)
	mux.Handle("GET /admin/outbox", httpx.Secured(s.signedIn(s.handleOutboxPage, identity.RoleAdmin)))
	mux.Handle("GET /admin/outbox/{id}", httpx.Secured(s.signedIn(s.handleOutboxMessagePage, identity.RoleAdmin)))
	mux.Handle("POST /admin/outbox/{id}/retry", s.pageAction(s.handleOutboxRetryPage, identity.RoleAdmin))
	s.addDashboardPanel(identity.RoleAdmin, DashboardPanel{TitleKey: "outbox.panel.title", TextKey: "outbox.panel.text", Href: "/admin/outbox"})
}

// mailSummary is an outbox message in a list: where it stands, not its bodies.
type mailSummary struct {
	ID            string    `json:"id"`
	Kind          string    `json:"kind"`
	AccountID     string    `json:"account_id,omitempty"`
	Locale        string    `json:"locale"`
	To            string    `json:"to"`
	Subject       string    `json:"subject"`
	MessageID     string    `json:"message_id"`
	State         string    `json:"state"`
	Attempts      int       `json:"attempts"`
	NextAttemptAt time.Time `json:"next_attempt_at"`
	LastError     string    `json:"last_error,omitempty"`
	CreatedAt     time.Time `json:"created_at"`
	SentAt        time.Time `json:"sent_at,omitzero"`
	Attachments   []string  `json:"attachments,omitempty"`
}

func summarize(m mail.Message) mailSummary {
	v := mailSummary{ID: m.ID, Kind: m.Kind, AccountID: m.AccountID, Locale: m.Locale, To: m.To, Subject: m.Subject,
		MessageID: m.MessageID, State: m.State, Attempts: m.Attempts, NextAttemptAt: m.NextAttemptAt, LastError: m.LastError,
		CreatedAt: m.CreatedAt, SentAt: m.SentAt}
	for _, a := range m.Attachments {
		v.Attachments = append(v.Attachments, a.Name)
	}
	return v
}

// mailPageView is a page of the outbox.
type mailPageView struct {
	Messages   []mailSummary  `json:"messages"`
	NextCursor string         `json:"next_cursor,omitempty"`
	Counts     map[string]int `json:"counts"`
}

// outboxQuery reads ?state=&cursor=&limit= (limit 1..outbox.MaxPage,
// default 50).
func outboxQuery(r *http.Request) (state, cursor string, limit int, err error) {
	q := r.URL.Query()
	limit = 50
	if l := q.Get("limit"); l != "" {
		n, err := strconv.Atoi(l)
		if err != nil || n < 1 || n > outbox.MaxPage {
			return "", "", 0, apperr.R(apperr.Invalid, "bad_limit", "limit must be a whole number from 1 to %d.", outbox.MaxPage)
		}
		limit = n
	}
	return q.Get("state"), q.Get("cursor"), limit, nil
}

func (s *Server) outboxPage(r *http.Request, c identity.Caller) (mailPageView, error) {
	state, cursor, limit, err := outboxQuery(r)
	if err != nil {
		return mailPageView{}, err
	}
	p, err := s.Outbox.List(r.Context(), c, state, cursor, limit)
	if err != nil {
		return mailPageView{}, err
	}
	v := mailPageView{Messages: make([]mailSummary, 0, len(p.Messages)), NextCursor: p.Next, Counts: p.Counts}
	for _, m := range p.Messages {
		v.Messages = append(v.Messages, summarize(m))
	}
	return v, nil
}

// handleAPIAdminMailList is GET /api/v1/admin/mail (city admin): the
// outbox, newest first, with each message's state, attempts and last
// error, and the count of messages in each state.
func (s *Server) handleAPIAdminMailList(w http.ResponseWriter, r *http.Request) {
	c, err := httpx.RequireRole(r, identity.RoleAdmin)
	if err != nil {
		httpx.WriteError(s.log, w, r, err)
		return
	}
	v, err := s.outboxPage(r, c)
	if err != nil {
		httpx.WriteError(s.log, w, r, err)
		return
	}
	httpx.WriteJSON(w, http.StatusOK, v)
}

// handleAPIAdminMail is GET /api/v1/admin/mail/{id} (city admin): one
// message with its text and HTML bodies.
func (s *Server) handleAPIAdminMail(w http.ResponseWriter, r *http.Request) {
	c, err := httpx.RequireRole(r, identity.RoleAdmin)
	if err != nil {
		httpx.WriteError(s.log, w, r, err)
		return
	}
	m, err := s.Outbox.Get(r.Context(), c, r.PathValue("id"))
	if err != nil {
		httpx.WriteError(s.log, w, r, err)
		return
	}
	httpx.WriteJSON(w, http.StatusOK, m)
}

// handleAPIAdminMailRetry is POST /api/v1/admin/mail/{id}/retry (city
// admin): a failed message goes back to pending, due now, with a fresh
// count of attempts. 409 (mail_not_failed) for any other state.
func (s *Server) handleAPIAdminMailRetry(w http.ResponseWriter, r *http.Request) {
	c, err := httpx.RequireRole(r, identity.RoleAdmin)
	if err != nil {
		httpx.WriteError(s.log, w, r, err)
		return
	}
	m, err := s.Outbox.Retry(r.Context(), c, r.PathValue("id"))
	if err != nil {
		httpx.WriteError(s.log, w, r, err)
		return
	}
	httpx.WriteJSON(w, http.StatusOK, summarize(m))
}
