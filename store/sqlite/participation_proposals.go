package sqlite

import (
	"context"
	"database/sql"
	"encoding/json"
	"time"

	"cityhub/participation"
)

const proposalCols = `id, author_id, author_name, public_name, title, body, threshold, support_count, answer, answered_at, answered_by, created_at, lang, answer_lang`

func scanProposal(row rowScanner) (participation.Proposal, error) {
	var p participation.Proposal
	var public int
	var answered sql.NullInt64
	var created int64
	err := row.Scan(&p.ID, &p.AuthorID, &p.AuthorName, &public, &p.Title, &p.Body, &p.Threshold, &p.SupportCount,
		&p.Answer, &answered, &p.AnsweredBy, &created, &p.Lang, &p.AnswerLang)
	p.PublicName, p.CreatedAt = public == 1, fromMicros(created)
	if answered.Valid {
		p.AnsweredAt = fromMicros(answered.Int64)
	}
	return p, err
}

// InsertProposal implements participation.Tx.
func (tx *Tx) InsertProposal(ctx context.Context, p participation.Proposal) error {
	_, err := tx.q.ExecContext(ctx, `INSERT INTO participation_proposals (`+proposalCols+`)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`, p.ID, p.AuthorID, p.AuthorName, boolInt(p.PublicName), p.Title, p.Body,
		p.Threshold, p.SupportCount, p.Answer, nullMicros(p.AnsweredAt), p.AnsweredBy, toMicros(p.CreatedAt), p.Lang, p.AnswerLang)
	return wrap("insert proposal", err)
}

// Proposal implements participation.Tx.
func (tx *Tx) Proposal(ctx context.Context, id string) (participation.Proposal, error) {
	p, err := scanProposal(tx.q.QueryRowContext(ctx, `SELECT `+proposalCols+` FROM participation_proposals WHERE id = ?`, id))
	return p, wrap("read proposal", err)
}

// ProposalTitles implements participation.Tx.
func (tx *Tx) ProposalTitles(ctx context.Context, ids []string) (map[string]string, error) {
	list, err := json.Marshal(ids)
	if err != nil {
		return nil, wrap("encode proposal ids", err)
	}
	rows, err := tx.q.QueryContext(ctx, `SELECT id, title FROM participation_proposals WHERE id IN (SELECT value FROM json_each(?1))`, string(list))
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
	return tx.Proposal(ctx, id)
}

// AnswerProposal implements participation.Tx.
func (tx *Tx) AnswerProposal(ctx context.Context, p participation.Proposal) error {
	res, err := tx.q.ExecContext(ctx, `UPDATE participation_proposals SET answer = ?, answered_at = ?, answered_by = ?, answer_lang = ? WHERE id = ?`,
		p.Answer, nullMicros(p.AnsweredAt), p.AnsweredBy, p.AnswerLang, p.ID)
	return wrap("answer proposal", oneRow(res, err))
}

// ListProposals implements participation.Tx.
func (tx *Tx) ListProposals(ctx context.Context, f participation.ProposalFilter) ([]participation.Proposal, error) {
	if f.Limit <= 0 || f.Limit > participation.MaxListLimit {
		f.Limit = participation.MaxListLimit
	}
	rows, err := tx.q.QueryContext(ctx, `SELECT `+proposalCols+` FROM participation_proposals
		WHERE ?1 = '' OR (created_at, id) < (SELECT created_at, id FROM participation_proposals WHERE id = ?1)
		ORDER BY created_at DESC, id DESC LIMIT ?2`, f.Before, f.Limit)
	out, err := collect(rows, err, scanProposal)
	return out, wrap("list proposals", err)
}

// AddSupport implements participation.Tx. The single writer serializes
// supports; the primary key still decides, so a second support inserts
// nothing and counts nothing, and an answered proposal takes none.
func (tx *Tx) AddSupport(ctx context.Context, proposalID, accountID string, at time.Time) (bool, error) {
	res, err := tx.q.ExecContext(ctx, `INSERT INTO participation_supports (proposal_id, account_id, at)
		SELECT ?1, ?2, ?3 WHERE EXISTS (SELECT 1 FROM participation_proposals WHERE id = ?1 AND answer = '')
		ON CONFLICT (proposal_id, account_id) DO NOTHING`, proposalID, accountID, toMicros(at))
	if added, err := inserted(res, err, "add support"); err != nil || !added {
		return false, err
	}
	res, err = tx.q.ExecContext(ctx, `UPDATE participation_proposals SET support_count = support_count + 1 WHERE id = ?`, proposalID)
	return true, wrap("count support", oneRow(res, err))
}

// AwaitingProposals implements participation.Tx.
func (tx *Tx) AwaitingProposals(ctx context.Context, after string, limit int) ([]participation.Proposal, error) {
	rows, err := tx.q.QueryContext(ctx, `SELECT `+proposalCols+` FROM participation_proposals
		WHERE answer = '' AND support_count >= threshold
			AND (?1 = '' OR (created_at, id) > (SELECT created_at, id FROM participation_proposals WHERE id = ?1))
		ORDER BY created_at, id LIMIT ?2`, after, limit)
	out, err := collect(rows, err, scanProposal)
	return out, wrap("list proposals awaiting an answer", err)
}

// Supports implements participation.Tx.
func (tx *Tx) Supports(ctx context.Context, proposalID, accountID string) (bool, error) {
	var ok int
	err := tx.q.QueryRowContext(ctx, `SELECT EXISTS (SELECT 1 FROM participation_supports WHERE proposal_id = ? AND account_id = ?)`,
		proposalID, accountID).Scan(&ok)
	return ok == 1, wrap("read support", err)
}

// CountSupports implements participation.Tx.
func (tx *Tx) CountSupports(ctx context.Context, proposalID string) (int, error) {
	var n int
	err := tx.q.QueryRowContext(ctx, `SELECT count(*) FROM participation_supports WHERE proposal_id = ?`, proposalID).Scan(&n)
	return n, wrap("count supports", err)
}

// Follow implements participation.Tx.
func (tx *Tx) Follow(ctx context.Context, proposalID, accountID string, at time.Time) error {
	_, err := tx.q.ExecContext(ctx, `INSERT INTO participation_followers (proposal_id, account_id, at) VALUES (?, ?, ?)
		ON CONFLICT (proposal_id, account_id) DO NOTHING`, proposalID, accountID, toMicros(at))
	return wrap("follow proposal", err)
}

// Unfollow implements participation.Tx.
func (tx *Tx) Unfollow(ctx context.Context, proposalID, accountID string) error {
	_, err := tx.q.ExecContext(ctx, `DELETE FROM participation_followers WHERE proposal_id = ? AND account_id = ?`, proposalID, accountID)
	return wrap("unfollow proposal", err)
}

// Follows implements participation.Tx.
func (tx *Tx) Follows(ctx context.Context, proposalID, accountID string) (bool, error) {
	var ok int
	err := tx.q.QueryRowContext(ctx, `SELECT EXISTS (SELECT 1 FROM participation_followers WHERE proposal_id = ? AND account_id = ?)`,
		proposalID, accountID).Scan(&ok)
	return ok == 1, wrap("read follow", err)
}

// Followers implements participation.Tx.
func (tx *Tx) Followers(ctx context.Context, proposalID string) ([]string, error) {
	rows, err := tx.q.QueryContext(ctx, `SELECT account_id FROM participation_followers WHERE proposal_id = ? ORDER BY at, account_id`, proposalID)
	out, err := collect(rows, err, func(r rowScanner) (string, error) {
		var s string
		return s, r.Scan(&s)
	})
	return out, wrap("list followers", err)
}

const commentCols = `id, proposal_id, author_id, author_name, body, state, flag_count, created_at, lang`

func scanComment(row rowScanner) (participation.Comment, error) {
	var c participation.Comment
	var at int64
	err := row.Scan(&c.ID, &c.ProposalID, &c.AuthorID, &c.AuthorName, &c.Body, &c.State, &c.FlagCount, &at, &c.Lang)
	c.CreatedAt = fromMicros(at)
	return c, err
}

// InsertComment implements participation.Tx.
func (tx *Tx) InsertComment(ctx context.Context, c participation.Comment) error {
	_, err := tx.q.ExecContext(ctx, `INSERT INTO participation_comments (`+commentCols+`) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)`,
		c.ID, c.ProposalID, c.AuthorID, c.AuthorName, c.Body, c.State, c.FlagCount, toMicros(c.CreatedAt), c.Lang)
	return wrap("insert comment", err)
}

// Comment implements participation.Tx.
func (tx *Tx) Comment(ctx context.Context, id string) (participation.Comment, error) {
	c, err := scanComment(tx.q.QueryRowContext(ctx, `SELECT `+commentCols+` FROM participation_comments WHERE id = ?`, id))
	return c, wrap("read comment", err)
}

// LockComment implements participation.Tx: a write transaction here holds
// the database's one write lock from its start (_txlock=immediate), so the
// row is held already.
func (tx *Tx) LockComment(ctx context.Context, id string) (participation.Comment, error) {
	c, err := tx.Comment(ctx, id)
	return c, wrap("lock comment", err)
}

// Comments implements participation.Tx.
func (tx *Tx) Comments(ctx context.Context, proposalID string, withHidden bool, after string, limit int) ([]participation.Comment, error) {
	rows, err := tx.q.QueryContext(ctx, `SELECT `+commentCols+` FROM participation_comments
		WHERE proposal_id = ?1 AND (?2 OR state <> 'hidden')
			AND (?3 = '' OR (created_at, id) > (SELECT created_at, id FROM participation_comments WHERE id = ?3))
		ORDER BY created_at, id LIMIT ?4`, proposalID, boolInt(withHidden), after, limit)
	out, err := collect(rows, err, scanComment)
	return out, wrap("list comments", err)
}

// FlagComment implements participation.Tx.
func (tx *Tx) FlagComment(ctx context.Context, commentID, accountID, reason string, at time.Time) (bool, error) {
	res, err := tx.q.ExecContext(ctx, `INSERT INTO participation_comment_flags (comment_id, account_id, reason, at) VALUES (?, ?, ?, ?)
		ON CONFLICT (comment_id, account_id) DO NOTHING`, commentID, accountID, reason, toMicros(at))
	if added, err := inserted(res, err, "flag comment"); err != nil || !added {
		return false, err
	}
	res, err = tx.q.ExecContext(ctx, `UPDATE participation_comments SET flag_count = flag_count + 1,
		state = CASE WHEN state = 'visible' THEN 'flagged' ELSE state END WHERE id = ?`, commentID)
	return true, wrap("flag comment", oneRow(res, err))
}

// SetCommentState implements participation.Tx.
func (tx *Tx) SetCommentState(ctx context.Context, id, state, by string) error {
	res, err := tx.q.ExecContext(ctx, `UPDATE participation_comments SET state = ?1, moderated_by = ?2,
		flag_count = CASE WHEN ?1 = 'visible' THEN 0 ELSE flag_count END WHERE id = ?3`, state, by, id)
	if err := oneRow(res, err); err != nil || state != participation.CommentVisible {
		return wrap("moderate comment", err)
	}
	_, err = tx.q.ExecContext(ctx, `DELETE FROM participation_comment_flags WHERE comment_id = ?`, id)
	return wrap("dismiss comment flags", err)
}

// commentsList is a moderators' list of the comments in one state, oldest
// first: its first page, and the page after the comment ?1 names. Each
// state's partial index in that order (migration 1032) finds a page's first
// row and reads the page from there. The state is written out, not a
// parameter, so that every plan matches the index's predicate; and the
// cursor is a statement of its own rather than a condition that an empty
// cursor passes, which SQLite, planning before the values are bound, keeps
// as a filter, reading every comment of the state before the cursor.
type commentsList struct{ first, after string }

func moderatedCommentsSQL(state string) commentsList {
	sel := `SELECT ` + commentCols + ` FROM participation_comments WHERE state = '` + state + `'`
	return commentsList{
		first: sel + ` ORDER BY created_at, id LIMIT ?1`,
		after: sel + ` AND (created_at, id) > (SELECT created_at, id FROM participation_comments WHERE id = ?1)
			ORDER BY created_at, id LIMIT ?2`,
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
	err := tx.q.QueryRowContext(ctx, `SELECT count(*) FROM participation_comments WHERE state = 'flagged'`).Scan(&n)
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
	rows, err := tx.q.QueryContext(ctx, sql, args...)
	return collect(rows, err, scanComment)
}

// CommentFlags implements participation.Tx.
func (tx *Tx) CommentFlags(ctx context.Context, commentIDs []string) (map[string][]participation.CommentFlag, error) {
	ids, err := json.Marshal(commentIDs)
	if err != nil {
		return nil, wrap("encode comment ids", err)
	}
	rows, err := tx.q.QueryContext(ctx, `SELECT comment_id, reason, at FROM participation_comment_flags
		WHERE comment_id IN (SELECT value FROM json_each(?1)) ORDER BY at, account_id`, string(ids))
	if err != nil {
		return nil, wrap("list comment flags", err)
	}
	defer rows.Close()
	out := map[string][]participation.CommentFlag{}
	for rows.Next() {
		var id string
		var f participation.CommentFlag
		var at int64
		if err := rows.Scan(&id, &f.Reason, &at); err != nil {
			return nil, wrap("list comment flags", err)
		}
		f.At = fromMicros(at)
		out[id] = append(out[id], f)
	}
	return out, wrap("list comment flags", rows.Err())
}

// Audited implements participation.Tx, by the audit log's index on the
// object (audit_log_object).
func (tx *Tx) Audited(ctx context.Context, action, objectType, objectID string) (bool, error) {
	var ok bool
	err := tx.q.QueryRowContext(ctx, `SELECT EXISTS (SELECT 1 FROM audit_log WHERE object_type = ?1 AND object_id = ?2 AND action = ?3)`,
		objectType, objectID, action).Scan(&ok)
	return ok, wrap("read audit", err)
}

// ProposalsBy implements participation.Tx.
func (tx *Tx) ProposalsBy(ctx context.Context, accountID string) ([]participation.Proposal, error) {
	rows, err := tx.q.QueryContext(ctx, `SELECT `+proposalCols+` FROM participation_proposals WHERE author_id = ? ORDER BY created_at DESC, id DESC`, accountID)
	out, err := collect(rows, err, scanProposal)
	return out, wrap("list proposals by author", err)
}

// CommentsBy implements participation.Tx.
func (tx *Tx) CommentsBy(ctx context.Context, accountID string) ([]participation.Comment, error) {
	rows, err := tx.q.QueryContext(ctx, `SELECT `+commentCols+` FROM participation_comments WHERE author_id = ? ORDER BY created_at, id`, accountID)
	out, err := collect(rows, err, scanComment)
	return out, wrap("list comments by author", err)
}

// CommentIDsOn implements participation.Tx.
func (tx *Tx) CommentIDsOn(ctx context.Context, proposalID, accountID string) ([]string, error) {
	rows, err := tx.q.QueryContext(ctx, `SELECT id FROM participation_comments WHERE proposal_id = ? AND author_id = ?`, proposalID, accountID)
	out, err := collect(rows, err, scanString)
	return out, wrap("list own comments on a proposal", err)
}

func scanString(r rowScanner) (string, error) {
	var s string
	return s, r.Scan(&s)
}

// SupportedBy implements participation.Tx.
func (tx *Tx) SupportedBy(ctx context.Context, accountID string) ([]string, error) {
	rows, err := tx.q.QueryContext(ctx, `SELECT proposal_id FROM participation_supports WHERE account_id = ? ORDER BY at, proposal_id`, accountID)
	out, err := collect(rows, err, scanString)
	return out, wrap("list supports", err)
}

// FollowedBy implements participation.Tx.
func (tx *Tx) FollowedBy(ctx context.Context, accountID string) ([]string, error) {
	rows, err := tx.q.QueryContext(ctx, `SELECT proposal_id FROM participation_followers WHERE account_id = ? ORDER BY at, proposal_id`, accountID)
	out, err := collect(rows, err, scanString)
	return out, wrap("list follows", err)
}

// flagsBySQL reads an account's flags, by the flags' index of accounts
// (migration 1033).
const flagsBySQL = `SELECT f.comment_id, c.proposal_id, f.reason, f.at
		FROM participation_comment_flags f JOIN participation_comments c ON c.id = f.comment_id
		WHERE f.account_id = ? ORDER BY f.at, f.comment_id`

// FlagsBy implements participation.Tx.
func (tx *Tx) FlagsBy(ctx context.Context, accountID string) ([]participation.OwnFlag, error) {
	rows, err := tx.q.QueryContext(ctx, flagsBySQL, accountID)
	out, err := collect(rows, err, func(r rowScanner) (participation.OwnFlag, error) {
		var f participation.OwnFlag
		var at int64
		err := r.Scan(&f.CommentID, &f.ProposalID, &f.Reason, &at)
		f.At = fromMicros(at)
		return f, err
	})
	return out, wrap("list own comment flags", err)
}

const apiKeyCols = `id, name, secret_hash, issued_at, issued_by, revoked_at`

func scanAPIKey(row rowScanner) (participation.APIKey, error) {
	var k participation.APIKey
	var issued int64
	var revoked sql.NullInt64
	err := row.Scan(&k.ID, &k.Name, &k.SecretHash, &issued, &k.IssuedBy, &revoked)
	k.IssuedAt = fromMicros(issued)
	if revoked.Valid {
		r := fromMicros(revoked.Int64)
		k.RevokedAt = &r
	}
	return k, err
}

// InsertAPIKey implements participation.Tx.
func (tx *Tx) InsertAPIKey(ctx context.Context, k participation.APIKey) error {
	var revoked any
	if k.RevokedAt != nil {
		revoked = toMicros(*k.RevokedAt)
	}
	_, err := tx.q.ExecContext(ctx, `INSERT INTO participation_api_keys (`+apiKeyCols+`) VALUES (?, ?, ?, ?, ?, ?)`,
		k.ID, k.Name, k.SecretHash, toMicros(k.IssuedAt), k.IssuedBy, revoked)
	return wrap("insert api key", err)
}

// APIKey implements participation.Tx.
func (tx *Tx) APIKey(ctx context.Context, id string) (participation.APIKey, error) {
	k, err := scanAPIKey(tx.q.QueryRowContext(ctx, `SELECT `+apiKeyCols+` FROM participation_api_keys WHERE id = ?`, id))
	return k, wrap("read api key", err)
}

// ListAPIKeys implements participation.Tx.
func (tx *Tx) ListAPIKeys(ctx context.Context) ([]participation.APIKey, error) {
	rows, err := tx.q.QueryContext(ctx, `SELECT `+apiKeyCols+` FROM participation_api_keys ORDER BY issued_at, id`)
	out, err := collect(rows, err, scanAPIKey)
	return out, wrap("list api keys", err)
}

// RevokeAPIKey implements participation.Tx.
func (tx *Tx) RevokeAPIKey(ctx context.Context, id string, at time.Time) (bool, error) {
	res, err := tx.q.ExecContext(ctx, `UPDATE participation_api_keys SET revoked_at = ? WHERE id = ? AND revoked_at IS NULL`, toMicros(at), id)
	return inserted(res, err, "revoke api key")
}
