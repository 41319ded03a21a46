package api

import (
	"net/http"
	"time"

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

// handleAPIAdminMailList is GET /api/v1/admin/mail?state=&cursor=&limit=
// (city admin): the outbox, newest first, with each message's state,
// attempts and last error, and the count of messages in each state.
func (h *mailHandler) handleAPIAdminMailList(w http.ResponseWriter, r *http.Request) {
	c, err := httpx.RequireRole(r, identity.RoleAdmin)
	if err != nil {
		httpx.WriteError(h.log, w, r, err)
		return
	}
	cursor, limit, err := httpx.PageQuery(r, 50, outbox.MaxPage)
	if err == nil {
		err = httpx.Once(r.URL.Query(), "state")
	}
	if err != nil {
		httpx.WriteError(h.log, w, r, err)
		return
	}
	p, err := h.outbox.List(r.Context(), c, r.URL.Query().Get("state"), cursor, limit)
	if err != nil {
		httpx.WriteError(h.log, w, r, err)
		return
	}
	v := MailPageView{Messages: make([]MailSummary, 0, len(p.Messages)), NextCursor: p.Next, Counts: p.Counts}
	for _, m := range p.Messages {
		v.Messages = append(v.Messages, summarize(m))
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
