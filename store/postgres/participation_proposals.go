package postgres

import (
	"context"
	"time"

	"github.com/jackc/pgx/v5"

	"cityhub/participation"
)

const proposalCols = `id, author_id, author_name, public_name, title, body, threshold, support_count, answer, answered_at, answered_by, created_at, lang, answer_lang`

func scanProposal(row pgx.Row) (participation.Proposal, error) {
	var p participation.Proposal
	var answered *time.Time
	err := row.Scan(&p.ID, &p.AuthorID, &p.AuthorName, &p.PublicName, &p.Title, &p.Body, &p.Threshold, &p.SupportCount,
		&p.Answer, &answered, &p.AnsweredBy, &p.CreatedAt, &p.Lang, &p.AnswerLang)
	if answered != nil {
		p.AnsweredAt = answered.UTC()
	}
	p.CreatedAt = p.CreatedAt.UTC()
	return p, err
}

// InsertProposal implements participation.Tx.
func (tx *Tx) InsertProposal(ctx context.Context, p participation.Proposal) error {
	_, err := tx.q.Exec(ctx, `INSERT INTO participation_proposals (`+proposalCols+`)
		VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14)`, p.ID, p.AuthorID, p.AuthorName, p.PublicName, p.Title, p.Body,
		p.Threshold, p.SupportCount, p.Answer, nullTime(p.AnsweredAt), p.AnsweredBy, p.CreatedAt, p.Lang, p.AnswerLang)
	return wrap("insert proposal", err)
}

// Proposal implements participation.Tx.
func (tx *Tx) Proposal(ctx context.Context, id string) (participation.Proposal, error) {
	p, err := scanProposal(tx.q.QueryRow(ctx, `SELECT `+proposalCols+` FROM participation_proposals WHERE id = $1`, id))
	return p, wrap("read proposal", err)
}

// ProposalTitles implements participation.Tx.
func (tx *Tx) ProposalTitles(ctx context.Context, ids []string) (map[string]string, error) {
	rows, err := tx.q.Query(ctx, `SELECT id, title FROM participation_proposals WHERE id = ANY($1)`, ids)
	if err != nil {
		return nil, wrap("read proposal titles", err)
	}
	defer rows.Close()
	out := make(map[string]string, len(ids))
	for rows.Next() {
		var id, title string
		if err := rows.Scan(&id, &title); err != nil {
			return nil, wrap("read proposal titles", err)
		}
		out[id] = title
	}
	return out, wrap("read proposal titles", rows.Err())
}

// LockProposal implements participation.Tx.
func (tx *Tx) LockProposal(ctx context.Context, id string) (participation.Proposal, error) {
	p, err := scanProposal(tx.q.QueryRow(ctx, `SELECT `+proposalCols+` FROM participation_proposals WHERE id = $1 FOR NO KEY UPDATE`, id))
	return p, wrap("lock proposal", err)
}

// AnswerProposal implements participation.Tx.
func (tx *Tx) AnswerProposal(ctx context.Context, p participation.Proposal) error {
	tag, err := tx.q.Exec(ctx, `UPDATE participation_proposals SET answer = $2, answered_at = $3, answered_by = $4, answer_lang = $5 WHERE id = $1`,
		p.ID, p.Answer, nullTime(p.AnsweredAt), p.AnsweredBy, p.AnswerLang)
	if err == nil && tag.RowsAffected() == 0 {
		err = pgx.ErrNoRows
	}
	return wrap("answer proposal", err)
}

// ListProposals implements participation.Tx.
func (tx *Tx) ListProposals(ctx context.Context, f participation.ProposalFilter) ([]participation.Proposal, error) {
	if f.Limit <= 0 || f.Limit > participation.MaxListLimit {
		f.Limit = participation.MaxListLimit
	}
	rows, err := tx.q.Query(ctx, `SELECT `+proposalCols+` FROM participation_proposals
		WHERE $1 = '' OR (created_at, id) < (SELECT created_at, id FROM participation_proposals WHERE id = $1)
		ORDER BY created_at DESC, id DESC LIMIT $2`, f.Before, f.Limit)
	if err != nil {
		return nil, wrap("list proposals", err)
	}
	out, err := pgx.CollectRows(rows, func(r pgx.CollectableRow) (participation.Proposal, error) { return scanProposal(r) })
	return out, wrap("list proposals", err)
}

// AddSupport implements participation.Tx. Of concurrent inserts of one
// (proposal, account) the primary key lets one through; the others wait for
// it to commit and then insert nothing, so the count moves once. The
// proposal's row is locked first and must still be unanswered: an answer
// holding it makes the support wait, and once the answer commits, READ
// COMMITTED reads the row again and finds it answered, so nothing is added.
func (tx *Tx) AddSupport(ctx context.Context, proposalID, accountID string, at time.Time) (bool, error) {
	tag, err := tx.q.Exec(ctx, `WITH open AS (
			SELECT id FROM participation_proposals WHERE id = $1 AND answer = '' FOR NO KEY UPDATE),
		ins AS (
			INSERT INTO participation_supports (proposal_id, account_id, at) SELECT id, $2, $3 FROM open
			ON CONFLICT (proposal_id, account_id) DO NOTHING RETURNING proposal_id)
		UPDATE participation_proposals SET support_count = support_count + 1 WHERE id IN (SELECT proposal_id FROM ins)`,
		proposalID, accountID, at)
	return inserted(tag, err, "add support")
}

// AwaitingProposals implements participation.Tx.
func (tx *Tx) AwaitingProposals(ctx context.Context, after string, limit int) ([]participation.Proposal, error) {
	rows, err := tx.q.Query(ctx, `SELECT `+proposalCols+` FROM participation_proposals
		WHERE answer = '' AND support_count >= threshold
			AND ($1 = '' OR (created_at, id) > (SELECT created_at, id FROM participation_proposals WHERE id = $1))
		ORDER BY created_at, id LIMIT $2`, after, limit)
	if err != nil {
		return nil, wrap("list proposals awaiting an answer", err)
	}
	out, err := pgx.CollectRows(rows, func(r pgx.CollectableRow) (participation.Proposal, error) { return scanProposal(r) })
	return out, wrap("list proposals awaiting an answer", err)
}

// Supports implements participation.Tx.
func (tx *Tx) Supports(ctx context.Context, proposalID, accountID string) (bool, error) {
	var ok bool
	err := tx.q.QueryRow(ctx, `SELECT EXISTS (SELECT 1 FROM participation_supports WHERE proposal_id = $1 AND account_id = $2)`,
		proposalID, accountID).Scan(&ok)
	return ok, wrap("read support", err)
}

// CountSupports implements participation.Tx.
func (tx *Tx) CountSupports(ctx context.Context, proposalID string) (int, error) {
	var n int
	err := tx.q.QueryRow(ctx, `SELECT count(*) FROM participation_supports WHERE proposal_id = $1`, proposalID).Scan(&n)
	return n, wrap("count supports", err)
}

// Follow implements participation.Tx.
func (tx *Tx) Follow(ctx context.Context, proposalID, accountID string, at time.Time) error {
	_, err := tx.q.Exec(ctx, `INSERT INTO participation_followers (proposal_id, account_id, at) VALUES ($1, $2, $3)
		ON CONFLICT (proposal_id, account_id) DO NOTHING`, proposalID, accountID, at)
	return wrap("follow proposal", err)
}

// Unfollow implements participation.Tx.
func (tx *Tx) Unfollow(ctx context.Context, proposalID, accountID string) error {
	_, err := tx.q.Exec(ctx, `DELETE FROM participation_followers WHERE proposal_id = $1 AND account_id = $2`, proposalID, accountID)
	return wrap("unfollow proposal", err)
}

// Follows implements participation.Tx.
func (tx *Tx) Follows(ctx context.Context, proposalID, accountID string) (bool, error) {
	var ok bool
	err := tx.q.QueryRow(ctx, `SELECT EXISTS (SELECT 1 FROM participation_followers WHERE proposal_id = $1 AND account_id = $2)`,
		proposalID, accountID).Scan(&ok)
	return ok, wrap("read follow", err)
}

// Followers implements participation.Tx.
func (tx *Tx) Followers(ctx context.Context, proposalID string) ([]string, error) {
	rows, err := tx.q.Query(ctx, `SELECT account_id FROM participation_followers WHERE proposal_id = $1 ORDER BY at, account_id`, proposalID)
	if err != nil {
		return nil, wrap("list followers", err)
	}
	out, err := pgx.CollectRows(rows, pgx.RowTo[string])
	return out, wrap("list followers", err)
}

const commentCols = `id, proposal_id, author_id, author_name, body, state, flag_count, created_at, lang`

func scanComment(row pgx.Row) (participation.Comment, error) {
	var c participation.Comment
	err := row.Scan(&c.ID, &c.ProposalID, &c.AuthorID, &c.AuthorName, &c.Body, &c.State, &c.FlagCount, &c.CreatedAt, &c.Lang)
	c.CreatedAt = c.CreatedAt.UTC()
	return c, err
}

// InsertComment implements participation.Tx.
func (tx *Tx) InsertComment(ctx context.Context, c participation.Comment) error {
	_, err := tx.q.Exec(ctx, `INSERT INTO participation_comments (`+commentCols+`) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)`,
		c.ID, c.ProposalID, c.AuthorID, c.AuthorName, c.Body, c.State, c.FlagCount, c.CreatedAt, c.Lang)
	return wrap("insert comment", err)
}

// Comment implements participation.Tx.
func (tx *Tx) Comment(ctx context.Context, id string) (participation.Comment, error) {
	c, err := scanComment(tx.q.QueryRow(ctx, `SELECT `+commentCols+` FROM participation_comments WHERE id = $1`, id))
	return c, wrap("read comment", err)
}

// LockComment implements participation.Tx.
func (tx *Tx) LockComment(ctx context.Context, id string) (participation.Comment, error) {
	c, err := scanComment(tx.q.QueryRow(ctx, `SELECT `+commentCols+` FROM participation_comments WHERE id = $1 FOR UPDATE`, id))
	return c, wrap("lock comment", err)
}

// Comments implements participation.Tx.
func (tx *Tx) Comments(ctx context.Context, proposalID string, withHidden bool, after string, limit int) ([]participation.Comment, error) {
	rows, err := tx.q.Query(ctx, `SELECT `+commentCols+` FROM participation_comments
		WHERE proposal_id = $1 AND ($2 OR state <> 'hidden')
			AND ($3 = '' OR (created_at, id) > (SELECT created_at, id FROM participation_comments WHERE id = $3))
		ORDER BY created_at, id LIMIT $4`, proposalID, withHidden, after, limit)
	if err != nil {
		return nil, wrap("list comments", err)
	}
	out, err := pgx.CollectRows(rows, func(r pgx.CollectableRow) (participation.Comment, error) { return scanComment(r) })
	return out, wrap("list comments", err)
}

// FlagComment implements participation.Tx.
func (tx *Tx) FlagComment(ctx context.Context, commentID, accountID, reason string, at time.Time) (bool, error) {
	tag, err := tx.q.Exec(ctx, `WITH ins AS (
			INSERT INTO participation_comment_flags (comment_id, account_id, reason, at) VALUES ($1, $2, $3, $4)
			ON CONFLICT (comment_id, account_id) DO NOTHING RETURNING comment_id)
		UPDATE participation_comments SET flag_count = flag_count + 1,
			state = CASE WHEN state = 'visible' THEN 'flagged' ELSE state END
		WHERE id IN (SELECT comment_id FROM ins)`, commentID, accountID, reason, at)
	return inserted(tag, err, "flag comment")
}

// SetCommentState implements participation.Tx.
func (tx *Tx) SetCommentState(ctx context.Context, id, state, by string) error {
	// The update locks the comment's row first: a flag racing a keep
	// waits for it to commit and then counts (from zero), or was
	// committed before and is deleted with the others.
	tag, err := tx.q.Exec(ctx, `UPDATE participation_comments SET state = $2, moderated_by = $3,
		flag_count = CASE WHEN $2 = 'visible' THEN 0 ELSE flag_count END WHERE id = $1`, id, state, by)
	if err == nil && tag.RowsAffected() == 0 {
		err = pgx.ErrNoRows
	}
	if err != nil || state != participation.CommentVisible {
		return wrap("moderate comment", err)
	}
	_, err = tx.q.Exec(ctx, `DELETE FROM participation_comment_flags WHERE comment_id = $1`, id)
	return wrap("dismiss comment flags", err)
}

// commentsList is a moderators' list of the comments in one state, oldest
// first: its first page, and the page after the comment $1 names. Each
// state's partial index in that order (migration 1032) finds a page's first
// row and reads the page from there. The state is written out, not a
// parameter, so that every plan matches the index's predicate; and the
// cursor is a statement of its own rather than a condition that an empty
// cursor passes, which a generic plan of the statement keeps as a filter,
// reading every comment of the state before the cursor.
type commentsList struct{ first, after string }

func moderatedCommentsSQL(state string) commentsList {
	sel := `SELECT ` + commentCols + ` FROM participation_comments WHERE state = '` + state + `'`
	return commentsList{
		first: sel + ` ORDER BY created_at, id LIMIT $1`,
		after: sel + ` AND (created_at, id) > (SELECT created_at, id FROM participation_comments WHERE id = $1)
			ORDER BY created_at, id LIMIT $2`,
	}
}

var (
	flaggedCommentsSQL = moderatedCommentsSQL(participation.CommentFlagged)
	hiddenCommentsSQL  = moderatedCommentsSQL(participation.CommentHidden)
)

// FlaggedComments implements participation.Tx.
func (tx *Tx) FlaggedComments(ctx context.Context, after string, limit int) ([]participation.Comment, error) {
	out, err := tx.moderatedComments(ctx, flaggedCommentsSQL, after, limit)
	return out, wrap("list flagged comments", err)
}

// CountFlaggedComments implements participation.Tx, by the flagged
// comments' partial index (migration 1032).
func (tx *Tx) CountFlaggedComments(ctx context.Context) (int, error) {
	var n int
	err := tx.q.QueryRow(ctx, `SELECT count(*) FROM participation_comments WHERE state = 'flagged'`).Scan(&n)
	return n, wrap("count flagged comments", err)
}

// HiddenComments implements participation.Tx.
func (tx *Tx) HiddenComments(ctx context.Context, after string, limit int) ([]participation.Comment, error) {
	out, err := tx.moderatedComments(ctx, hiddenCommentsSQL, after, limit)
	return out, wrap("list hidden comments", err)
}

func (tx *Tx) moderatedComments(ctx context.Context, l commentsList, after string, limit int) ([]participation.Comment, error) {
	sql, args := l.first, []any{limit}
	if after != "" {
		sql, args = l.after, []any{after, limit}
	}
	rows, err := tx.q.Query(ctx, sql, args...)
	if err != nil {
		return nil, err
	}
	return pgx.CollectRows(rows, func(r pgx.CollectableRow) (participation.Comment, error) { return scanComment(r) })
}

// CommentFlags implements participation.Tx.
func (tx *Tx) CommentFlags(ctx context.Context, commentIDs []string) (map[string][]participation.CommentFlag, error) {
	rows, err := tx.q.Query(ctx, `SELECT comment_id, reason, at FROM participation_comment_flags
		WHERE comment_id = ANY($1) ORDER BY at, account_id`, commentIDs)
	if err != nil {
		return nil, wrap("list comment flags", err)
	}
	defer rows.Close()
	out := map[string][]participation.CommentFlag{}
	for rows.Next() {
		var id string
		var f participation.CommentFlag
		if err := rows.Scan(&id, &f.Reason, &f.At); err != nil {
			return nil, wrap("list comment flags", err)
		}
		out[id] = append(out[id], f)
	}
	return out, wrap("list comment flags", rows.Err())
}

// Audited implements participation.Tx, by the audit log's index on the
// object (audit_log_object).
func (tx *Tx) Audited(ctx context.Context, action, objectType, objectID string) (bool, error) {
	var ok bool
	err := tx.q.QueryRow(ctx, auditedSQL, objectType, objectID, action).Scan(&ok)
	return ok, wrap("read audit", err)
}

// auditedSQL says whether an object's entries in the audit log hold one
// of an action: the object's entries are few, the log a city's every
// action, so they are read by the object's index.
const auditedSQL = `SELECT EXISTS (SELECT 1 FROM audit_log WHERE object_type = $1 AND object_id = $2 AND action = $3)`

// ProposalsBy implements participation.Tx.
func (tx *Tx) ProposalsBy(ctx context.Context, accountID string) ([]participation.Proposal, error) {
	rows, err := tx.q.Query(ctx, `SELECT `+proposalCols+` FROM participation_proposals WHERE author_id = $1 ORDER BY created_at DESC, id DESC`, accountID)
	if err != nil {
		return nil, wrap("list proposals by author", err)
	}
	out, err := pgx.CollectRows(rows, func(r pgx.CollectableRow) (participation.Proposal, error) { return scanProposal(r) })
	return out, wrap("list proposals by author", err)
}

// CommentsBy implements participation.Tx.
func (tx *Tx) CommentsBy(ctx context.Context, accountID string) ([]participation.Comment, error) {
	rows, err := tx.q.Query(ctx, `SELECT `+commentCols+` FROM participation_comments WHERE author_id = $1 ORDER BY created_at, id`, accountID)
	if err != nil {
		return nil, wrap("list comments by author", err)
	}
	out, err := pgx.CollectRows(rows, func(r pgx.CollectableRow) (participation.Comment, error) { return scanComment(r) })
	return out, wrap("list comments by author", err)
}

// CommentIDsOn implements participation.Tx.
func (tx *Tx) CommentIDsOn(ctx context.Context, proposalID, accountID string) ([]string, error) {
	rows, err := tx.q.Query(ctx, `SELECT id FROM participation_comments WHERE proposal_id = $1 AND author_id = $2`, proposalID, accountID)
	if err != nil {
		return nil, wrap("list own comments on a proposal", err)
	}
	out, err := pgx.CollectRows(rows, pgx.RowTo[string])
	return out, wrap("list own comments on a proposal", err)
}

// SupportedBy implements participation.Tx.
func (tx *Tx) SupportedBy(ctx context.Context, accountID string) ([]string, error) {
	rows, err := tx.q.Query(ctx, `SELECT proposal_id FROM participation_supports WHERE account_id = $1 ORDER BY at, proposal_id`, accountID)
	if err != nil {
		return nil, wrap("list supports", err)
	}
	out, err := pgx.CollectRows(rows, pgx.RowTo[string])
	return out, wrap("list supports", err)
}

// FollowedBy implements participation.Tx.
func (tx *Tx) FollowedBy(ctx context.Context, accountID string) ([]string, error) {
	rows, err := tx.q.Query(ctx, `SELECT proposal_id FROM participation_followers WHERE account_id = $1 ORDER BY at, proposal_id`, accountID)
	if err != nil {
		return nil, wrap("list follows", err)
	}
	out, err := pgx.CollectRows(rows, pgx.RowTo[string])
	return out, wrap("list follows", err)
}

// flagsBySQL reads an account's flags, by the flags' index of accounts
// (migration 1033).
const flagsBySQL = `SELECT f.comment_id, c.proposal_id, f.reason, f.at
		FROM participation_comment_flags f JOIN participation_comments c ON c.id = f.comment_id
		WHERE f.account_id = $1 ORDER BY f.at, f.comment_id`

// FlagsBy implements participation.Tx.
func (tx *Tx) FlagsBy(ctx context.Context, accountID string) ([]participation.OwnFlag, error) {
	rows, err := tx.q.Query(ctx, flagsBySQL, accountID)
	if err != nil {
		return nil, wrap("list own comment flags", err)
	}
	out, err := pgx.CollectRows(rows, func(r pgx.CollectableRow) (participation.OwnFlag, error) {
		var f participation.OwnFlag
		err := r.Scan(&f.CommentID, &f.ProposalID, &f.Reason, &f.At)
		return f, err
	})
	return out, wrap("list own comment flags", err)
}

const apiKeyCols = `id, name, secret_hash, issued_at, issued_by, revoked_at`

func scanAPIKey(row pgx.Row) (participation.APIKey, error) {
	var k participation.APIKey
	var revoked *time.Time
	err := row.Scan(&k.ID, &k.Name, &k.SecretHash, &k.IssuedAt, &k.IssuedBy, &revoked)
	k.IssuedAt = k.IssuedAt.UTC()
	if revoked != nil {
		r := revoked.UTC()
		k.RevokedAt = &r
	}
	return k, err
}

// InsertAPIKey implements participation.Tx.
func (tx *Tx) InsertAPIKey(ctx context.Context, k participation.APIKey) error {
	_, err := tx.q.Exec(ctx, `INSERT INTO participation_api_keys (`+apiKeyCols+`) VALUES ($1, $2, $3, $4, $5, $6)`,
		k.ID, k.Name, k.SecretHash, k.IssuedAt, k.IssuedBy, k.RevokedAt)
	return wrap("insert api key", err)
}

// APIKey implements participation.Tx.
func (tx *Tx) APIKey(ctx context.Context, id string) (participation.APIKey, error) {
	k, err := scanAPIKey(tx.q.QueryRow(ctx, `SELECT `+apiKeyCols+` FROM participation_api_keys WHERE id = $1`, id))
	return k, wrap("read api key", err)
}

// ListAPIKeys implements participation.Tx.
func (tx *Tx) ListAPIKeys(ctx context.Context) ([]participation.APIKey, error) {
	rows, err := tx.q.Query(ctx, `SELECT `+apiKeyCols+` FROM participation_api_keys ORDER BY issued_at, id`)
	if err != nil {
		return nil, wrap("list api keys", err)
	}
	out, err := pgx.CollectRows(rows, func(r pgx.CollectableRow) (participation.APIKey, error) { return scanAPIKey(r) })
	return out, wrap("list api keys", err)
}

// RevokeAPIKey implements participation.Tx.
func (tx *Tx) RevokeAPIKey(ctx context.Context, id string, at time.Time) (bool, error) {
	tag, err := tx.q.Exec(ctx, `UPDATE participation_api_keys SET revoked_at = $2 WHERE id = $1 AND revoked_at IS NULL`, id, at)
	return inserted(tag, err, "revoke api key")
}
