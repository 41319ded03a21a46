package ui

import (
	"context"
	"net/http"
	"net/url"

	"cityhub/apperr"
	"cityhub/identity"
	"cityhub/ids"
	"cityhub/paging"
	"cityhub/participation"
	"cityhub/web/httpx"
)

// proposalsData is the list of proposals.
type proposalsData struct {
	Proposals []participation.PublicProposal
	Next      string
}

// handleProposals lists proposals, newest first; anyone may read them.
func (p *participationPages) handleProposals(w http.ResponseWriter, r *http.Request, c identity.Caller) {
	const limit = 50
	ps, next, err := readPage(r.URL.Query(), limit, func(cursor string, n int) ([]participation.PublicProposal, error) {
		return p.svc.Proposals(r.Context(), cursor, n)
	}, func(x participation.PublicProposal) string { return x.ID })
	if err != nil {
		p.pagingRefused(w, r, err, "/proposals")
		return
	}
	d := proposalsData{Proposals: ps}
	if next != "" {
		d.Next = "/proposals?cursor=" + url.QueryEscape(next)
	}
	p.render(w, r, http.StatusOK, "participation_proposals", "proposals", d)
}

// proposalForm is the new proposal form, as typed.
type proposalForm struct {
	Values  map[string]string
	Errors  map[string]string
	Problem string
}

// renderProposalForm shows the proposal form with values as typed and errs
// by their fields (the first of each), the rest above the form.
func (p *participationPages) renderProposalForm(w http.ResponseWriter, r *http.Request, status int, values map[string]string, errs ...error) {
	f := proposalForm{Values: values}
	f.Errors, f.Problem = fieldErrors(p.locale(r), errs, proposalFieldOf)
	p.render(w, r, status, "participation_proposal_new", "proposals", f)
}

// proposalFieldOf is the proposal form's field a refusal's reason is about.
func proposalFieldOf(reason string) string {
	return map[string]string{"bad_title": "title", "bad_body": "body"}[reason]
}

func (p *participationPages) handleProposalForm(w http.ResponseWriter, r *http.Request, c identity.Caller) {
	// The form's key makes it one proposal however often it is sent (a
	// double click, a reload that posts again).
	p.renderProposalForm(w, r, http.StatusOK, map[string]string{"key": ids.Token(12)})
}

// handleProposalCreate makes the citizen's proposal.
func (p *participationPages) handleProposalCreate(w http.ResponseWriter, r *http.Request, c identity.Caller) {
	values := map[string]string{"title": r.PostFormValue("title"), "body": r.PostFormValue("body"), "public_name": r.PostFormValue("public_name"),
		"key": r.PostFormValue("key")}
	n := participation.NewProposal{Title: values["title"], Body: values["body"], PublicName: values["public_name"] == "yes"}
	pr, _, err := p.svc.CreateProposalWithKey(r.Context(), c, values["key"], n)
	if err != nil {
		switch {
		case apperr.ReasonOf(err) == "idempotency_key_reused":
			// The form was sent before, and made a proposal; this is
			// another text (Back, an edit, Send). It is shown again,
			// typed text kept, under a fresh key: sent once more, it
			// makes a proposal of its own, never the first one changed.
			values["key"] = ids.Token(12)
			p.renderProposalForm(w, r, http.StatusConflict, values,
				apperr.R(apperr.Conflict, "proposal_form_sent", "This form was already sent and made a proposal; send it again to make another."))
			return
		case apperr.CodeOf(err) == apperr.Invalid:
			p.renderProposalForm(w, r, http.StatusBadRequest, values, append([]error{err}, p.svc.ProposalProblems(n)...)...)
			return
		}
		p.pageError(w, r, err)
		return
	}
	http.Redirect(w, r, "/proposals/"+pr.ID, http.StatusSeeOther)
}

// proposalPage is a proposal with its comments and what the caller may do.
type proposalPage struct {
	Proposal  participation.PublicProposal
	Comments  []participation.PublicComment
	Supports  bool
	Following bool
	Citizen   bool
	Admin     bool
	// Own and OwnComments are what the caller wrote: no support is
	// offered on their own proposal, no flag on their own comment (the
	// service refuses both); the page says why instead.
	Own         bool
	OwnComments map[string]bool
	Values      map[string]string
	Problem     string
	Done        string
	// Field is the form field the problem is about ("comment",
	// "answer", "reason"), whose input says so; empty for the page's
	// others.
	Field string
	// FlagFor is the comment whose report was refused (Field "reason"):
	// its report form is open, the reason as typed and the problem at it.
	FlagFor string
	// After is the comment the page's comments follow (empty: from the
	// first); More is the last one shown when later ones exist.
	After, More string
	// CommentKey is the comment form's one-time key (formOnce): a double
	// tap or a resent form posts one comment.
	CommentKey string
}

// proposalCommentPage is how many comments a proposal's page shows; a
// link leads to the later ones.
const proposalCommentPage = 100

// handleProposal is a proposal's page.
func (p *participationPages) handleProposal(w http.ResponseWriter, r *http.Request, c identity.Caller) {
	p.showProposal(w, r, c, r.PathValue("id"), http.StatusOK, "", nil, nil)
}

// field, when not empty, is the form field problem is about.
func (p *participationPages) showProposal(w http.ResponseWriter, r *http.Request, c identity.Caller, id string, status int, field string, values map[string]string, problem error) {
	// Two places in the comments are a link gone bad: the error page, with
	// the link to the proposal's first comments.
	if err := httpx.Once(r.URL.Query(), "after"); err != nil {
		p.pagingRefused(w, r, err, "/proposals/"+url.PathEscape(id))
		return
	}
	ctx := r.Context()
	pr, err := p.svc.Proposal(ctx, id)
	if err != nil {
		p.pageError(w, r, err)
		return
	}
	after := r.URL.Query().Get("after")
	cs, more, err := paging.Read(after, proposalCommentPage, participation.MaxCommentPage, func(cursor string, n int) ([]participation.PublicComment, error) {
		return p.svc.Comments(ctx, id, cursor, n)
	}, func(cm participation.PublicComment) string { return cm.ID })
	if err != nil {
		p.pageError(w, r, err)
		return
	}
	if values == nil {
		values = map[string]string{}
	}
	d := proposalPage{Proposal: pr, Comments: cs, Citizen: c.Has(identity.RoleCitizen), Admin: c.Has(identity.RoleAdmin),
		Values: values, Done: r.URL.Query().Get("done"), After: after, More: more, CommentKey: values["key"]}
	if d.CommentKey == "" || apperr.ReasonOf(problem) == "comment_form_sent" {
		// A refused comment keeps its key (a refusal is not kept, so the
		// text corrected runs under it); one whose key made another
		// comment gets a fresh one, to be a comment of its own.
		d.CommentKey = ids.Token(12)
	}
	if c.AccountID != "" {
		if d.Supports, err = p.svc.Supports(ctx, c, id); err != nil {
			p.pageError(w, r, err)
			return
		}
		if d.Following, err = p.svc.Following(ctx, c, id); err != nil {
			p.pageError(w, r, err)
			return
		}
		mine, err := p.svc.Authored(ctx, c, id)
		if err != nil {
			p.pageError(w, r, err)
			return
		}
		d.Own, d.OwnComments = mine.Proposal, mine.Comments
	}
	if problem != nil {
		d.Problem = p.locale(r).ErrorText(problem)
		d.Field = field
		if field == "reason" {
			// A report's reason, in the report form's own words; the
			// form is marked only when its comment is on the page.
			d.Problem = refusalText(p.locale(r), problem, "part.flag.err.")
			for _, cm := range cs {
				// One's own comment has no report form to lead to.
				if cm.ID == values["flag"] && !d.OwnComments[cm.ID] {
					d.FlagFor = cm.ID
				}
			}
		}
	}
	p.render(w, r, status, "participation_proposal", "proposals", d)
}

// proposalAction runs one action on a proposal and shows the proposal
// again: with the problem and the typed text of its form's one field
// (none: "") when the action is refused, the field marked when the
// refusal is of what was typed (Invalid).
func (p *participationPages) proposalAction(do func(r *http.Request, c identity.Caller, id string) error, done, field string) pageHandler {
	return func(w http.ResponseWriter, r *http.Request, c identity.Caller) {
		id := r.PathValue("id")
		if err := do(r, c, id); err != nil {
			// A support of one's own proposal, from a page opened before
			// it offered none, is said on the proposal's page too.
			if code := apperr.CodeOf(err); code == apperr.Invalid || code == apperr.Conflict || apperr.ReasonOf(err) == "own_proposal" {
				values, marked := map[string]string{"key": r.PostFormValue("key")}, ""
				if field != "" {
					values[field] = r.PostFormValue(field)
					if code == apperr.Invalid {
						marked = field
					}
				}
				p.showProposal(w, r, c, id, httpx.StatusOf(code), marked, values, err)
				return
			}
			p.pageError(w, r, err)
			return
		}
		http.Redirect(w, r, "/proposals/"+id+"?done="+done, http.StatusSeeOther)
	}
}

func (p *participationPages) handleSupport() pageHandler {
	return p.proposalAction(func(r *http.Request, c identity.Caller, id string) error {
		_, _, err := p.svc.Support(r.Context(), c, id)
		return err
	}, "supported", "")
}

func (p *participationPages) handleFollow() pageHandler {
	return p.proposalAction(func(r *http.Request, c identity.Caller, id string) error {
		return p.svc.Follow(r.Context(), c, id, r.PostFormValue("follow") == "yes")
	}, "followed", "")
}

func (p *participationPages) handleComment() pageHandler {
	return p.proposalAction(func(r *http.Request, c identity.Caller, id string) error {
		body := r.PostFormValue("comment")
		_, err := p.formOnce(r.Context(), "page.comment:"+c.AccountID, r.PostFormValue("key"), struct{ Proposal, Body string }{id, body},
			func(ctx context.Context) (string, error) {
				cm, err := p.svc.AddComment(ctx, c, id, body)
				return cm.ID, err
			})
		if apperr.ReasonOf(err) == "idempotency_key_reused" {
			// Sent before with another text, and that one was published:
			// said as such, as the proposal form says it.
			return errCommentFormSent
		}
		return err
	}, "commented", "comment")
}

var errCommentFormSent = apperr.R(apperr.Conflict, "comment_form_sent", "This form was already sent and published a comment; send it again to publish this one too.")

func (p *participationPages) handleAnswer() pageHandler {
	return p.proposalAction(func(r *http.Request, c identity.Caller, id string) error {
		_, err := p.svc.Answer(r.Context(), c, id, r.PostFormValue("answer"))
		return err
	}, "answered", "answer")
}

// handleFlag reports a comment as abusive, then back to its proposal. A
// refused report (a reason that does not read) shows the proposal again,
// as a refused comment does, with the problem at the comment's report form
// and the reason as typed; the form's action carries the page of comments
// it was on (after), so that page is the one shown.
func (p *participationPages) handleFlag(w http.ResponseWriter, r *http.Request, c identity.Caller) {
	proposal := r.PostFormValue("proposal")
	comment := r.PathValue("id")
	if proposal != "" {
		page := "/proposals/" + url.PathEscape(proposal)
		if after := r.URL.Query().Get("after"); after != "" {
			page += "?" + url.Values{"after": {after}}.Encode()
		}
		r = withFormPage(r, page)
	}
	if err := p.svc.FlagComment(r.Context(), c, comment, r.PostFormValue("reason")); err != nil {
		if code := apperr.CodeOf(err); (code == apperr.Invalid || code == apperr.Conflict || apperr.ReasonOf(err) == "own_comment") && proposal != "" {
			p.showProposal(w, r, c, proposal, httpx.StatusOf(code), "reason",
				map[string]string{"reason": r.PostFormValue("reason"), "flag": comment}, err)
			return
		}
		p.pageError(w, r, err)
		return
	}
	if back, ok := localPath("/proposals/" + url.PathEscape(proposal) + "?done=flagged"); ok && proposal != "" {
		http.Redirect(w, r, back, http.StatusSeeOther)
		return
	}
	http.Redirect(w, r, "/proposals", http.StatusSeeOther)
}
