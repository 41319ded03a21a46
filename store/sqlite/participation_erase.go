package sqlite

import (
	"context"
	"time"
)

// forgetCitizen takes an erased account's name and e-mail address off
// what it wrote as a citizen, in the erasure's transaction, as on
// PostgreSQL: a report whose name the public saw has its updated_at moved
// to at, or a microsecond past where it stood if that is later, so that
// whoever syncs by it fetches it again and drops the name.
func (tx *Tx) forgetCitizen(ctx context.Context, accountID string, at time.Time) error {
	if _, err := tx.q.ExecContext(ctx, `UPDATE participation_reports SET reporter_name = '', reporter_email = '', public_name = 0,
		updated_at = CASE WHEN public_name <> 0 AND redacted = 0 THEN max(?2, updated_at + 1) ELSE updated_at END
		WHERE reporter_id = ?1`, accountID, toMicros(at)); err != nil {
		return wrap("anonymise reports", err)
	}
	for what, q := range map[string]string{
		"proposals":    `UPDATE participation_proposals SET author_name = '', public_name = 0 WHERE author_id = ?`,
		"comments":     `UPDATE participation_comments SET author_name = '' WHERE author_id = ?`,
		"follows":      `DELETE FROM participation_followers WHERE account_id = ?`,
		"flag reasons": `UPDATE participation_comment_flags SET reason = '' WHERE account_id = ? AND reason <> ''`,
	} {
		if _, err := tx.q.ExecContext(ctx, q, accountID); err != nil {
			return wrap("anonymise "+what, err)
		}
	}
	return nil
}
