package postgres

import (
	"context"

	"cityhub/wallet"
)

var _ wallet.CommitPoster = (*Tx)(nil)

// PostAtCommit implements wallet.CommitPoster: the posting is queued, and
// goes to the server with the transaction's next statement, normally with
// its COMMIT. A posting to a city-wide account with a floor (a campaign's
// budget) then holds that account's lock only while the server runs what
// follows it in the batch and commits, never while a round trip to the hub
// goes by. The posting is one call of ledger_post (migration 1014), or of
// ledger_transfer for a transfer whose floors the hub knows (migration
// 1025), which writes its rows with one small statement each and raises what Post would
// refuse, so the batch stops there, the COMMIT is never run, and InTx
// answers the refusal (translate: CL001 InsufficientFunds, CL002 NotFound,
// CL004 Conflict with wallet.ReasonKeyTaken, CL011 Conflict with
// wallet.ReasonAccountClosed, migration 1039).
//
// The posting's key is new unless ledger_post finds its id (the key's, see
// wallet.TransactionIDFor) or the key among those posted before ids were
// made from keys (migration 1021).
//
// How the accounts with a floor are locked depends on how many the
// posting has, which the floor cache learns the first time (one round
// trip, once per account and process):
//   - none: nothing to lock;
//   - one: its balance's update in ledger_post takes the lock, as late as
//     the posting can, and judges the floor on the row it holds;
//   - more: they are locked first, in byte order as every posting locks
//     them, so that two postings never wait for each other crosswise.
func (tx *Tx) PostAtCommit(ctx context.Context, t wallet.Transaction, ids []wallet.AccountID) error {
	// Which of the entries' accounts have a floor, when the cache knows
	// them all (and so knows they exist): ledger_post then reads none of
	// them. One look at the cache serves the locks and the call.
	var floors []bool
	if tx.floors != nil {
		accounts := make([]wallet.AccountID, len(t.Entries))
		for i, e := range t.Entries {
			accounts[i] = e.Account
		}
		floors = tx.floors.floors(accounts)
	}
	switch {
	case floors == nil:
		// Locks them and tells the cache (PostingAccounts remembers, for
		// the postings after this transaction commits); what it read says
		// which have a floor. A missing account leaves floors nil, and
		// ledger_post refuses the posting.
		accounts, err := tx.PostingAccounts(ctx, ids)
		if err != nil {
			return err
		}
		floors = floorsOf(t, accounts)
	case countTrue(floors) > 1:
		keys := make([]string, len(ids))
		for i, id := range ids {
			keys[i] = string(id)
		}
		if err := tx.later(ctx, deferred{what: "lock ledger accounts",
			sql:  `SELECT id FROM ledger_accounts WHERE id = ANY($1) AND floor IS NOT NULL ORDER BY id COLLATE "C" FOR UPDATE`,
			args: []any{keys}}); err != nil {
			return err
		}
	}
	if floors != nil && isTransfer(t) {
		// The common posting, one account paying another: ledger_transfer
		// takes it as plain arguments (migration 1025).
		args := append(postingHeaderArgs(t), string(t.Entries[0].Account), t.Entries[0].Amount, floors[0], string(t.Entries[1].Account), floors[1])
		return tx.later(ctx, deferred{what: "post ledger transfer " + t.ID,
			sql:  `SELECT ledger_transfer($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15)`,
			args: args})
	}
	return tx.later(ctx, deferred{what: "post ledger transaction " + t.ID,
		sql:  `SELECT ledger_post($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13)`,
		args: append(guardedPostingArgs(t), floors)})
}

// isTransfer reports whether t is a transfer, one account giving what
// another gets, which the ledger keeps as one row: every posting of two
// entries is one, as wallet's validation (prepare) leaves no zero amount,
// no account twice and no sum but zero.
func isTransfer(t wallet.Transaction) bool { return len(t.Entries) == 2 }

// floorsOf says for each of t's entries whether its account has a floor,
// by accounts as read; nil when one of them was not read.
func floorsOf(t wallet.Transaction, accounts []wallet.Account) []bool {
	floored := make(map[wallet.AccountID]bool, len(accounts))
	for _, a := range accounts {
		floored[a.ID] = a.Floor != nil
	}
	out := make([]bool, len(t.Entries))
	for i, e := range t.Entries {
		f, ok := floored[e.Account]
		if !ok {
			return nil
		}
		out[i] = f
	}
	return out
}
