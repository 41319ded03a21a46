package api

import (
	"net/http"

	"cityhub/identity"
	"cityhub/participation"
	"cityhub/web/httpx"
)

// Proposals: a citizen proposes, others support it once each, comment and
// follow it; past its threshold the city answers publicly. Administrators
// answer, moderate flagged comments and issue Open311 API keys.

// handleCreateProposal is POST /api/v1/proposals.
func (h *participationHandler) handleCreateProposal(w http.ResponseWriter, r *http.Request) {
	c, err := httpx.Caller(r)
	if err != nil {
		httpx.WriteError(h.log, w, r, err)
		return
	}
	var in participation.NewProposal
	if err := httpx.DecodeJSON(w, r, &in); err != nil {
		httpx.WriteError(h.log, w, r, err)
		return
	}
	p, err := h.svc.CreateProposal(r.Context(), c, in)
	if err != nil {
		httpx.WriteError(h.log, w, r, err)
		return
	}
	w.Header().Set("Location", "/api/v1/proposals/"+p.ID)
	httpx.WriteJSON(w, http.StatusCreated, p.Public())
}

// handleProposals is GET /api/v1/proposals: newest first, a page at a time.
func (h *participationHandler) handleProposals(w http.ResponseWriter, r *http.Request) {
	cursor, limit, err := pageQuery(r)
	if err != nil {
		httpx.WriteError(h.log, w, r, err)
		return
	}
	ps, err := h.svc.Proposals(r.Context(), cursor, limit)
	if err != nil {
		httpx.WriteError(h.log, w, r, err)
		return
	}
	next := ""
	if len(ps) == limit {
		next = ps[len(ps)-1].ID
	}
	httpx.WriteJSON(w, http.StatusOK, map[string]any{"proposals": ps, "next_cursor": next})
}

// handleProposal is GET /api/v1/proposals/{id}.
func (h *participationHandler) handleProposal(w http.ResponseWriter, r *http.Request) {
	p, err := h.svc.Proposal(r.Context(), r.PathValue("id"))
	if err != nil {
		httpx.WriteError(h.log, w, r, err)
		return
	}
	httpx.WriteJSON(w, http.StatusOK, p)
}

// handleSupportProposal is POST /api/v1/proposals/{id}/support: once per
// citizen; supporting again answers added=false and counts nothing.
func (h *participationHandler) handleSupportProposal(w http.ResponseWriter, r *http.Request) {
	c, err := httpx.Caller(r)
	if err != nil {
		httpx.WriteError(h.log, w, r, err)
		return
	}
	p, added, err := h.svc.Support(r.Context(), c, r.PathValue("id"))
	if err != nil {
		httpx.WriteError(h.log, w, r, err)
		return
	}
	httpx.WriteJSON(w, http.StatusOK, SupportResult{Proposal: p, Added: added})
}

// SupportResult is the answer to a support: the proposal as it stands and
// whether this call added the caller's support.
type SupportResult struct {
	Proposal participation.PublicProposal `json:"proposal"`
	Added    bool                         `json:"added"`
}

// followRequest starts or stops following a proposal.
type followRequest struct {
	Follow bool `json:"follow"`
}

// handleFollowProposal is PUT /api/v1/proposals/{id}/follow.
func (h *participationHandler) handleFollowProposal(w http.ResponseWriter, r *http.Request) {
	c, err := httpx.Caller(r)
	if err != nil {
		httpx.WriteError(h.log, w, r, err)
		return
	}
	var in followRequest
	if err := httpx.DecodeJSON(w, r, &in); err != nil {
		httpx.WriteError(h.log, w, r, err)
		return
	}
	if err := h.svc.Follow(r.Context(), c, r.PathValue("id"), in.Follow); err != nil {
		httpx.WriteError(h.log, w, r, err)
		return
	}
	httpx.WriteJSON(w, http.StatusOK, in)
}

// handleComments is GET /api/v1/proposals/{id}/comments: oldest first.
func (h *participationHandler) handleComments(w http.ResponseWriter, r *http.Request) {
	cursor, limit, err := pageQuery(r)
	if err != nil {
		httpx.WriteError(h.log, w, r, err)
		return
	}
	cs, err := h.svc.Comments(r.Context(), r.PathValue("id"), cursor, limit)
	if err != nil {
		httpx.WriteError(h.log, w, r, err)
		return
	}
	next := ""
	if len(cs) == limit {
		next = cs[len(cs)-1].ID
	}
	httpx.WriteJSON(w, http.StatusOK, map[string]any{"comments": cs, "next_cursor": next})
}

// commentRequest is a comment's text.
type commentRequest struct {
	Body string `json:"body"`
}

// handleAddComment is POST /api/v1/proposals/{id}/comments.
func (h *participationHandler) handleAddComment(w http.ResponseWriter, r *http.Request) {
	c, err := httpx.Caller(r)
	if err != nil {
		httpx.WriteError(h.log, w, r, err)
		return
	}
	var in commentRequest
	if err := httpx.DecodeJSON(w, r, &in); err != nil {
		httpx.WriteError(h.log, w, r, err)
		return
	}
	cm, err := h.svc.AddComment(r.Context(), c, r.PathValue("id"), in.Body)
	if err != nil {
		httpx.WriteError(h.log, w, r, err)
		return
	}
	httpx.WriteJSON(w, http.StatusCreated, participation.PublicComment{ID: cm.ID, AuthorName: cm.AuthorName, Body: cm.Body, CreatedAt: cm.CreatedAt})
}

// handleFlagComment is POST /api/v1/comments/{id}/flag: a signed-in
// person reports an abusive comment; it stays visible until moderated.
func (h *participationHandler) handleFlagComment(w http.ResponseWriter, r *http.Request) {
	c, err := httpx.Caller(r)
	if err != nil {
		httpx.WriteError(h.log, w, r, err)
		return
	}
	var in reasonRequest
	if err := httpx.DecodeJSON(w, r, &in); err != nil {
		httpx.WriteError(h.log, w, r, err)
		return
	}
	if err := h.svc.FlagComment(r.Context(), c, r.PathValue("id"), in.Reason); err != nil {
		httpx.WriteError(h.log, w, r, err)
		return
	}
	w.WriteHeader(http.StatusNoContent)
}

// answerRequest is the city's public answer to a proposal.
type answerRequest struct {
	Answer string `json:"answer"`
}

// handleAnswerProposal is POST /api/v1/admin/proposals/{id}/answer.
func (h *participationHandler) handleAnswerProposal(w http.ResponseWriter, r *http.Request) {
	c, err := httpx.RequireRole(r, identity.RoleAdmin)
	if err != nil {
		httpx.WriteError(h.log, w, r, err)
		return
	}
	var in answerRequest
	if err := httpx.DecodeJSON(w, r, &in); err != nil {
		httpx.WriteError(h.log, w, r, err)
		return
	}
	p, err := h.svc.Answer(r.Context(), c, r.PathValue("id"), in.Answer)
	if err != nil {
		httpx.WriteError(h.log, w, r, err)
		return
	}
	httpx.WriteJSON(w, http.StatusOK, p)
}

// handleAwaitingProposals is GET /api/v1/admin/proposals/awaiting: past
// their threshold and unanswered, the longest waiting first.
func (h *participationHandler) handleAwaitingProposals(w http.ResponseWriter, r *http.Request) {
	c, err := httpx.RequireRole(r, identity.RoleAdmin)
	if err != nil {
		httpx.WriteError(h.log, w, r, err)
		return
	}
	cursor, limit, err := pageQuery(r)
	if err != nil {
		httpx.WriteError(h.log, w, r, err)
		return
	}
	ps, err := h.svc.AwaitingAnswer(r.Context(), c, cursor, limit)
	if err != nil {
		httpx.WriteError(h.log, w, r, err)
		return
	}
	out := make([]participation.PublicProposal, len(ps))
	for i, p := range ps {
		out[i] = p.Public()
	}
	httpx.WriteJSON(w, http.StatusOK, map[string]any{"proposals": out})
}

// handleFlaggedComments is GET /api/v1/admin/comments/flagged.
func (h *participationHandler) handleFlaggedComments(w http.ResponseWriter, r *http.Request) {
	c, err := httpx.RequireRole(r, identity.RoleAdmin)
	if err != nil {
		httpx.WriteError(h.log, w, r, err)
		return
	}
	cs, err := h.svc.FlaggedComments(r.Context(), c)
	if err != nil {
		httpx.WriteError(h.log, w, r, err)
		return
	}
	httpx.WriteJSON(w, http.StatusOK, map[string]any{"comments": cs})
}

// handleModerateComment is PUT /api/v1/admin/comments/{id}/state: hidden,
// or visible (the flags cleared).
func (h *participationHandler) handleModerateComment(w http.ResponseWriter, r *http.Request) {
	c, err := httpx.RequireRole(r, identity.RoleAdmin)
	if err != nil {
		httpx.WriteError(h.log, w, r, err)
		return
	}
	var in stateRequest
	if err := httpx.DecodeJSON(w, r, &in); err != nil {
		httpx.WriteError(h.log, w, r, err)
		return
	}
	if err := h.svc.ModerateComment(r.Context(), c, r.PathValue("id"), in.State); err != nil {
		httpx.WriteError(h.log, w, r, err)
		return
	}
	httpx.WriteJSON(w, http.StatusOK, map[string]any{"id": r.PathValue("id"), "state": in.State})
}

// apiKeyRequest names an Open311 client.
type apiKeyRequest struct {
	Name string `json:"name"`
}

// handleAPIKeys is GET /api/v1/admin/open311/keys (no secrets).
func (h *participationHandler) handleAPIKeys(w http.ResponseWriter, r *http.Request) {
	c, err := httpx.RequireRole(r, identity.RoleAdmin)
	if err != nil {
		httpx.WriteError(h.log, w, r, err)
		return
	}
	ks, err := h.svc.APIKeys(r.Context(), c)
	if err != nil {
		httpx.WriteError(h.log, w, r, err)
		return
	}
	httpx.WriteJSON(w, http.StatusOK, map[string]any{"keys": ks})
}

// handleIssueAPIKey is POST /api/v1/admin/open311/keys: the key is in this
// answer only (not kept for an Idempotency-Key replay).
func (h *participationHandler) handleIssueAPIKey(w http.ResponseWriter, r *http.Request) {
	c, err := httpx.RequireRole(r, identity.RoleAdmin)
	if err != nil {
		httpx.WriteError(h.log, w, r, err)
		return
	}
	var in apiKeyRequest
	if err := httpx.DecodeJSON(w, r, &in); err != nil {
		httpx.WriteError(h.log, w, r, err)
		return
	}
	k, err := h.svc.IssueAPIKey(r.Context(), c, in.Name)
	if err != nil {
		httpx.WriteError(h.log, w, r, err)
		return
	}
	httpx.WriteJSON(w, http.StatusCreated, k)
}

// handleRevokeAPIKey is DELETE /api/v1/admin/open311/keys/{id}.
func (h *participationHandler) handleRevokeAPIKey(w http.ResponseWriter, r *http.Request) {
	c, err := httpx.RequireRole(r, identity.RoleAdmin)
	if err != nil {
		httpx.WriteError(h.log, w, r, err)
		return
	}
	if err := h.svc.RevokeAPIKey(r.Context(), c, r.PathValue("id")); err != nil {
		httpx.WriteError(h.log, w, r, err)
		return
	}
	w.WriteHeader(http.StatusNoContent)
}
