package postgres

import (
	"context"
	"time"
)

// forgetCitizen takes an erased account's name and e-mail address off
// what it wrote as a citizen, in the erasure's transaction: what it wrote
// stays (a report is the city's work; a proposal others supported), its
// follows go, and so do the reasons it typed when flagging comments (words
// to the moderators, not public: the flags stay, counted, without them). A report whose name the public saw (chosen to be shown and
// not redacted) has its updated_at moved to at, or just past where it
// stood if that is later, so that an Open311 client or an open data
// reader that syncs by it (updated_datetime, the open data's updated_at)
// fetches it again and drops the name, as after a redaction. Proposals
// and comments have no change time to move.
func (tx *Tx) forgetCitizen(ctx context.Context, accountID string, at time.Time) error {
	if _, err := tx.q.Exec(ctx, `UPDATE participation_reports SET reporter_name = '', reporter_email = '', public_name = FALSE,
		updated_at = CASE WHEN public_name AND NOT redacted
			THEN GREATEST($2, updated_at + interval '1 microsecond') ELSE updated_at END
		WHERE reporter_id = $1`, accountID, at); err != nil {
		return wrap("anonymise reports", err)
	}
	for what, q := range map[string]string{
		"proposals":    `UPDATE participation_proposals SET author_name = '', public_name = FALSE WHERE author_id = $1`,
		"comments":     `UPDATE participation_comments SET author_name = '' WHERE author_id = $1`,
		"follows":      `DELETE FROM participation_followers WHERE account_id = $1`,
		"flag reasons": `UPDATE participation_comment_flags SET reason = '' WHERE account_id = $1 AND reason <> ''`,
	} {
		if _, err := tx.q.Exec(ctx, q, accountID); err != nil {
			return wrap("anonymise "+what, err)
		}
	}
	return nil
}
