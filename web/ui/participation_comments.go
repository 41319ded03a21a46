package ui

import (
	"net/http"

	"cityhub/identity"
	"cityhub/participation"
)

// The moderation of comments citizens reported as abusive: a queue, oldest
// first, where a moderator hides a comment (after confirmation) or keeps it
// visible, dismissing its reports. Who moderates is the participation
// service's decision (city administrators); the page shows what it allows.

func init() { pageViews = append(pageViews, "participation_comments") }

// flaggedData is the moderation queue, and below it the comments hidden
// before, each of which may be shown again.
type flaggedData struct {
	Comments []flaggedRow
	Hidden   []flaggedRow
	Done     string
}

// flaggedRow is a reported comment with the proposal it was left on.
type flaggedRow struct {
	participation.Comment
	ProposalTitle string
}

// commentDone says what a moderation did, for the page it returns to.
var commentDone = map[string]string{participation.CommentHidden: "hidden", participation.CommentVisible: "kept"}

// handleFlaggedComments lists the comments reported as abusive, oldest
// first, each with its proposal, how many citizens reported it and the
// reasons they gave; then the hidden comments, to show one again.
func (p *participationPages) handleFlaggedComments(w http.ResponseWriter, r *http.Request, c identity.Caller) {
	cs, err := p.svc.FlaggedComments(r.Context(), c)
	if err != nil {
		p.pageError(w, r, err)
		return
	}
	hidden, err := p.svc.HiddenComments(r.Context(), c)
	if err != nil {
		p.pageError(w, r, err)
		return
	}
	d := flaggedData{}
	if done := r.URL.Query().Get("done"); done == "hidden" || done == "kept" || done == "shown" {
		d.Done = done
	}
	titles := map[string]string{}
	rows := func(cs []participation.Comment) []flaggedRow {
		var out []flaggedRow
		for _, cm := range cs {
			title, ok := titles[cm.ProposalID]
			if !ok {
				// A proposal that cannot be read shows by its id: the
				// comment still needs moderating.
				if pr, err := p.svc.Proposal(r.Context(), cm.ProposalID); err == nil {
					title = pr.Title
				}
				titles[cm.ProposalID] = title
			}
			out = append(out, flaggedRow{Comment: cm, ProposalTitle: title})
		}
		return out
	}
	d.Comments, d.Hidden = rows(cs), rows(hidden)
	p.render(w, r, http.StatusOK, "participation_comments", "staffreports", d)
}

// handleModerateComment hides a reported comment, after confirmation, or
// keeps it visible and dismisses its reports; then back to the queue.
func (p *participationPages) handleModerateComment(w http.ResponseWriter, r *http.Request, c identity.Caller) {
	state := r.PostFormValue("state")
	if state == participation.CommentHidden && !p.confirmed(w, r, p.locale(r).T("part.confirm.hide_comment"), "/staff/comments") {
		return
	}
	if err := p.svc.ModerateComment(r.Context(), c, r.PathValue("id"), state); err != nil {
		p.pageError(w, r, err)
		return
	}
	http.Redirect(w, r, "/staff/comments?done="+commentDone[state], http.StatusSeeOther)
}

// handleShowComment shows a hidden comment again; then back to the page,
// which says so.
func (p *participationPages) handleShowComment(w http.ResponseWriter, r *http.Request, c identity.Caller) {
	if _, err := p.svc.ShowComment(r.Context(), c, r.PathValue("id")); err != nil {
		p.pageError(w, r, err)
		return
	}
	http.Redirect(w, r, "/staff/comments?done=shown#hidden", http.StatusSeeOther)
}
