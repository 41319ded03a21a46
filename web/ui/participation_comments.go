package ui

import (
	"context"
	"log/slog"
	"net/http"
	"net/url"
	"slices"
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
// before, each of which may be shown again; both a page at a time.
type flaggedData struct {
	Comments []flaggedRow
	Hidden   []flaggedRow
	Done     string
	// FlaggedNext is the page of the queue after this one, and
	// FlaggedFirst the first, when this is not it; HiddenNext and
	// HiddenFirst the same of the hidden comments; "" when there is none.
	FlaggedNext, FlaggedFirst string
	HiddenNext, HiddenFirst   string
	// Back is this page's address with its place in both lists
	// (moderationPlace), which its forms post back as "back".
	Back string
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

// moderationPageSize is how many comments a page of the queue, or of the
// hidden comments, shows unless the list's limit says; and how many photos
// a page of those awaiting moderation shows.
const moderationPageSize = 50

// moderationList is one of the page's two lists and the parameters of its
// place: the queue's (?flagged_cursor=, ?flagged_limit=) and the hidden
// comments' (?cursor=, ?limit=, as when they were the page's one paged
// list), so that either list moves a page while the other stays.
type moderationList struct {
	cursor, limit, anchor string
	read                  func(*participation.Service, context.Context, identity.Caller, string, int) ([]participation.Comment, error)
}

var (
	flaggedList = moderationList{"flagged_cursor", "flagged_limit", "", (*participation.Service).FlaggedComments}
	hiddenList  = moderationList{"cursor", "limit", "#hidden", (*participation.Service).HiddenComments}
)

// at is the list's cursor in q (the hidden comments' also ?before=, as
// pageCursor reads it).
func (l moderationList) at(q url.Values) string {
	if l.cursor == "cursor" && q.Get("cursor") == "" {
		return q.Get("before")
	}
	return q.Get(l.cursor)
}

// page reads the page of the list q asks for: its comments, the next
// page's cursor ("" on the last) and the page's size. Its cursor or size
// given twice is Invalid (duplicate_field), as on every paged list.
func (l moderationList) page(r *http.Request, svc *participation.Service, c identity.Caller, q url.Values) ([]participation.Comment, string, int, error) {
	place := []string{l.cursor, l.limit}
	if l.cursor == "cursor" {
		place = append(place, "before")
	}
	if err := httpx.Once(q, place...); err != nil {
		return nil, "", 0, err
	}
	limit, err := httpx.Limit(url.Values{"limit": {q.Get(l.limit)}}, moderationPageSize, participation.MaxListLimit)
	if err != nil {
		return nil, "", 0, err
	}
	cs, next, err := paging.Read(l.at(q), limit, participation.MaxListLimit, func(cursor string, n int) ([]participation.Comment, error) {
		return l.read(svc, r.Context(), c, cursor, n)
	}, func(x participation.Comment) string { return x.ID })
	return cs, next, limit, err
}

// link is the page with the list at cursor (its first page when ""), its
// page size kept when q named it, and the other list where q has it.
func (l moderationList) link(q url.Values, limit int, cursor string, other moderationList) string {
	keep := url.Values{}
	if v := other.at(q); v != "" {
		keep.Set(other.cursor, v)
	}
	if v := q.Get(other.limit); v != "" {
		keep.Set(other.limit, v)
	}
	if q.Get(l.limit) != "" {
		keep.Set(l.limit, strconv.Itoa(limit))
	}
	if cursor != "" {
		keep.Set(l.cursor, cursor)
	}
	return strings.TrimSuffix("/staff/comments?"+keep.Encode(), "?") + l.anchor
}

// moderationPlace is where in both lists the page in q is: each list's
// cursor and page size, as q names them. The page's moderation forms post
// it back (in its address, the field "back": placeOf), and the moderation
// returns there, so that a moderator acting on a later page goes on from
// that page rather than from the lists' first.
func moderationPlace(q url.Values) url.Values {
	place := url.Values{}
	for _, l := range []moderationList{flaggedList, hiddenList} {
		if v := l.at(q); v != "" {
			place.Set(l.cursor, v)
		}
		if v := q.Get(l.limit); v != "" {
			place.Set(l.limit, v)
		}
	}
	return place
}

// placeOf is the place of the moderation page a form posted from, as its
// field "back" gives it: none (the first pages) when back is not that
// page's address. Only the lists' parameters are taken from it; a value
// that is not one they take gets the page's refusal, with its link to the
// first page, as the same link would.
func placeOf(r *http.Request) url.Values {
	u, err := url.Parse(r.PostFormValue("back"))
	if err != nil || u.IsAbs() || u.Host != "" || u.Path != "/staff/comments" {
		return url.Values{}
	}
	return moderationPlace(u.Query())
}

// moderationPage is the page at place, saying done when not "", with
// anchor ("" or "#hidden"). A comment moderated leaves its list, so the
// page holds the comments after it in its place; when it was the page's
// last one, the page says that no more follow and links the first.
func moderationPage(place url.Values, done, anchor string) string {
	q := url.Values{}
	for k, v := range place {
		q[k] = v
	}
	if done != "" {
		q.Set("done", done)
	}
	return strings.TrimSuffix("/staff/comments?"+q.Encode(), "?") + anchor
}

// handleFlaggedComments lists the comments reported as abusive, oldest
// first, each with its proposal, how many citizens reported it and the
// reasons they gave; then the hidden comments, oldest first, to show one
// again. Each list comes a page at a time, its links keeping the other
// list's place.
func (p *participationPages) handleFlaggedComments(w http.ResponseWriter, r *http.Request, c identity.Caller) {
	q := r.URL.Query()
	// A page size outside the bounds, or a cursor the list never gave, is
	// a link gone bad: the error page, with the link to the list's first
	// page.
	cs, flaggedNext, flaggedLimit, err := flaggedList.page(r, p.svc, c, q)
	if err != nil {
		p.pagingRefused(w, r, err, "/staff/comments")
		return
	}
	hidden, hiddenNext, hiddenLimit, err := hiddenList.page(r, p.svc, c, q)
	if err != nil {
		p.pagingRefused(w, r, err, "/staff/comments#hidden")
		return
	}
	d := flaggedData{}
	if done := q.Get("done"); done == "hidden" || done == "kept" || done == "shown" {
		d.Done = done
	}
	if flaggedList.at(q) != "" {
		d.FlaggedFirst = flaggedList.link(q, flaggedLimit, "", hiddenList)
	}
	if flaggedNext != "" {
		d.FlaggedNext = flaggedList.link(q, flaggedLimit, flaggedNext, hiddenList)
	}
	if hiddenList.at(q) != "" {
		d.HiddenFirst = hiddenList.link(q, hiddenLimit, "", flaggedList)
	}
	if hiddenNext != "" {
		d.HiddenNext = hiddenList.link(q, hiddenLimit, hiddenNext, flaggedList)
	}
	d.Back = moderationPage(moderationPlace(q), "", "")
	// The proposals' titles of both lists in one read, not one a row.
	var proposals []string
	for _, cm := range slices.Concat(cs, hidden) {
		proposals = append(proposals, cm.ProposalID)
	}
	titles, err := p.svc.ProposalTitles(r.Context(), proposals)
	if err != nil {
		// The proposals then show by their ids: the comments still need
		// moderating.
		p.log.ErrorContext(r.Context(), "read the titles of the moderated comments' proposals", slog.Any("error", err))
	}
	rows := func(cs []participation.Comment) []flaggedRow {
		var out []flaggedRow
		for _, cm := range cs {
			out = append(out, flaggedRow{Comment: cm, ProposalTitle: titles[cm.ProposalID]})
		}
		return out
	}
	d.Comments, d.Hidden = rows(cs), rows(hidden)
	p.render(w, r, http.StatusOK, "participation_comments", "staffreports", d)
}

// handleModerateComment hides a reported comment, after confirmation, or
// keeps it visible and dismisses its reports; then back to the page of the
// queue the form was on (the place it posted as "back"), which its
// confirmation posts on and links back to.
func (p *participationPages) handleModerateComment(w http.ResponseWriter, r *http.Request, c identity.Caller) {
	state, place := r.PostFormValue("state"), placeOf(r)
	if state == participation.CommentHidden && r.PostFormValue("confirm") != "yes" {
		// The confirmation quotes the comment, so that the moderator sees
		// what they are about to hide, not only its id.
		cm, err := p.svc.ModeratedComment(r.Context(), c, r.PathValue("id"))
		if err != nil {
			p.pageError(w, r, err)
			return
		}
		back := moderationPage(place, "", "")
		p.confirmQuoting(w, withFormPage(r, back), p.locale(r).T("part.confirm.hide_comment"), back, &confirmQuote{Author: cm.AuthorName, Body: excerpt(cm.Body, quoteLen)})
		return
	}
	if err := p.svc.ModerateComment(r.Context(), c, r.PathValue("id"), state); err != nil {
		p.pageError(w, r, err)
		return
	}
	http.Redirect(w, r, moderationPage(place, commentDone[state], ""), http.StatusSeeOther)
}

// handleShowComment shows a hidden comment again; then back to the page of
// the hidden comments the form was on, which says so.
func (p *participationPages) handleShowComment(w http.ResponseWriter, r *http.Request, c identity.Caller) {
	if _, err := p.svc.ShowComment(r.Context(), c, r.PathValue("id")); err != nil {
		p.pageError(w, r, err)
		return
	}
	http.Redirect(w, r, moderationPage(placeOf(r), "shown", "#hidden"), http.StatusSeeOther)
}
