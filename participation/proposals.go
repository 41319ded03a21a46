package participation

import (
	"context"
	"fmt"
	"slices"
	"time"

	"cityhub/apperr"
	"cityhub/idem"
	"cityhub/identity"
	"cityhub/ids"
)

// Proposal is a citizen's proposal for the city. Past its threshold of
// supports the city must answer it publicly.
type Proposal struct {
	ID       string `json:"id"`
	AuthorID string `json:"author_id,omitempty"`
	// AuthorName is shown only when PublicName.
	AuthorName   string    `json:"author_name,omitempty"`
	PublicName   bool      `json:"public_name"`
	Title        string    `json:"title"`
	Body         string    `json:"body"`
	Threshold    int       `json:"threshold"`
	SupportCount int       `json:"support_count"`
	Answer       string    `json:"answer,omitempty"`
	AnsweredAt   time.Time `json:"answered_at,omitzero"`
	AnsweredBy   string    `json:"answered_by,omitempty"`
	CreatedAt    time.Time `json:"created_at"`
	// Lang is the language the title and text are written in, and
	// AnswerLang the answer's, as far as the hub knows them (writtenIn);
	// empty for what was written before it kept them. Not in the JSON.
	Lang       string `json:"-"`
	AnswerLang string `json:"-"`
}

// Proposal states, derived from supports and the answer.
const (
	ProposalCollecting     = "collecting"      // below its threshold, unanswered
	ProposalAwaitingAnswer = "awaiting_answer" // past its threshold: the city owes an answer
	ProposalAnswered       = "answered"
)

// State says where the proposal stands.
func (p Proposal) State() string {
	switch {
	case p.Answer != "":
		return ProposalAnswered
	case p.SupportCount >= p.Threshold:
		return ProposalAwaitingAnswer
	}
	return ProposalCollecting
}

// PublicProposal is a proposal as anyone sees it.
type PublicProposal struct {
	ID           string    `json:"id"`
	Title        string    `json:"title"`
	Body         string    `json:"body"`
	AuthorName   string    `json:"author_name,omitempty"`
	State        string    `json:"state"`
	Threshold    int       `json:"threshold"`
	SupportCount int       `json:"support_count"`
	Answer       string    `json:"answer,omitempty"`
	AnsweredAt   time.Time `json:"answered_at,omitzero"`
	CreatedAt    time.Time `json:"created_at"`
	// Lang and AnswerLang are Proposal's: pages mark the texts with them,
	// so that a screen reader reads an Italian proposal on an English page
	// in Italian. Not in the JSON.
	Lang       string `json:"-"`
	AnswerLang string `json:"-"`
}

// Public is p without its author unless they chose to be named.
func (p Proposal) Public() PublicProposal {
	out := PublicProposal{ID: p.ID, Title: p.Title, Body: p.Body, State: p.State(), Threshold: p.Threshold,
		SupportCount: p.SupportCount, Answer: p.Answer, AnsweredAt: p.AnsweredAt, CreatedAt: p.CreatedAt, Lang: p.Lang, AnswerLang: p.AnswerLang}
	if p.PublicName {
		out.AuthorName = p.AuthorName
	}
	return out
}

// NewProposal is what a citizen sends.
type NewProposal struct {
	Title      string `json:"title"`
	Body       string `json:"body"`
	PublicName bool   `json:"public_name"`
	// Threshold overrides the city's default, 1 to 1,000,000; only an
	// administrator may set it. Nil (absent, or null) is the city's
	// default; any value sent, 0 included, is a threshold set, so that
	// anyone else is refused whatever they sent rather than a 0 slipping
	// through as "the default".
	Threshold *int `json:"threshold,omitempty"`
}

// MaxProposalThreshold is the most supports a proposal's own threshold
// may ask for.
const MaxProposalThreshold = 1_000_000

// CreateProposal records a citizen's proposal; its author follows it.
// Forbidden (not a citizen, or a threshold set, whatever its value, by
// someone other than an administrator); Invalid (bad_title, bad_body,
// bad_threshold).
func (s *Service) CreateProposal(ctx context.Context, c identity.Caller, n NewProposal) (Proposal, error) {
	p, _, err := s.CreateProposalWithKey(ctx, c, "", n)
	return p, err
}

// CreateProposalWithKey is CreateProposal under a client's idempotency key
// (none when key is empty): the key is recorded in the transaction that
// makes the proposal, so a form sent twice (a double click, a reload that
// sends it again) answers the first proposal (replayed=true) and makes no
// other. The same key with another proposal is Conflict
// (idempotency_key_reused).
func (s *Service) CreateProposalWithKey(ctx context.Context, c identity.Caller, key string, n NewProposal) (Proposal, bool, error) {
	if err := requireCitizen(c); err != nil {
		return Proposal{}, false, err
	}
	if key != "" {
		if err := idem.ValidateKey(key); err != nil {
			return Proposal{}, false, err
		}
	}
	p, err := s.newProposal(c, n)
	if err != nil {
		return Proposal{}, false, err
	}
	create := func(tx Tx) (Proposal, error) {
		if err := tx.InsertProposal(ctx, p); err != nil {
			return Proposal{}, fmt.Errorf("insert proposal: %w", err)
		}
		if err := tx.Follow(ctx, p.ID, c.AccountID, p.CreatedAt); err != nil {
			return Proposal{}, fmt.Errorf("follow own proposal: %w", err)
		}
		return p, s.audit(ctx, tx, c, "proposal.create", "proposal", p.ID, nil)
	}
	var out Proposal
	var replayed bool
	err = s.store.InTx(ctx, func(tx Tx) error {
		var err error
		if key == "" {
			out, err = create(tx)
			return err
		}
		out, replayed, err = idem.Do(ctx, tx, "proposal.create:"+c.AccountID, key, n, func() (Proposal, error) { return create(tx) })
		return err
	})
	return out, replayed, err
}

// newProposal checks n and makes the proposal c would create.
func (s *Service) newProposal(c identity.Caller, n NewProposal) (Proposal, error) {
	if problems := n.problems(); len(problems) > 0 {
		return Proposal{}, problems[0]
	}
	threshold := s.set.SupportThreshold
	if n.Threshold != nil {
		if err := requireAdmin(c); err != nil {
			return Proposal{}, err
		}
		if *n.Threshold < 1 || *n.Threshold > MaxProposalThreshold {
			return Proposal{}, invalid("bad_threshold", "The threshold must be 1 to %d supports.", MaxProposalThreshold)
		}
		threshold = *n.Threshold
	}
	return Proposal{ID: ids.New("prp"), AuthorID: c.AccountID, AuthorName: c.Name, PublicName: n.PublicName && c.Name != "",
		Title: n.Title, Body: n.Body, Threshold: threshold, CreatedAt: s.now(), Lang: writtenIn(c)}, nil
}

// writtenIn is the language c is taken to write in: their account's, one
// the hub speaks; empty when it is not known.
func writtenIn(c identity.Caller) string {
	if slices.Contains(identity.Locales, c.Locale) {
		return c.Locale
	}
	return ""
}

// problems is every refusal of n's title and text, in that order, cleaning
// them as newProposal keeps them.
func (n *NewProposal) problems() []error {
	var out []error
	var err error
	if n.Title, err = cleanLine(n.Title, MinTitleLen, MaxTitleLen, "bad_title", "title"); err != nil {
		out = append(out, err)
	}
	if n.Body, err = cleanText(n.Body, MinBodyLen, MaxBodyLen, "bad_body", "text"); err != nil {
		out = append(out, err)
	}
	return out
}

// ProposalProblems is every refusal of n's title and text that
// CreateProposal would give, the first being its own, so that a form shows
// them all at once. It changes nothing.
func (s *Service) ProposalProblems(n NewProposal) []error {
	return n.problems()
}

func proposalNotFound(err error) error {
	if apperr.Has(err, apperr.NotFound) {
		return apperr.R(apperr.NotFound, "proposal_not_found", "No such proposal.")
	}
	return err
}

// Proposal returns one proposal as the public sees it. NotFound.
func (s *Service) Proposal(ctx context.Context, id string) (PublicProposal, error) {
	var p Proposal
	err := s.store.View(ctx, func(tx Tx) error {
		var err error
		p, err = tx.Proposal(ctx, id)
		return proposalNotFound(err)
	})
	return p.Public(), err
}

// ProposalTitles gives the titles of the proposals with these ids, by id,
// read together: a page naming the proposal of each of many comments (the
// moderators') reads them at once rather than a proposal a row. An id that
// is no proposal is left out. Titles are public, as the proposals are.
func (s *Service) ProposalTitles(ctx context.Context, proposalIDs []string) (map[string]string, error) {
	proposalIDs = slices.Compact(slices.Sorted(slices.Values(proposalIDs)))
	if len(proposalIDs) == 0 {
		return map[string]string{}, nil
	}
	var out map[string]string
	err := s.store.View(ctx, func(tx Tx) error {
		var err error
		out, err = tx.ProposalTitles(ctx, proposalIDs)
		return err
	})
	return out, err
}

// Proposals lists proposals newest first, before the cursor (the id of a
// proposal; from the newest when empty). Invalid (bad_limit, bad_cursor).
func (s *Service) Proposals(ctx context.Context, before string, limit int) ([]PublicProposal, error) {
	limit, err := listLimit(limit)
	if err != nil {
		return nil, err
	}
	out := []PublicProposal{}
	err = s.store.View(ctx, func(tx Tx) error {
		if err := checkProposalCursor(ctx, tx, before); err != nil {
			return err
		}
		ps, err := tx.ListProposals(ctx, ProposalFilter{Before: before, Limit: limit})
		for _, p := range ps {
			out = append(out, p.Public())
		}
		return err
	})
	return out, err
}

// Support records the citizen's support of a proposal, once: a second
// support (however many race) changes nothing and answers added=false.
// Its author may not support it (Forbidden, own_proposal): supports are
// others' agreement, and they count towards the threshold that obliges the
// city to answer. Forbidden, NotFound, Conflict (proposal_answered).
func (s *Service) Support(ctx context.Context, c identity.Caller, id string) (p PublicProposal, added bool, err error) {
	if err := requireCitizen(c); err != nil {
		return PublicProposal{}, false, err
	}
	err = s.store.InTx(ctx, func(tx Tx) error {
		prop, err := tx.Proposal(ctx, id)
		if err != nil {
			return proposalNotFound(err)
		}
		if prop.AuthorID == c.AccountID {
			return apperr.R(apperr.Forbidden, "own_proposal", "A proposal's author may not support it.")
		}
		if prop.Answer != "" {
			return apperr.R(apperr.Conflict, "proposal_answered", "The city has answered this proposal; it takes no more supports.")
		}
		if added, err = tx.AddSupport(ctx, id, c.AccountID, s.now()); err != nil {
			return fmt.Errorf("add support: %w", err)
		}
		if added {
			if err := s.audit(ctx, tx, c, "proposal.support", "proposal", id, nil); err != nil {
				return err
			}
		}
		if prop, err = tx.Proposal(ctx, id); err != nil {
			return err
		}
		// Answered between the read above and the support: the store
		// added nothing.
		if !added && prop.Answer != "" {
			return apperr.R(apperr.Conflict, "proposal_answered", "The city has answered this proposal; it takes no more supports.")
		}
		p = prop.Public()
		return nil
	})
	return p, added, err
}

// Authorship is which of a proposal and its comments the caller wrote.
type Authorship struct {
	Proposal bool
	// Comments holds the ids of the caller's comments on the proposal,
	// hidden ones included.
	Comments map[string]bool
}

// Authored says which of a proposal and its comments c wrote, so that a
// page offers no support of one's own proposal nor a flag of one's own
// comment, which Support and FlagComment refuse. Nothing for a caller not
// signed in. NotFound.
func (s *Service) Authored(ctx context.Context, c identity.Caller, proposalID string) (Authorship, error) {
	out := Authorship{Comments: map[string]bool{}}
	err := s.store.View(ctx, func(tx Tx) error {
		p, err := tx.Proposal(ctx, proposalID)
		if err != nil {
			return proposalNotFound(err)
		}
		if c.AccountID == "" {
			return nil
		}
		out.Proposal = p.AuthorID == c.AccountID
		// The caller's comments on this proposal alone, by its index: a
		// proposal's page is drawn often, and all of a person's comments
		// are not its business.
		ids, err := tx.CommentIDsOn(ctx, proposalID, c.AccountID)
		for _, id := range ids {
			out.Comments[id] = true
		}
		return err
	})
	return out, err
}

// Supports reports whether the citizen supports a proposal.
func (s *Service) Supports(ctx context.Context, c identity.Caller, id string) (bool, error) {
	var ok bool
	err := s.store.View(ctx, func(tx Tx) error {
		var err error
		ok, err = tx.Supports(ctx, id, c.AccountID)
		return err
	})
	return ok, err
}

// Following reports whether the caller follows a proposal.
func (s *Service) Following(ctx context.Context, c identity.Caller, id string) (bool, error) {
	var ok bool
	err := s.store.View(ctx, func(tx Tx) error {
		var err error
		ok, err = tx.Follows(ctx, id, c.AccountID)
		return err
	})
	return ok, err
}

// Follow makes the citizen follow a proposal (e-mailed when it is
// answered), or stop following it. Forbidden, NotFound.
func (s *Service) Follow(ctx context.Context, c identity.Caller, id string, follow bool) error {
	if c.AccountID == "" {
		return apperr.R(apperr.Unauthenticated, "not_signed_in", "Sign in to follow a proposal.")
	}
	return s.store.InTx(ctx, func(tx Tx) error {
		if _, err := tx.Proposal(ctx, id); err != nil {
			return proposalNotFound(err)
		}
		if follow {
			return tx.Follow(ctx, id, c.AccountID, s.now())
		}
		return tx.Unfollow(ctx, id, c.AccountID)
	})
}

// Answer is the city's public answer to a proposal, as an administrator;
// every follower is e-mailed in the same transaction. Forbidden, NotFound,
// Invalid (bad_answer), Conflict (already_answered).
func (s *Service) Answer(ctx context.Context, c identity.Caller, id, answer string) (PublicProposal, error) {
	if err := requireAdmin(c); err != nil {
		return PublicProposal{}, err
	}
	answer, err := cleanText(answer, 1, MaxAnswerLen, "bad_answer", "answer")
	if err != nil {
		return PublicProposal{}, err
	}
	var p Proposal
	err = s.store.InTx(ctx, func(tx Tx) error {
		var err error
		if p, err = tx.LockProposal(ctx, id); err != nil {
			return proposalNotFound(err)
		}
		if p.Answer != "" {
			return apperr.R(apperr.Conflict, "already_answered", "The city has already answered this proposal.")
		}
		p.Answer, p.AnsweredAt, p.AnsweredBy, p.AnswerLang = answer, s.now(), c.AccountID, writtenIn(c)
		if err := tx.AnswerProposal(ctx, p); err != nil {
			return fmt.Errorf("answer proposal: %w", err)
		}
		if err := s.audit(ctx, tx, c, "proposal.answer", "proposal", id, nil); err != nil {
			return err
		}
		return s.notifyFollowers(ctx, tx, p)
	})
	return p.Public(), err
}

// AwaitingAnswer lists a page of the proposals past their threshold that
// the city has not answered, oldest first (the longest waiting), for
// administrators: limit of them (MaxListLimit when 0) after the proposal
// with id after (from the oldest when empty). Forbidden; Invalid
// (bad_limit, bad_cursor: after is no proposal that reached its
// threshold, which the list never gave).
func (s *Service) AwaitingAnswer(ctx context.Context, c identity.Caller, after string, limit int) ([]Proposal, error) {
	if err := requireAdmin(c); err != nil {
		return nil, err
	}
	limit, err := listLimit(limit)
	if err != nil {
		return nil, err
	}
	out := []Proposal{}
	err = s.store.View(ctx, func(tx Tx) error {
		// A proposal that never reached its threshold was never awaiting
		// an answer (supports are never taken back, and stop at the
		// answer), and would page the list from where it stands; one
		// answered since still marks its place.
		if err := checkProposalCursorOf(ctx, tx, after, func(p Proposal) bool { return p.SupportCount >= p.Threshold }); err != nil {
			return err
		}
		ps, err := tx.AwaitingProposals(ctx, after, limit)
		out = append(out, ps...)
		return err
	})
	return out, err
}

// checkProposalCursor refuses (bad_cursor) a cursor of a list of proposals
// that is no proposal; an empty one starts from the list's first.
func checkProposalCursor(ctx context.Context, tx Tx, cursor string) error {
	return checkProposalCursorOf(ctx, tx, cursor, func(Proposal) bool { return true })
}

// checkProposalCursorOf is checkProposalCursor for a list of the proposals
// of which listed says: a proposal it does not list is a cursor the list
// never gave, refused (bad_cursor) as one that is no proposal.
func checkProposalCursorOf(ctx context.Context, tx Tx, cursor string, listed func(Proposal) bool) error {
	if cursor == "" {
		return nil
	}
	p, err := tx.Proposal(ctx, cursor)
	if err != nil {
		return cursorError(err)
	}
	if !listed(p) {
		return badCursor()
	}
	return nil
}
