package api

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

// MailSummary is an outbox message in a list: where it stands, not its bodies.
type MailSummary struct {
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

func summarize(m mail.Message) MailSummary {
	v := MailSummary{ID: m.ID, Kind: m.Kind, AccountID: m.AccountID, Locale: m.Locale, To: m.To, Subject: m.Subject,
		MessageID: m.MessageID, State: m.State, Attempts: m.Attempts, NextAttemptAt: m.NextAttemptAt, LastError: m.LastError,
		CreatedAt: m.CreatedAt, SentAt: m.SentAt}
	for _, a := range m.Attachments {
		v.Attachments = append(v.Attachments, a.Name)
	}
	return v
}

// MailPageView is a page of the outbox.
type MailPageView struct {
	Messages   []MailSummary  `json:"messages"`
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

// ListMail is the page of the outbox that r asks for (?state=&cursor=&limit=),
// as the API and the outbox page show it.
func ListMail(r *http.Request, o *outbox.Service, c identity.Caller) (MailPageView, error) {
	state, cursor, limit, err := outboxQuery(r)
	if err != nil {
		return MailPageView{}, err
	}
	p, err := o.List(r.Context(), c, state, cursor, limit)
	if err != nil {
		return MailPageView{}, err
	}
	v := MailPageView{Messages: make([]MailSummary, 0, len(p.Messages)), NextCursor: p.Next, Counts: p.Counts}
	for _, m := range p.Messages {
		v.Messages = append(v.Messages, summarize(m))
	}
	return v, nil
}

// handleAPIAdminMailList is GET /api/v1/admin/mail (city admin): the
// outbox, newest first, with each message's state, attempts and last
// error, and the count of messages in each state.
func (h *mailHandler) handleAPIAdminMailList(w http.ResponseWriter, r *http.Request) {
	c, err := httpx.RequireRole(r, identity.RoleAdmin)
	if err != nil {
		httpx.WriteError(h.log, w, r, err)
		return
	}
	v, err := ListMail(r, h.outbox, c)
	if err != nil {
		httpx.WriteError(h.log, w, r, err)
		return
	}
	httpx.WriteJSON(w, http.StatusOK, v)
}

// handleAPIAdminMail is GET /api/v1/admin/mail/{id} (city admin): one
// message with its text and HTML bodies.
func (h *mailHandler) handleAPIAdminMail(w http.ResponseWriter, r *http.Request) {
	c, err := httpx.RequireRole(r, identity.RoleAdmin)
	if err != nil {
		httpx.WriteError(h.log, w, r, err)
		return
	}
	m, err := h.outbox.Get(r.Context(), c, r.PathValue("id"))
	if err != nil {
		httpx.WriteError(h.log, w, r, err)
		return
	}
	httpx.WriteJSON(w, http.StatusOK, m)
}

// handleAPIAdminMailRetry is POST /api/v1/admin/mail/{id}/retry (city
// admin): a failed message goes back to pending, due now, with a fresh
// count of attempts. 409 (mail_not_failed) for any other state.
func (h *mailHandler) handleAPIAdminMailRetry(w http.ResponseWriter, r *http.Request) {
	c, err := httpx.RequireRole(r, identity.RoleAdmin)
	if err != nil {
		httpx.WriteError(h.log, w, r, err)
		return
	}
	m, err := h.outbox.Retry(r.Context(), c, r.PathValue("id"))
	if err != nil {
		httpx.WriteError(h.log, w, r, err)
		return
	}
	httpx.WriteJSON(w, http.StatusOK, summarize(m))
}
