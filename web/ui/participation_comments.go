package ui

import (
	"net/http"
	"net/url"
	"strconv"
	"strings"

	"cityhub/identity"
	"cityhub/paging"
	"cityhub/participation"
	"cityhub/web/httpx"
)

// The moderation of comments citizens reported as abusive: a queue, oldest
// first, where a moderator hides a comment (after confirmation) or keeps it
// visible, dismissing its reports. Who moderates is the participation
// service's decision (city administrators); the page shows what it allows.

func init() { pageViews = append(pageViews, "participation_comments") }

// flaggedData is the moderation queue, and below it the comments hidden
// before, a page at a time, each of which may be shown again.
type flaggedData struct {
	Comments []flaggedRow
	Hidden   []flaggedRow
	Done     string
	// HiddenNext is the page of hidden comments after this one, and
	// HiddenFirst the first, when this is not it; "" when there is none.
	HiddenNext, HiddenFirst string
}

// flaggedRow is a reported comment with the proposal it was left on.
type flaggedRow struct {
	participation.Comment
	ProposalTitle string
}

// commentDone says what a moderation did, for the page it returns to.
var commentDone = map[string]string{participation.CommentHidden: "hidden", participation.CommentVisible: "kept"}

// quoteLen is how many characters of a comment its confirmation quotes.
const quoteLen = 300

// hiddenPage is how many hidden comments a page shows unless ?limit= says.
const hiddenPage = 50

// handleFlaggedComments lists the comments reported as abusive, oldest
// first, each with its proposal, how many citizens reported it and the
// reasons they gave; then the hidden comments, oldest first, a page at a
// time (?cursor=, ?limit=), to show one again.
func (p *participationPages) handleFlaggedComments(w http.ResponseWriter, r *http.Request, c identity.Caller) {
	cs, err := p.svc.FlaggedComments(r.Context(), c)
	if err != nil {
		p.pageError(w, r, err)
		return
	}
	q := r.URL.Query()
	// A page size outside the bounds, or a cursor the list never gave, is
	// a link gone bad: the error page, with the link to the first page.
	limit, err := httpx.Limit(q, hiddenPage, participation.MaxListLimit)
	var hidden []participation.Comment
	var next string
	if err == nil {
		hidden, next, err = paging.Read(pageCursor(q), limit, participation.MaxListLimit, func(cursor string, n int) ([]participation.Comment, error) {
			return p.svc.HiddenComments(r.Context(), c, cursor, n)
		}, func(x participation.Comment) string { return x.ID })
	}
	if err != nil {
		p.pagingRefused(w, r, err, "/staff/comments#hidden")
		return
	}
	d := flaggedData{}
	if done := q.Get("done"); done == "hidden" || done == "kept" || done == "shown" {
		d.Done = done
	}
	keep := url.Values{}
	if q.Get("limit") != "" {
		keep.Set("limit", strconv.Itoa(limit))
	}
	if pageCursor(q) != "" {
		d.HiddenFirst = strings.TrimSuffix("/staff/comments?"+keep.Encode(), "?") + "#hidden"
	}
	if next != "" {
		keep.Set("cursor", next)
		d.HiddenNext = "/staff/comments?" + keep.Encode() + "#hidden"
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
	if state == participation.CommentHidden && r.PostFormValue("confirm") != "yes" {
		// The confirmation quotes the comment, so that the moderator sees
		// what they are about to hide, not only its id.
		cm, err := p.svc.ModeratedComment(r.Context(), c, r.PathValue("id"))
		if err != nil {
			p.pageError(w, r, err)
			return
		}
		p.confirmQuoting(w, r, p.locale(r).T("part.confirm.hide_comment"), "/staff/comments", &confirmQuote{Author: cm.AuthorName, Body: excerpt(cm.Body, quoteLen)})
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
