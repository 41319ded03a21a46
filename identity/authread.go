package identity

import (
	"context"
	"fmt"

	"cityhub/groupcommit"
)

// AccountsReader is implemented by stores whose reads are round trips to a
// server (PostgreSQL): they read several accounts in one statement. Every
// authenticated request reads its caller's account afresh (a disabled
// account or a revoked grant takes effect at once), so under load the
// hub's most frequent statement was that one-row read, a round trip each.
// With an AccountsReader the reads of the requests that arrive while one
// read is on its way go together in the next (groupcommit): still read
// after each request arrived, one round trip for all of them, nothing kept
// for the next; a request whose caller gives up while its read waits in
// the queue leaves it. An embedded store (SQLite) does not implement it:
// its reads cost no round trip.
type AccountsReader interface {
	// AccountsByID reads the accounts of ids with their grants, in one
	// statement outside any transaction. An id without an account has none
	// in the result; the order is the store's.
	AccountsByID(ctx context.Context, ids []string) ([]Account, error)
}

// callerReadMax bounds the accounts read in one statement: about the
// requests a busy hub has in flight at once.
const callerReadMax = 128

// callerRead is one request's account, or found == false.
type callerRead struct {
	account Account
	found   bool
}

// newCallerReads is the group of callers' account reads of r.
func newCallerReads(r AccountsReader) *groupcommit.Group[string, callerRead] {
	return &groupcommit.Group[string, callerRead]{Max: callerReadMax, Write: func(ctx context.Context, ids []string) ([]callerRead, error) {
		distinct := make([]string, 0, len(ids))
		seen := make(map[string]bool, len(ids))
		for _, id := range ids {
			if !seen[id] {
				seen[id] = true
				distinct = append(distinct, id)
			}
		}
		accounts, err := r.AccountsByID(ctx, distinct)
		if err != nil {
			return nil, err
		}
		byID := make(map[string]Account, len(accounts))
		for _, a := range accounts {
			byID[a.ID] = a
		}
		out := make([]callerRead, len(ids))
		for i, id := range ids {
			out[i].account, out[i].found = byID[id]
		}
		return out, nil
	}}
}

// callerAccount reads the active account that an access token or a page
// session names (Authenticate, SessionCaller): grouped with the other
// requests' reads when the store can.
func (s *Service) callerAccount(ctx context.Context, id string) (Account, error) {
	if s.callerReads == nil {
		var a Account
		err := s.store.View(ctx, func(tx Tx) error {
			var err error
			a, err = activeAccount(ctx, tx, id)
			return err
		})
		return a, err
	}
	r, err := s.callerReads.Do(ctx, id)
	if err != nil {
		return Account{}, fmt.Errorf("read account: %w", err)
	}
	if !r.found || !r.account.Active() {
		return Account{}, errNotAuthenticated
	}
	return r.account, nil
}
