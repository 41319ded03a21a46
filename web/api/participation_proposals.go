package api

import (
	"net/http"

	"cityhub/apperr"
	"cityhub/identity"
	"cityhub/participation"
)

// Proposals: a citizen proposes, others support it once each, comment and
// follow it; past its threshold the city answers publicly. Administrators
// answer, moderate flagged comments and issue Open311 API keys. The
// participation service decides who may do each.

// handleCreateProposal is POST /api/v1/proposals.
func (h *participationHandler) handleCreateProposal(w http.ResponseWriter, r *http.Request) {
	answerBody(h.log, w, r, http.StatusCreated, func(c identity.Caller, in participation.NewProposal) (participation.PublicProposal, error) {
		p, err := h.svc.CreateProposal(r.Context(), c, in)
		if err != nil {
			return participation.PublicProposal{}, err
		}
		w.Header().Set("Location", "/api/v1/proposals/"+p.ID)
		return p.Public(), nil
	})
}

// handleProposals is GET /api/v1/proposals: newest first, a page at a time.
func (h *participationHandler) handleProposals(w http.ResponseWriter, r *http.Request) {
	answer(h.log, w, r, http.StatusOK, func() (map[string]any, error) {
		return listPage(r, "proposals", func(cursor string, limit int) ([]participation.PublicProposal, error) {
			return h.svc.Proposals(r.Context(), cursor, limit)
		}, func(p participation.PublicProposal) string { return p.ID })
	})
}

// handleProposal is GET /api/v1/proposals/{id}.
func (h *participationHandler) handleProposal(w http.ResponseWriter, r *http.Request) {
	answer(h.log, w, r, http.StatusOK, func() (participation.PublicProposal, error) {
		return h.svc.Proposal(r.Context(), r.PathValue("id"))
	})
}

// handleSupportProposal is POST /api/v1/proposals/{id}/support: once per
// citizen; supporting again answers added=false and counts nothing.
func (h *participationHandler) handleSupportProposal(w http.ResponseWriter, r *http.Request) {
	answerCaller(h.log, w, r, http.StatusOK, func(c identity.Caller) (SupportResult, error) {
		p, added, err := h.svc.Support(r.Context(), c, r.PathValue("id"))
		return SupportResult{Proposal: p, Added: added}, err
	})
}

// SupportResult is the answer to a support: the proposal as it stands and
// whether this call added the caller's support.
type SupportResult struct {
	Proposal participation.PublicProposal `json:"proposal"`
	Added    bool                         `json:"added"`
}

// followRequest starts or stops following a proposal; it is also the
// answer. Follow is required.
type followRequest struct {
	Follow *bool `json:"follow"`
}

// handleFollowProposal is PUT /api/v1/proposals/{id}/follow.
func (h *participationHandler) handleFollowProposal(w http.ResponseWriter, r *http.Request) {
	answerBody(h.log, w, r, http.StatusOK, func(c identity.Caller, in followRequest) (followRequest, error) {
		follow, err := required("follow", in.Follow)
		if err != nil {
			return followRequest{}, err
		}
		return in, h.svc.Follow(r.Context(), c, r.PathValue("id"), follow)
	})
}

// handleComments is GET /api/v1/proposals/{id}/comments: oldest first,
// participation.DefaultCommentPage at a time unless ?limit= (1 to
// participation.MaxCommentPage) says otherwise.
func (h *participationHandler) handleComments(w http.ResponseWriter, r *http.Request) {
	answer(h.log, w, r, http.StatusOK, func() (map[string]any, error) {
		return listPageSized(r, participation.DefaultCommentPage, participation.MaxCommentPage, "comments", func(cursor string, limit int) ([]participation.PublicComment, error) {
			return h.svc.Comments(r.Context(), r.PathValue("id"), cursor, limit)
		}, func(c participation.PublicComment) string { return c.ID })
	})
}

// commentRequest is a comment's text.
type commentRequest struct {
	Body string `json:"body"`
}

// handleAddComment is POST /api/v1/proposals/{id}/comments.
func (h *participationHandler) handleAddComment(w http.ResponseWriter, r *http.Request) {
	answerBody(h.log, w, r, http.StatusCreated, func(c identity.Caller, in commentRequest) (participation.PublicComment, error) {
		cm, err := h.svc.AddComment(r.Context(), c, r.PathValue("id"), in.Body)
		return participation.PublicComment{ID: cm.ID, AuthorName: cm.AuthorName, Body: cm.Body, CreatedAt: cm.CreatedAt}, err
	})
}

// handleFlagComment is POST /api/v1/comments/{id}/flag: a signed-in
// person reports an abusive comment; it stays visible until moderated.
func (h *participationHandler) handleFlagComment(w http.ResponseWriter, r *http.Request) {
	answerBody(h.log, w, r, http.StatusNoContent, func(c identity.Caller, in reasonRequest) (noContent, error) {
		if err := h.svc.RequireCitizen(c); err != nil {
			return noContent{}, err
		}
		reason, err := required("reason", in.Reason)
		if err != nil {
			return noContent{}, err
		}
		return noContent{}, h.svc.FlagComment(r.Context(), c, r.PathValue("id"), reason)
	})
}

// answerRequest is the city's public answer to a proposal.
type answerRequest struct {
	Answer string `json:"answer"`
}

// handleAnswerProposal is POST /api/v1/admin/proposals/{id}/answer.
func (h *participationHandler) handleAnswerProposal(w http.ResponseWriter, r *http.Request) {
	answerBody(h.log, w, r, http.StatusOK, func(c identity.Caller, in answerRequest) (participation.PublicProposal, error) {
		return h.svc.Answer(r.Context(), c, r.PathValue("id"), in.Answer)
	})
}

// handleAwaitingProposals is GET /api/v1/admin/proposals/awaiting: past
// their threshold and unanswered, the longest waiting first, a page at a
// time (next_cursor, as the other lists).
func (h *participationHandler) handleAwaitingProposals(w http.ResponseWriter, r *http.Request) {
	answerCaller(h.log, w, r, http.StatusOK, func(c identity.Caller) (map[string]any, error) {
		return listPage(r, "proposals", func(cursor string, limit int) ([]participation.PublicProposal, error) {
			ps, err := h.svc.AwaitingAnswer(r.Context(), c, cursor, limit)
			out := make([]participation.PublicProposal, len(ps))
			for i, p := range ps {
				out[i] = p.Public()
			}
			return out, err
		}, func(p participation.PublicProposal) string { return p.ID })
	})
}

// handleFlaggedComments is GET /api/v1/admin/comments/flagged: the
// moderators' queue, oldest first, a page at a time (next_cursor, as the
// other lists).
func (h *participationHandler) handleFlaggedComments(w http.ResponseWriter, r *http.Request) {
	answerCaller(h.log, w, r, http.StatusOK, func(c identity.Caller) (map[string]any, error) {
		return listPage(r, "comments", func(cursor string, limit int) ([]participation.Comment, error) {
			return h.svc.FlaggedComments(r.Context(), c, cursor, limit)
		}, func(cm participation.Comment) string { return cm.ID })
	})
}

// handleHiddenComments is GET /api/v1/admin/comments/hidden: the
// comments moderators hid, which one may show again, oldest first, a page
// at a time (next_cursor, as the other lists).
func (h *participationHandler) handleHiddenComments(w http.ResponseWriter, r *http.Request) {
	answerCaller(h.log, w, r, http.StatusOK, func(c identity.Caller) (map[string]any, error) {
		return listPage(r, "comments", func(cursor string, limit int) ([]participation.Comment, error) {
			return h.svc.HiddenComments(r.Context(), c, cursor, limit)
		}, func(cm participation.Comment) string { return cm.ID })
	})
}

// handleShowComment is POST /api/v1/admin/comments/{id}/show: a hidden
// comment shown again; the answer gives the state it is now in.
func (h *participationHandler) handleShowComment(w http.ResponseWriter, r *http.Request) {
	answerCaller(h.log, w, r, http.StatusOK, func(c identity.Caller) (map[string]any, error) {
		state, err := h.svc.ShowComment(r.Context(), c, r.PathValue("id"))
		return map[string]any{"id": r.PathValue("id"), "state": state}, err
	})
}

// handleModerateComment is PUT /api/v1/admin/comments/{id}/state: hidden,
// or visible (the flags cleared) for a comment that is not hidden; a
// hidden one is shown again by POST .../show alone, which the refusal
// names.
func (h *participationHandler) handleModerateComment(w http.ResponseWriter, r *http.Request) {
	answerBody(h.log, w, r, http.StatusOK, func(c identity.Caller, in stateRequest) (map[string]any, error) {
		id := r.PathValue("id")
		err := h.svc.ModerateComment(r.Context(), c, id, in.State)
		if apperr.ReasonOf(err) == "comment_hidden" {
			err = apperr.R(apperr.Conflict, "comment_hidden", "The comment is hidden: show it again with POST /api/v1/admin/comments/%s/show.", id)
		}
		return map[string]any{"id": id, "state": in.State}, err
	})
}

// apiKeyRequest names an Open311 client.
type apiKeyRequest struct {
	Name string `json:"name"`
}

// handleAPIKeys is GET /api/v1/admin/open311/keys (no secrets).
func (h *participationHandler) handleAPIKeys(w http.ResponseWriter, r *http.Request) {
	answerCaller(h.log, w, r, http.StatusOK, func(c identity.Caller) (map[string]any, error) {
		ks, err := h.svc.APIKeys(r.Context(), c)
		return map[string]any{"keys": ks}, err
	})
}

// handleIssueAPIKey is POST /api/v1/admin/open311/keys: the key is in this
// answer only (not kept for an Idempotency-Key replay).
func (h *participationHandler) handleIssueAPIKey(w http.ResponseWriter, r *http.Request) {
	answerBody(h.log, w, r, http.StatusCreated, func(c identity.Caller, in apiKeyRequest) (participation.IssuedAPIKey, error) {
		return h.svc.IssueAPIKey(r.Context(), c, in.Name)
	})
}

// handleRevokeAPIKey is DELETE /api/v1/admin/open311/keys/{id}.
func (h *participationHandler) handleRevokeAPIKey(w http.ResponseWriter, r *http.Request) {
	answerCaller(h.log, w, r, http.StatusNoContent, func(c identity.Caller) (noContent, error) {
		return noContent{}, h.svc.RevokeAPIKey(r.Context(), c, r.PathValue("id"))
	})
}
