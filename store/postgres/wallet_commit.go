package postgres

import (
	"context"

	"cityhub/wallet"
)

var _ wallet.CommitPoster = (*Tx)(nil)

// PostAtCommit implements wallet.CommitPoster: the lock of the accounts
// with a floor and the guarded posting are queued, and go to the server
// with the transaction's next statement, normally with its COMMIT. A
// posting to a city-wide account with a floor (a campaign's budget) then
// holds that account's lock only while the server runs what follows it in
// the batch and commits, never while a round trip to the hub goes by.
// What Post would refuse fails the posting statement (ledger_posted, see
// migration 1001), so the batch stops there, the COMMIT is never run, and
// InTx answers the refusal (translate: CL001 InsufficientFunds, CL002
// NotFound, CL004 Conflict with wallet.ReasonKeyTaken).
func (tx *Tx) PostAtCommit(ctx context.Context, t wallet.Transaction, ids []wallet.AccountID) error {
	if tx.floors == nil || !tx.floors.allUnbounded(ids) {
		keys := make([]string, len(ids))
		for i, id := range ids {
			keys[i] = string(id)
		}
		// In byte order, as every posting locks them: no deadlock.
		if err := tx.later(ctx, deferred{what: "lock ledger accounts",
			sql:  `SELECT id FROM ledger_accounts WHERE id = ANY($1) AND floor IS NOT NULL ORDER BY id COLLATE "C" FOR UPDATE`,
			args: []any{keys}}); err != nil {
			return err
		}
	}
	return tx.later(ctx, deferred{what: "post ledger transaction " + t.ID,
		sql: guardedPostingSQL + `
		SELECT ledger_posted($1, (SELECT count(*) FROM acct) = cardinality($11::text[]), (SELECT ok FROM ok),
			(SELECT count(*) FROM t), (SELECT count(*) FROM b), (SELECT count(*) FROM p),
			(SELECT count(*) FROM acct WHERE floor IS NOT NULL), cardinality($11::text[]))`,
		args: guardedPostingArgs(t)})
}
